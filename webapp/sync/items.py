"""An event field several capabilities read the same way: the item, by id or by a scanned code.

Here in the sync layer (above catalog) so that damage, receiving and transfers share it
without importing each other.
"""

from __future__ import annotations

from webapp.catalog.service import lookup
from webapp.sync import DeviceEvent, SyncContext, int_field, str_field


def item_id_field(event: DeviceEvent, ctx: SyncContext) -> int:
    if event.fields.get("item_id") is not None:
        return int_field(event.fields, "item_id")
    return lookup(ctx.store_id, str_field(event.fields, "code", max_length=120)).item.id
