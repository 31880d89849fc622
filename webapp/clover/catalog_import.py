"""Mirror Clover's items into the catalog, and take Clover's quantities as opening balances.

* Incremental by Clover's ``modifiedTime``: only items changed since the watermark (minus a
  small overlap, since Clover's clock and index are not ours) are fetched, with
  ``expand=itemStock,categories``; deleted items are listed by a second query
  (``filter=deleted=true``), because the default list leaves them out.
* A Clover item links to a local one by ``clover_id``; failing that (the demo seed, a CSV
  import made before connecting) by SKU, then by barcode, so nothing is duplicated.
* Deleted or hidden in Clover: the local item is deactivated, never deleted (its history stays).
* ``code`` and ``sku`` become barcodes; a GTIN is stored with its canonical GTIN-14
  (scanner.codes) so any UPC/EAN form of it scans. A code another item already owns is left
  with that item (barcodes are unique per store).
* An item with no stock history yet gets Clover's quantity as an ``opening`` event at the
  store's selling location (a reset, so Clover sales before it never count twice). The key is
  ``clover:opening:<merchant>:<item>``: re-running the import cannot open an item twice.
  The ledger refuses negative opening balances; Clover allows them (clover-api.md 7.3), so a
  negative quantity opens at 0 with a note saying so.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from scanner.codes import normalise
from webapp.catalog.models import Barcode, Item, Location, Store
from webapp.clover.client import CloverClient, CloverNotFound
from webapp.clover.models import CloverConnection
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.inventory.models import StockEvent
from webapp.quantity import from_clover
from webapp.types import utcnow

log = logging.getLogger(__name__)

ITEM_EXPAND = ("expand", "itemStock,categories")
# Clover's clock and index are not ours: re-read items changed this long before the watermark.
OVERLAP_MS = 60_000
BATCH = 500


@dataclass
class ImportResult:
    seen: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    openings: int = 0
    skipped_barcodes: list[str] = field(default_factory=list)


def ms_to_datetime(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def datetime_to_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def selling_location(store_id: int) -> Location:
    location = db.session.execute(
        select(Location).where(Location.store_id == store_id, Location.is_selling.is_(True))
        .order_by(Location.id).limit(1)).scalar_one_or_none()
    if location is None:
        raise RuntimeError(f"store {store_id} has no selling location for Clover sales")
    return location


class CatalogImporter:
    """Applies Clover item JSON to one store's catalog; the caller owns the transaction."""

    def __init__(self, connection: CloverConnection, opening_at: datetime) -> None:
        self.connection = connection
        self.store_id = connection.store_id
        self.opening_at = opening_at
        self.location_id = selling_location(self.store_id).id
        self.result = ImportResult()

    def apply(self, batch: list[dict[str, Any]]) -> None:
        ledger = Ledger(source="clover")
        # Lookups must not flush the whole batch before each query (quadratic in the batch);
        # each item is flushed once, explicitly, when its id is needed.
        with db.session.no_autoflush:
            for element in batch:
                self._apply_one(element, ledger)
        db.session.flush()
        ledger.settle()

    def _find(self, element: dict[str, Any]) -> Item | None:
        clover_id = element["id"]
        item = db.session.execute(select(Item).where(
            Item.store_id == self.store_id, Item.clover_id == clover_id)).scalar_one_or_none()
        if item is not None:
            return item
        sku = (element.get("sku") or "").strip()
        if sku:
            item = db.session.execute(select(Item).where(
                Item.store_id == self.store_id, Item.sku == sku, Item.clover_id.is_(None),
            )).scalar_one_or_none()
            if item is not None:
                return item
        for code in _codes(element):
            owner = db.session.execute(select(Barcode).where(
                Barcode.store_id == self.store_id,
                (Barcode.gtin14 == code[1]) if code[1] else (Barcode.code == code[0]))).scalars().first()
            if owner is not None and owner.item.clover_id is None:
                return owner.item
        return None

    def _apply_one(self, element: dict[str, Any], ledger: Ledger) -> None:
        self.result.seen += 1
        gone = bool(element.get("deleted") or element.get("deletedTime"))
        item = self._find(element)
        if item is None and gone:
            return
        hidden = bool(element.get("hidden"))
        if item is None:
            item = Item(store_id=self.store_id, clover_id=element["id"], name="")
            db.session.add(item)
            self.result.created += 1
        else:
            self.result.updated += 1
        was_active = item.active
        item.clover_id = element["id"]
        if gone:
            item.active = False
            self.result.deactivated += int(was_active)
            return
        item.name = (element.get("name") or element["id"])[:200]
        item.price_cents = max(0, int(element.get("price") or 0))
        item.cost_cents = max(0, int(element.get("cost") or 0))
        per_unit = element.get("priceType") == "PER_UNIT"
        item.measure = "weight" if per_unit else "each"
        item.unit_name = (element.get("unitName") or "")[:16]
        categories = (element.get("categories") or {}).get("elements") or []
        if categories:
            item.category = (categories[0].get("name") or "")[:80]
        item.active = not hidden
        if hidden and was_active:
            self.result.deactivated += 1
        self._set_sku(item, (element.get("sku") or "").strip()[:64] or None)
        db.session.flush()
        for code, gtin14 in _codes(element):
            self._add_barcode(item, code, gtin14)
        db.session.flush()  # the next item's lookups must see this one's codes
        self._open(item, element, ledger)

    def _set_sku(self, item: Item, sku: str | None) -> None:
        if sku is None or item.sku == sku:
            return
        taken = db.session.execute(select(Item.id).where(
            Item.store_id == self.store_id, Item.sku == sku, Item.id != item.id)).first()
        if taken is None:
            item.sku = sku
        else:
            log.warning("clover item %s: SKU %r belongs to another item; left off", item.clover_id, sku)

    def _add_barcode(self, item: Item, code: str, gtin14: str | None) -> None:
        owner = db.session.execute(select(Barcode).where(
            Barcode.store_id == self.store_id,
            or_(Barcode.code == code, Barcode.gtin14 == gtin14) if gtin14 else Barcode.code == code,
        )).scalars().first()
        if owner is None:
            item.barcodes.append(Barcode(store_id=self.store_id, code=code, gtin14=gtin14, pack_qty=1))
        elif owner.item_id != item.id:
            self.result.skipped_barcodes.append(code)

    def _open(self, item: Item, element: dict[str, Any], ledger: Ledger) -> None:
        stock = element.get("itemStock")
        quantity = stock.get("quantity") if isinstance(stock, dict) else None
        if quantity is None or not math.isfinite(float(quantity)):
            return
        has_history = db.session.execute(
            select(StockEvent.id).where(StockEvent.item_id == item.id).limit(1)).first()
        if has_history:
            return
        base = from_clover(float(quantity), item.measure)
        note = "Clover quantity at connection"
        if base < 0:
            note = f"Clover held {quantity}; a negative opening balance is recorded as 0"
            base = 0
        added = ledger.append(NewEvent(
            key=f"clover:opening:{self.connection.merchant_id}:{item.clover_id}", kind="opening",
            store_id=self.store_id, item_id=item.id, location_id=self.location_id, quantity=base,
            occurred_at=self.opening_at, source="clover", note=note))
        self.result.openings += int(added)


def _codes(element: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Clover's ``code`` (UPC/EAN) and ``sku`` as (code as printed, GTIN-14 or None)."""
    found: list[tuple[str, str | None]] = []
    for raw in (element.get("code"), element.get("sku")):
        text = (raw or "").strip()[:64]
        if not text or any(text == c for c, _ in found):
            continue
        parsed = normalise(text)
        found.append((text, parsed.gtin14 if parsed.kind == "gtin" else None))
    return found


def import_items(client: CloverClient, connection: CloverConnection, *, full: bool = False) -> ImportResult:
    """Pull changed items (all of them when ``full``) and apply them, a batch per transaction."""
    store = db.session.get(Store, connection.store_id)
    assert store is not None
    watermark = None if full else connection.items_watermark_ms
    overlap = int(current_app.config.get("CLOVER_ITEMS_OVERLAP_SECONDS", OVERLAP_MS / 1000) * 1000)
    since = None if watermark is None else watermark - overlap
    # Clover's quantities are read now; sales before this instant are already in them. Unless
    # the first import was told they are a past time's (connection.set_opening_as_of).
    first = connection.last_pull_at is None and connection.items_watermark_ms is None
    opening_at = connection.opened_at if first and connection.opened_at is not None else utcnow()
    importer = CatalogImporter(connection, opening_at)
    newest = connection.items_watermark_ms or 0
    db.session.commit()  # no transaction open while we wait on Clover
    for query in ([ITEM_EXPAND], [ITEM_EXPAND, ("filter", "deleted=true")]):
        batch: list[dict[str, Any]] = []
        for element in client.changed_since("items", since, query):
            batch.append(element)
            newest = max(newest, int(element.get("modifiedTime") or 0))
            if len(batch) >= BATCH:
                importer.apply(batch)
                db.session.commit()
                batch = []
        if batch:
            importer.apply(batch)
            db.session.commit()
    connection.items_watermark_ms = newest or None
    if connection.opened_at is None:
        connection.opened_at = opening_at
    connection.last_pull_at = utcnow()
    db.session.commit()
    return importer.result


def import_one(client: CloverClient, connection: CloverConnection, clover_item_id: str) -> Item | None:
    """Fetch one item (a webhook hint, or a sale of an item we have not seen) and apply it.

    Makes its HTTP call before touching the database; the caller commits.
    """
    try:
        element = client.get(f"items/{clover_item_id}", [ITEM_EXPAND])
    except CloverNotFound:
        element = {"id": clover_item_id, "deleted": True}
    importer = CatalogImporter(connection, utcnow())
    importer.apply([element])
    return db.session.execute(select(Item).where(
        Item.store_id == connection.store_id, Item.clover_id == clover_item_id)).scalar_one_or_none()

