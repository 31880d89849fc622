"""An event field several capabilities read the same way: the item, by id or by a scanned code.

Here in the sync layer (above catalog) so that damage, receiving and transfers share it
without importing each other.
"""

from __future__ import annotations

from webapp.catalog.service import lookup, resolve_many
from webapp.errors import DomainError
from webapp.sync import DeviceEvent, SyncContext, int_field, str_field


def item_id_field(event: DeviceEvent, ctx: SyncContext) -> int:
    if event.fields.get("item_id") is not None:
        return int_field(event.fields, "item_id")
    return lookup(ctx.store_id, str_field(event.fields, "code", max_length=120)).item.id


def item_id_fields(events: list[DeviceEvent], ctx: SyncContext) -> dict[str, int | DomainError]:
    """``item_id_field`` of many events, by event id: the item, or the error it would raise. The
    codes are resolved in one go (``resolve_many``, the rule ``lookup`` follows)."""
    out: dict[str, int | DomainError] = {}
    codes: dict[str, str] = {}
    for event in events:
        try:
            if event.fields.get("item_id") is not None:
                out[event.id] = int_field(event.fields, "item_id")
            else:
                codes[event.id] = str_field(event.fields, "code", max_length=120)
        except DomainError as err:
            out[event.id] = err
    found = resolve_many(ctx.store_id, list(codes.values())) if codes else {}
    for event_id, code in codes.items():
        if found.get(code) is not None:
            out[event_id] = found[code][0]
            continue
        try:  # what ``lookup`` says of a code the bulk rule did not place (a misread label, ...)
            out[event_id] = lookup(ctx.store_id, code).item.id
        except DomainError as err:
            out[event_id] = err
    return out
