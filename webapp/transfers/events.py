"""The ``transfer`` sync event: from one location to another, both legs at the scan's time."""

from __future__ import annotations

from webapp.api.sync import DeviceEvent, SyncContext, check_location, int_field, register_event_type
from webapp.receiving.events import item_id_field
from webapp.transfers import service


def handle_transfer(event: DeviceEvent, ctx: SyncContext) -> None:
    source = int_field(event.fields, "from_location_id")
    target = int_field(event.fields, "to_location_id")
    check_location(source, ctx)
    check_location(target, ctx)
    service.move(service.Move(event.id, ctx.store_id, ctx.user_id, item_id_field(event, ctx), source, target,
                              int_field(event.fields, "quantity", minimum=1), event.occurred_at), ctx.ledger)


register_event_type("transfer", handle_transfer, min_role="receiver")
