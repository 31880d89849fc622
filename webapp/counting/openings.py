"""Opening balances from a CSV, each at the time it was true (issue 15: openings have a past).

Columns: ``sku``, ``quantity`` (in the item's unit: "12", or "2.5" lb), and optionally
``location`` (a location's name; default: the store's selling location) and ``as_of`` (ISO
8601 with its offset, e.g. 2026-12-01T06:00:00+00:00; default: the upload's ``as_of``, else
the moment of the import). The opening lands at that time, so the sales and receipts the
ledger holds after it apply after it, and those before it are taken as already in it.

An item-location already counted or opened is refused (count it instead). Sales already in
the ledger before ``as_of`` are taken as already in the balance; those after it apply after
it. Every refused row is reported with its line and reason; the others
land, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from webapp.catalog.csvio import open_csv
from webapp.catalog.models import Item, Location
from webapp.catalog.units import parse_quantity
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory.ledger import RESETS, Ledger, NewEvent
from webapp.inventory.models import StockEvent
from webapp.types import utcnow

COLUMNS = ("sku", "quantity", "location", "as_of")
MAX_BYTES = 2 * 1024 * 1024


@dataclass
class OpeningReport:
    rows: int = 0
    opened: int = 0
    errors: list[tuple[int, str, str | None]] = field(default_factory=list)


def parse_time(text: str, field_name: str = "as_of") -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DomainError("bad_time", f"{field_name} {text!r} is not an ISO 8601 time.", field_name) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise DomainError("naive_time", f"{field_name} needs its offset, e.g. +00:00.", field_name)
    if at > utcnow():
        raise DomainError("future_time", f"{field_name} is in the future.", field_name)
    return at


def _rows(data: bytes) -> list[dict[str, str]]:
    header, reader = open_csv(data, MAX_BYTES)
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or not {"sku", "quantity"} <= set(header):
        raise DomainError("bad_columns", f"The columns are {', '.join(COLUMNS)} (sku and quantity required).",
                          "file")
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def import_openings(store_id: int, user_id: int, data: bytes, *,
                    as_of: datetime | None = None) -> OpeningReport:
    rows = _rows(data)
    report = OpeningReport(rows=len(rows))
    items = {i.sku: i for i in db.session.scalars(select(Item).where(Item.store_id == store_id,
                                                                      Item.sku.is_not(None)))}
    places = list(db.session.scalars(
        select(Location).where(Location.store_id == store_id).order_by(Location.id)))
    by_name = {p.name.casefold(): p for p in places}
    selling = next((p for p in places if p.is_selling), None)
    now = utcnow()
    led = Ledger(actor_user_id=user_id, source="import")
    seen: set[tuple[int, int]] = set()
    for number, row in enumerate(rows, start=2):
        try:
            item = items.get(row.get("sku", ""))
            if item is None:
                raise DomainError("unknown_sku", f"no item has sku {row.get('sku', '')!r}", "sku")
            place = by_name.get(row["location"].casefold()) if row.get("location") else selling
            if place is None:
                raise DomainError("unknown_location", "no such location (or no selling location)", "location")
            quantity = parse_quantity(row.get("quantity", ""), item.measure, field="quantity",
                                      label="Quantity")
            at = parse_time(row["as_of"]) if row.get("as_of") else (as_of or now)
            stream = (item.id, place.id)
            reset = db.session.scalar(select(StockEvent.id).where(
                StockEvent.item_id == item.id, StockEvent.location_id == place.id,
                StockEvent.kind.in_(RESETS)).limit(1))
            if reset is not None or stream in seen:
                raise DomainError("has_history", "this item was already counted or opened here; "
                                  "count it instead", "sku")
            seen.add(stream)
            led.append(NewEvent(key=f"import:opening:{item.id}:{place.id}", kind="opening", store_id=store_id,
                                item_id=item.id, location_id=place.id, quantity=quantity, occurred_at=at,
                                source="import", actor_user_id=user_id, note="opening balance from a CSV"))
            report.opened += 1
        except DomainError as err:
            report.errors.append((number, err.message, err.field))
    led.settle()
    db.session.commit()
    return report
