"""The ``transfer`` sync event: from one location to another, both legs at the scan's time.

A scan sends its ``code`` without a ``quantity``: the server works out what it stands for as
receiving does (a case its pack, a GS1-128 label its (37) count x pack). A keyed quantity
(the phone's "-1", or another client) is taken as sent.
"""

from __future__ import annotations

from webapp.errors import DomainError
from webapp.receiving.service import code_units
from webapp.sync import (
    DeviceEvent,
    EventRegistry,
    SyncContext,
    check_location,
    int_field,
    item_ids_of,
    str_field,
)
from webapp.sync.items import item_id_field
from webapp.transfers import service


def handle_transfer(event: DeviceEvent, ctx: SyncContext) -> None:
    service.move(_move(event, ctx), ctx.ledger)


def _move(event: DeviceEvent, ctx: SyncContext) -> service.Move:
    source = int_field(event.fields, "from_location_id")
    target = int_field(event.fields, "to_location_id")
    check_location(source, ctx)
    check_location(target, ctx)
    if event.fields.get("quantity") is None:
        item_id, quantity = code_units(ctx.store_id, str_field(event.fields, "code", max_length=120))
    else:
        item_id, quantity = item_id_field(event, ctx), int_field(event.fields, "quantity", minimum=1)
    return service.Move(event.id, ctx.store_id, ctx.user_id, item_id, source, target, quantity,
                        event.occurred_at)


def handle_transfers(events: list[DeviceEvent], ctx: SyncContext) -> dict[str, DomainError]:
    """A run of transfers: each event's fields read as ``handle_transfer`` does, then the moves
    checked and written at once (``move_many``)."""
    errors: dict[str, DomainError] = {}
    moves: list[service.Move] = []
    for event in events:
        try:
            moves.append(_move(event, ctx))
        except DomainError as err:
            errors[event.id] = err
    for index, err in service.move_many(moves, ctx.ledger).items():
        errors[moves[index].event_id] = err
    return errors


def transfer_streams(events: list[DeviceEvent], ctx: SyncContext) -> set[tuple[int, int]]:
    items = item_ids_of(events, ctx)
    return {(items[e.id], e.fields[end]) for e in events if e.id in items
            for end in ("from_location_id", "to_location_id") if isinstance(e.fields.get(end), int)}


def register(registry: EventRegistry) -> None:
    registry.register("transfer", handle_transfer, min_role="receiver", batch=handle_transfers,
                      streams=transfer_streams)
