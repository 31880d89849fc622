"""What a device needs to resolve scans offline: the store's items and their barcodes.

Served by ``webapp.api`` as ``GET /api/v1/catalog``, beside the sync endpoint it pairs with.
Read as plain rows, not ORM objects, and serialised once: a 50,000-item store's first download
built 100,000 objects and dumped 10 MB of JSON twice, most of a minute on a busy server.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select

from webapp.catalog.models import Barcode, Item
from webapp.extensions import db


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def snapshot(store_id: int, since: datetime | None, *, with_cost: bool) -> tuple[bytes, str]:
    """Items changed after ``since`` (all when None), inactive ones included so devices drop them.

    Returns the JSON body and its ETag. ``next_since`` is the newest change sent: ask for
    ``since=next_since`` next time. Cost reaches managers only.
    """
    columns = [Item.id, Item.name, Item.sku, Item.category, Item.measure, Item.unit_name, Item.price_cents,
               Item.active, Item.modified_at]
    if with_cost:
        columns.append(Item.cost_cents)
    changed = select(*columns).where(Item.store_id == store_id)
    if since is not None:
        changed = changed.where(Item.modified_at > since)
    rows = db.session.execute(changed.order_by(Item.modified_at, Item.id)).all()
    codes: dict[int, list[dict]] = {}
    if rows:
        barcodes = (select(Barcode.item_id, Barcode.code, Barcode.gtin14, Barcode.pack_qty)
                    .where(Barcode.store_id == store_id).order_by(Barcode.id))
        if since is not None:
            barcodes = barcodes.where(Barcode.item_id.in_(changed.with_only_columns(Item.id)
                                                          .scalar_subquery()))
        for item_id, code, gtin14, pack_qty in db.session.execute(barcodes):
            codes.setdefault(item_id, []).append({"code": code, "gtin14": gtin14, "pack_qty": pack_qty})
    body = {
        "next_since": _iso(rows[-1].modified_at) if rows else (_iso(since) if since else None),
        "items": [_item(row, codes.get(row.id, []), with_cost) for row in rows],
    }
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return payload, hashlib.sha256(payload).hexdigest()[:32]


def _item(row, barcodes: list[dict], with_cost: bool) -> dict:
    out = {
        "id": row.id, "name": row.name, "sku": row.sku, "category": row.category,
        "measure": row.measure, "unit_name": row.unit_name, "price_cents": row.price_cents,
        "active": row.active, "barcodes": barcodes,
    }
    if with_cost:
        out["cost_cents"] = row.cost_cents
    return out
