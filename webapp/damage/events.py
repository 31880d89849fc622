"""The ``damage`` sync event: anyone flags a quantity of an item at a location, offline or not.

``quantity`` may be left out when the item is named by a scanned ``code``: one scan's worth
is flagged (a deli label's weight, a case's pack).
"""

from __future__ import annotations

from webapp.catalog import service as catalog
from webapp.damage import service
from webapp.errors import DomainError
from webapp.photos.fields import photo_client_ids_field, photo_ids_field
from webapp.sync import DeviceEvent, EventRegistry, SyncContext, int_field, item_ids_of, str_field
from webapp.sync.items import item_id_field, item_id_fields


def _quantity(event: DeviceEvent, ctx: SyncContext) -> int:
    """The quantity sent, or, for a scanned code sent without one, what one scan of it stands
    for: a case its pack, a deli label its weight (webapp/catalog/variable.py)."""
    code = event.fields.get("code")
    if event.fields.get("quantity") is None and isinstance(code, str) and code.strip():
        return catalog.lookup(ctx.store_id, str_field(event.fields, "code", max_length=120)).pack_qty
    return int_field(event.fields, "quantity", minimum=1)


def handle_damage(event: DeviceEvent, ctx: SyncContext) -> None:
    service.flag(_flag(event, ctx, item_id_field(event, ctx)), ctx.ledger)


def _flag(event: DeviceEvent, ctx: SyncContext, item_id: int) -> service.Flag:
    return service.Flag(
        event.id, ctx.store_id, ctx.user_id, item_id, event.location_id,
        _quantity(event, ctx),
        str_field(event.fields, "reason", max_length=40) or "",
        event.occurred_at, str_field(event.fields, "note", required=False, max_length=500) or "",
        photo_ids_field(event), photo_client_ids_field(event))


def handle_damages(events: list[DeviceEvent], ctx: SyncContext) -> dict[str, DomainError]:
    """A run of flags: each event's fields read as ``handle_damage`` does (the codes resolved at
    once), then checked and written together (``flag_many``): the approval threshold still
    decides, flag by flag, whether its damage is written now or waits for a manager."""
    errors: dict[str, DomainError] = {}
    items = item_id_fields(events, ctx)
    flags: list[service.Flag] = []
    for event in events:
        try:
            item_id = items[event.id]
            if isinstance(item_id, DomainError):
                raise item_id
            flags.append(_flag(event, ctx, item_id))
        except DomainError as err:
            errors[event.id] = err
    for index, err in service.flag_many(flags, ctx.ledger).items():
        errors[flags[index].event_id] = err
    return errors


def damage_streams(events: list[DeviceEvent], ctx: SyncContext) -> set[tuple[int, int]]:
    """A flag below the approval threshold writes its damage at once (above, it may write nothing)."""
    items = item_ids_of(events, ctx)
    return {(items[e.id], e.location_id) for e in events if e.id in items}


def register(registry: EventRegistry) -> None:
    registry.register("damage", handle_damage, min_role="staff", needs_location=True, batch=handle_damages,
                      streams=damage_streams)
