"""The ``damage`` sync event: anyone flags a quantity of an item at a location, offline or not."""

from __future__ import annotations

from webapp.damage import service
from webapp.photos.fields import photo_client_ids_field, photo_ids_field
from webapp.sync import DeviceEvent, EventRegistry, SyncContext, int_field, item_ids_of, str_field
from webapp.sync.items import item_id_field


def handle_damage(event: DeviceEvent, ctx: SyncContext) -> None:
    service.flag(service.Flag(
        event.id, ctx.store_id, ctx.user_id, item_id_field(event, ctx), event.location_id,
        int_field(event.fields, "quantity", minimum=1),
        str_field(event.fields, "reason", max_length=40) or "",
        event.occurred_at, str_field(event.fields, "note", required=False, max_length=500) or "",
        photo_ids_field(event), photo_client_ids_field(event)), ctx.ledger)


def damage_streams(events: list[DeviceEvent], ctx: SyncContext) -> set[tuple[int, int]]:
    """A flag below the approval threshold writes its damage at once (above, it may write nothing)."""
    items = item_ids_of(events, ctx)
    return {(items[e.id], e.location_id) for e in events if e.id in items}


def register(registry: EventRegistry) -> None:
    registry.register("damage", handle_damage, min_role="staff", needs_location=True, streams=damage_streams)
