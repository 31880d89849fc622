"""Purchase orders: created by a manager in the app or imported from a CSV file.

CSV columns: reference, vendor, expected_on (YYYY-MM-DD, may be blank), code (a barcode or
SKU of the item), quantity (in the item's unit, "2.5" lb for weighed items), unit_cost
(dollars per unit, blank: the item's current cost). Rows with the same reference make one
PO. An import is all or nothing: when any row is wrong nothing is created and every wrong
row is reported with its line number, so a half-imported order never reaches the dock.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from webapp.catalog.models import Item
from webapp.catalog.service import resolve
from webapp.catalog.units import parse_money, parse_quantity
from webapp.errors import Conflict, DomainError, TooLarge
from webapp.extensions import db
from webapp.loaders import load_in_store
from webapp.receiving.models import POLine, PurchaseOrder
from webapp.receiving.service import get_po

CSV_COLUMNS = ("reference", "vendor", "expected_on", "code", "quantity", "unit_cost")
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_LINES = 2000


@dataclass(frozen=True)
class LineInput:
    item_id: int
    quantity: int  # base units
    unit_cost_cents: int


@dataclass(frozen=True)
class POInput:
    reference: str
    vendor: str
    expected_on: date | None = None
    note: str = ""
    lines: tuple[LineInput, ...] = ()


def _check(store_id: int, data: POInput) -> None:
    if not data.reference.strip() or len(data.reference) > 40:
        raise DomainError("bad_reference", "Give the PO number (up to 40 characters).", "reference")
    if not data.vendor.strip() or len(data.vendor) > 120:
        raise DomainError("bad_vendor", "Give the vendor's name (up to 120 characters).", "vendor")
    taken = db.session.scalar(select(PurchaseOrder.id).where(
        PurchaseOrder.store_id == store_id, PurchaseOrder.reference == data.reference.strip()))
    if taken is not None:
        raise Conflict("duplicate_reference", f"PO {data.reference} already exists.", "reference")
    seen: set[int] = set()
    for line in data.lines:
        item = load_in_store(Item, line.item_id, store_id,
                             DomainError("unknown_item", f"No item {line.item_id} in your store.", "lines"))
        if line.item_id in seen:
            raise DomainError("duplicate_line", f"{item.name} is on the PO twice; give one line.", "lines")
        seen.add(line.item_id)
        if line.quantity <= 0:
            raise DomainError("bad_quantity", f"Order at least one {item.name}.", "lines")


def _build(store_id: int, user_id: int, data: POInput) -> PurchaseOrder:
    po = PurchaseOrder(store_id=store_id, reference=data.reference.strip(), vendor=data.vendor.strip(),
                       expected_on=data.expected_on, note=data.note[:500], status="draft", created_by=user_id)
    po.lines = [POLine(item_id=ln.item_id, ordered_qty=ln.quantity, unit_cost_cents=ln.unit_cost_cents)
                for ln in data.lines]
    db.session.add(po)
    return po


def stage_po(store_id: int, user_id: int, data: POInput) -> PurchaseOrder:
    """A checked draft PO added to the caller's transaction (flushed, not committed)."""
    _check(store_id, data)
    po = _build(store_id, user_id, data)
    db.session.flush()
    return po


def create_po(store_id: int, user_id: int, data: POInput) -> PurchaseOrder:
    po = stage_po(store_id, user_id, data)
    db.session.commit()
    return po


def _editable(po: PurchaseOrder) -> None:
    if po.status != "draft":
        raise Conflict("po_not_draft", f"PO {po.reference} was already sent; its lines are fixed.")


def add_line(store_id: int, po_id: int, line: LineInput) -> PurchaseOrder:
    po = get_po(store_id, po_id)
    _editable(po)
    item = load_in_store(Item, line.item_id, store_id,
                         DomainError("unknown_item", "No such item in your store.", "code"))
    if line.quantity <= 0:
        raise DomainError("bad_quantity", "Order at least one.", "quantity")
    existing = next((ln for ln in po.lines if ln.item_id == item.id), None)
    if existing is not None:
        existing.ordered_qty += line.quantity
        existing.unit_cost_cents = line.unit_cost_cents
    else:
        po.lines.append(POLine(item_id=item.id, ordered_qty=line.quantity,
                               unit_cost_cents=line.unit_cost_cents))
    db.session.commit()
    return po


def remove_line(store_id: int, po_id: int, line_id: int) -> PurchaseOrder:
    po = get_po(store_id, po_id)
    _editable(po)
    po.lines = [ln for ln in po.lines if ln.id != line_id]
    db.session.commit()
    return po


def send(store_id: int, po_id: int) -> PurchaseOrder:
    """draft -> open: the PO is fixed and the dock can receive against it."""
    po = get_po(store_id, po_id)
    _editable(po)
    if not po.lines:
        raise DomainError("empty_po", "Add at least one line before sending the PO.")
    po.status = "open"
    db.session.commit()
    return po


def close(store_id: int, po_id: int) -> PurchaseOrder:
    """Nothing more will come: any remainder is cancelled and the PO leaves the dock's list."""
    po = get_po(store_id, po_id)
    if po.status == "closed":
        return po
    if po.status == "cancelled":
        raise Conflict("po_cancelled", f"PO {po.reference} was cancelled; there is nothing to close.")
    for line in po.lines:
        line.cancelled_qty += line.remaining
    po.status = "closed"
    db.session.commit()
    return po


def list_pos(store_id: int, status: str | None = None) -> list[PurchaseOrder]:
    query = select(PurchaseOrder).where(PurchaseOrder.store_id == store_id)
    if status:
        query = query.where(PurchaseOrder.status == status)
    return list(db.session.scalars(query.order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc())))


# ----- CSV import -------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("bad_date", f"{text!r} is not a date like 2026-12-01.", "expected_on") from None


def import_csv(store_id: int, user_id: int, data: bytes) -> ImportReport:
    if len(data) > MAX_CSV_BYTES:
        raise TooLarge("too_large", "The file is larger than 2 MB; split it.", "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("bad_encoding", "Save the file as CSV UTF-8.", "file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("reference", "vendor", "code", "quantity") if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError("bad_columns", f"The file needs the columns {', '.join(missing)} "
                          f"(all columns: {', '.join(CSV_COLUMNS)}).", "file")
    report = ImportReport()
    orders: dict[str, dict] = {}
    for number, row in enumerate(reader, start=2):
        if number > MAX_LINES + 1:
            report.errors.append((number, "", f"Only {MAX_LINES} lines are read; split the file."))
            break
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        try:
            ref, vendor = row["reference"], row["vendor"]
            if not ref:
                raise DomainError("bad_reference", "The reference (PO number) is empty.", "reference")
            match = resolve(store_id, row["code"]) if row["code"] else None
            if match is None:
                raise DomainError("unknown_code", f"No item has the code {row['code']!r}.", "code")
            item = match.item
            quantity = parse_quantity(row["quantity"], item.measure, "quantity", "Quantity")
            if quantity <= 0:
                raise DomainError("bad_quantity", "The quantity must be above zero.", "quantity")
            cost_text = row.get("unit_cost", "")
            cost = parse_money(cost_text, "unit_cost", "Unit cost") if cost_text else item.cost_cents
            order = orders.setdefault(ref, {"vendor": vendor, "expected_on": _parse_date(
                row.get("expected_on", "")), "lines": {}})
            if order["lines"].get(item.id):
                raise DomainError("duplicate_line", f"{item.name} is already on PO {ref} (line "
                                  f"{order['lines'][item.id][0]}).", "code")
            order["lines"][item.id] = (number, LineInput(item.id, quantity, cost))
        except DomainError as err:
            report.errors.append((number, err.field or "", err.message))
    for ref, order in orders.items():
        po = POInput(ref, order["vendor"], order["expected_on"],
                     lines=tuple(line for _, line in order["lines"].values()))
        try:
            _check(store_id, po)
        except DomainError as err:
            first = min(n for n, _ in order["lines"].values())
            report.errors.append((first, err.field or "", err.message))
    if report.errors or not orders:
        if not orders and not report.errors:
            report.errors.append((1, "file", "The file has no rows."))
        db.session.rollback()
        return report
    for ref, order in orders.items():
        _build(store_id, user_id, POInput(ref, order["vendor"], order["expected_on"],
                                          lines=tuple(line for _, line in order["lines"].values())))
        report.created.append(ref)
    db.session.commit()
    return report
