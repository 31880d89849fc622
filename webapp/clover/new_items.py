"""Create in Clover the items a manager made in Shelfcount, so the cashier can ring them up.

An item made on /items/new (or from an unknown code) has no ``clover_id``: Clover does not know
it, so it cannot be sold at the register and push.py never writes its level. Each sync cycle,
before the push, every ACTIVE item of the store without a ``clover_id`` is sent to Clover
(``POST /v3/merchants/{mId}/items``, clover-api.md 4.2) and the id Clover returns is stored in
``Item.clover_id``, one commit per item. The push that follows in the same cycle then writes
its level, and later catalog imports match it by that id (catalog_import._find looks at
``clover_id`` first), so it never comes back as a second Shelfcount item.

What is sent: ``name``, ``price`` (cents), ``priceType``, ``cost`` (cents), ``sku`` and ``code``
(the first unit barcode, pack of 1, as printed: a case code scanned at the register would sell
one unit for the case). Weighed items go as ``PER_UNIT`` with their ``unitName``, where
``price`` is the price per unit (4.2), which is what ``price_cents`` of a weighed item means
here (the import reads it that way).

No double creation: before a POST we ask Clover for a live item with the same ``sku``
(``filter=sku=``), then the same ``code`` (``filter=itemCode=``); if one exists it is linked
instead of created. An item whose match is already linked to another Shelfcount item is left
unlinked and counted as failed (linking would break ``clover_id``'s uniqueness, creating would
duplicate the code in Clover); a manager has to sort the two out.

The remaining window: Clover created the item (the POST succeeded) but our commit of its id did
not happen (the process died, the database refused, the response was lost after Clover acted).
The next cycle closes it for an item with a SKU or a barcode: the catalog import, which runs
first, sees the new Clover item and links it to ours by SKU, then barcode (catalog_import._find
only links items whose ``clover_id`` is still NULL), and if it did not, the lookup here finds it
before any POST. An item with neither a SKU nor a barcode has nothing to be recognised by: in
that window it can end up created twice in Clover, and the orphan imported as a second item.
Matching by name was rejected (names are not unique); give such items a SKU.
The lookup compares codes as spelled; a Clover item holding the same GTIN in another spelling
(UPC-A vs EAN-13) is not found here, but the catalog import, which compares GTIN-14s, is.

Requests go through CloverClient (throttle, retries, token refresh). A Clover error on one
item is logged and counted; the others and the push still go ahead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.catalog.models import Item
from webapp.clover.client import CloverClient, CloverError
from webapp.clover.models import CloverConnection
from webapp.extensions import db

log = logging.getLogger(__name__)

# Renew the sync lease this often (in items): each item costs up to three requests.
HEARTBEAT_EVERY = 25


@dataclass
class NewItemsResult:
    created: int = 0
    linked: int = 0
    failed: int = 0


def primary_code(item: Item) -> str | None:
    """The first barcode of a single unit, as printed; None when the item has none."""
    codes = sorted((b for b in item.barcodes if b.pack_qty == 1), key=lambda b: b.id)
    return codes[0].code if codes else None


def clover_body(item: Item) -> dict[str, Any]:
    # An unpriced item is sent FIXED at 0, not VARIABLE: clover-api.md 4.2 lists VARIABLE only as
    # a price type and nowhere says it is how an item without a price is made, while create
    # needs ``price``. price_cents is NOT NULL (default 0) anyway; None is only guarded here.
    body: dict[str, Any] = {
        "name": item.name,
        "price": int(item.price_cents or 0),
        "priceType": "FIXED",
        "cost": int(item.cost_cents or 0),
    }
    if item.measure == "weight":
        body["priceType"] = "PER_UNIT"  # price is per unit (4.2); the register asks for the weight
        if item.unit_name:
            body["unitName"] = item.unit_name
    if item.sku:
        body["sku"] = item.sku
    code = primary_code(item)
    if code:
        body["code"] = code
    return body


def _existing(client: CloverClient, body: dict[str, Any]) -> str | None:
    """A live Clover item with this SKU, else this code: its id."""
    for field, key in (("sku", "sku"), ("itemCode", "code")):
        value = body.get(key)
        if not value:
            continue
        page = client.get("items", [("filter", f"{field}={value}"), ("limit", 2)])
        matches = [e for e in page.get("elements") or [] if (e.get(key) or "") == value]
        if matches:
            if len(matches) > 1:
                log.warning("clover has several items with %s %r; linking the first", key, value)
            return matches[0]["id"]
    return None


def create_missing(client: CloverClient, connection: CloverConnection,
                   heartbeat: Callable[[], None] | None = None) -> NewItemsResult:
    result = NewItemsResult()
    store_id = connection.store_id
    item_ids = db.session.scalars(
        select(Item.id).where(Item.store_id == store_id, Item.active.is_(True), Item.clover_id.is_(None))
        .order_by(Item.id)).all()
    db.session.commit()  # no transaction open while we wait on Clover
    for n, item_id in enumerate(item_ids, 1):
        item = db.session.get(Item, item_id)
        if item is None or item.clover_id is not None or not item.active:
            db.session.commit()
            continue  # changed since the list was read (a webhook hint, a manager)
        body = clover_body(item)
        db.session.commit()
        try:
            clover_id = _existing(client, body)
            linked = clover_id is not None
            if clover_id is None:
                clover_id = client.post("items", body)["id"]
        except (CloverError, KeyError, TypeError) as exc:
            log.warning("clover: creating item %s (%r) failed: %s", item_id, body["name"], exc)
            result.failed += 1
            continue
        owner = db.session.scalar(
            select(Item.id).where(Item.store_id == store_id, Item.clover_id == clover_id))
        if owner is not None:
            log.warning("clover item %s (same sku/code as item %s) is already linked to item %s; "
                        "left unlinked", clover_id, item_id, owner)
            db.session.commit()
            result.failed += 1
            continue
        item = db.session.get(Item, item_id)
        if item is None:
            db.session.commit()
            result.failed += 1
            continue
        item.clover_id = clover_id
        try:
            db.session.commit()
        except IntegrityError as exc:
            db.session.rollback()
            log.warning("clover: could not link item %s to %s: %s", item_id, clover_id, exc)
            result.failed += 1
            continue
        if linked:
            result.linked += 1
        else:
            result.created += 1
        if heartbeat is not None and n % HEARTBEAT_EVERY == 0:
            heartbeat()
    if heartbeat is not None and item_ids:
        heartbeat()
    return result
