"""What a device needs to resolve scans offline: the store's items and their barcodes.

Served by ``webapp.api`` as ``GET /api/v1/catalog``, beside the sync endpoint it pairs with.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.catalog.models import Item
from webapp.extensions import db


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def snapshot(store_id: int, since: datetime | None, *, with_cost: bool) -> tuple[dict, str]:
    """Items changed after ``since`` (all when None), inactive ones included so devices drop them.

    Returns the body and its ETag. ``next_since`` is the newest change sent: ask for
    ``since=next_since`` next time. Cost reaches managers only.
    """
    query = (select(Item).where(Item.store_id == store_id).options(selectinload(Item.barcodes))
             .order_by(Item.modified_at, Item.id))
    if since is not None:
        query = query.where(Item.modified_at > since)
    items = list(db.session.scalars(query))
    body = {
        "next_since": _iso(items[-1].modified_at) if items else (_iso(since) if since else None),
        "items": [_item(i, with_cost) for i in items],
    }
    etag = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]
    return body, etag


def _item(item: Item, with_cost: bool) -> dict:
    out = {
        "id": item.id, "name": item.name, "sku": item.sku, "category": item.category,
        "measure": item.measure, "unit_name": item.unit_name, "price_cents": item.price_cents,
        "active": item.active,
        "barcodes": [{"code": b.code, "gtin14": b.gtin14, "pack_qty": b.pack_qty} for b in item.barcodes],
    }
    if with_cost:
        out["cost_cents"] = item.cost_cents
    return out
