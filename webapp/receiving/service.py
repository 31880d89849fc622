"""Receiving a delivery: scans, damage on arrival, closing.

Scans reach us through the sync API (one savepoint per event, one commit per batch), so the
functions here write in the caller's transaction and never commit; stock moves only through
the ``Ledger`` the caller hands in. What closing does, and why, is in ``rules.py``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from scanner.codes import normalise
from webapp.catalog.models import Item, Location, Store
from webapp.catalog.service import lookup
from webapp.damage.models import DamageRecord
from webapp.damage.service import check_reason, flag_photos
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.inventory.models import StockLevel
from webapp.loaders import load_in_store, require_in_store
from webapp.quantity import value_cents
from webapp.receiving import rules
from webapp.receiving.models import POLine, PurchaseOrder, Receipt, ReceiptLine, ReceiptScan


def default_location(store_id: int) -> Location:
    """Deliveries land in the back room unless the receiver says otherwise."""
    store = db.session.get(Store, store_id)
    active = [loc for loc in store.locations if loc.active]
    for kind in ("dock", "backroom"):
        found = next((loc for loc in active if loc.kind == kind), None)
        if found is not None:
            return found
    selling = store.selling_location
    if selling is None:
        raise DomainError("no_location", "The store has no location to receive into.", "location_id")
    return selling


def get_po(store_id: int, po_id: int) -> PurchaseOrder:
    return load_in_store(PurchaseOrder, po_id, store_id,
                         NotFound("unknown_po", f"No purchase order {po_id} in your store.", "po_id"))


def open_receipt(store_id: int, user_id: int, session_key: str, *, po_id: int | None,
                 location_id: int | None, at: datetime) -> Receipt:
    """The receipt of a device session, created by its first event (which may come offline)."""
    receipt = db.session.scalar(select(Receipt).where(Receipt.session_key == session_key))
    if receipt is not None:
        return check_receipt(receipt, store_id, po_id)
    receipt = new_receipt(store_id, user_id, session_key, po_id=po_id, location_id=location_id, at=at)
    db.session.add(receipt)
    db.session.flush()
    return receipt


def check_receipt(receipt: Receipt, store_id: int, po_id: int | None) -> Receipt:
    """An existing receipt, as an event naming it (and maybe its PO) may use it."""
    require_in_store(receipt, store_id, NotFound(
        "unknown_session", "No such receiving session in your store.", "session_id"))
    if po_id is not None and receipt.po_id != po_id:
        raise Conflict("wrong_po", "This receiving session belongs to another purchase order.", "po_id")
    return receipt


def new_receipt(store_id: int, user_id: int, session_key: str, *, po_id: int | None,
                location_id: int | None, at: datetime) -> Receipt:
    """A session's receipt, checked and not yet added: the caller adds it."""
    if po_id is not None:
        po = get_po(store_id, po_id)
        if not po.receivable:
            raise Conflict("po_not_receivable", f"PO {po.reference} is {po.status.replace('_', ' ')}; "
                           "only an open PO can be received.", "po_id")
    location = db.session.get(Location, location_id) if location_id else default_location(store_id)
    require_in_store(location, store_id, NotFound("unknown_location", "No such location in your store.",
                                                  "location_id"))
    return Receipt(store_id=store_id, session_key=session_key, po_id=po_id, location_id=location.id,
                   started_by=user_id, started_at=at, status="open")


def check_open(receipt: Receipt) -> Receipt:
    if receipt.status != "open":
        raise Conflict("receipt_closed", "This delivery was already closed; start a new one.", "session_id")
    return receipt


@dataclass(frozen=True)
class ScanInput:
    event_id: str
    code: str
    occurred_at: datetime
    user_id: int
    quantity: int | None = None  # keyed on the keypad (signed); None: what the code says


def units_scanned(pack_qty: int, code) -> int:
    """What one scan of ``code`` (normalised) stands for: its pack, times a GS1 label's (37) count."""
    count = code.pack_hint if code.kind == "gs1" else None
    try:
        return rules.scan_quantity(pack_qty, count)
    except ValueError as exc:
        raise DomainError("bad_count", str(exc), "code") from None


def code_units(store_id: int, text: str) -> tuple[int, int]:
    """``(item id, units)`` of one scan of a code: a case adds its pack, a GS1-128 label count x pack."""
    match = lookup(store_id, text)
    return match.item.id, units_scanned(match.pack_qty, normalise(text))


def add_scan(receipt: Receipt, scan: ScanInput) -> ReceiptScan:
    check_open(receipt)
    match = lookup(receipt.store_id, scan.code)
    row = scan_row(receipt, scan, match.item.id, match.pack_qty)
    db.session.add(row)
    db.session.flush()
    return row


def scan_row(receipt: Receipt, scan: ScanInput, item_id: int, pack_qty: int) -> ReceiptScan:
    """The row of one scan of an open receipt whose code names ``item_id`` with ``pack_qty``."""
    code = normalise(scan.code)
    if scan.quantity is not None:
        if scan.quantity == 0:
            raise DomainError("bad_quantity", "A quantity of zero changes nothing.", "quantity")
        quantity = scan.quantity
    else:
        quantity = units_scanned(pack_qty, code)
    return ReceiptScan(receipt_id=receipt.id, event_id=scan.event_id, item_id=item_id,
                       code=code.raw[:120], quantity=quantity, occurred_at=scan.occurred_at,
                       lot=(code.lot or None) and code.lot[:40], expiry=code.expiry, scanned_by=scan.user_id)


@dataclass(frozen=True)
class ArrivalDamage:
    event_id: str
    item_id: int
    quantity: int
    reason: str
    occurred_at: datetime
    user_id: int
    note: str = ""
    photo_ids: tuple[int, ...] = ()
    photo_client_ids: tuple[str, ...] = ()


def mark_damaged(receipt: Receipt, mark: ArrivalDamage) -> DamageRecord:
    """Units damaged on arrival: recorded for the claim, kept out of stock when the receipt closes."""
    check_open(receipt)
    item = load_in_store(Item, mark.item_id, receipt.store_id,
                         NotFound("unknown_item", f"No item {mark.item_id} in your store.", "item_id"))
    if mark.quantity <= 0:
        raise DomainError("bad_quantity", "Say how many arrived damaged.", "quantity")
    store = db.session.get(Store, receipt.store_id)
    record = DamageRecord(
        store_id=receipt.store_id, event_id=mark.event_id, item_id=item.id, location_id=receipt.location_id,
        quantity=mark.quantity, reason=check_reason(store, mark.reason), note=mark.note[:500],
        value_cents=value_cents(mark.quantity, item.cost_cents, item.measure), status="on_arrival",
        occurred_at=mark.occurred_at, flagged_by=mark.user_id, receipt_id=receipt.id,
        photos=flag_photos(receipt.store_id, mark.photo_ids, mark.photo_client_ids),
    )
    db.session.add(record)
    db.session.flush()
    return record


def set_invoice_cost(receipt: Receipt, item_id: int, cents: int) -> None:
    check_open(receipt)
    line = db.session.scalar(select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id,
                                                       ReceiptLine.item_id == item_id))
    if line is None:
        line = ReceiptLine(receipt_id=receipt.id, item_id=item_id)
        db.session.add(line)
    line.invoice_cost_cents = cents


# ----- the live tally and closing ---------------------------------------------------------


def _ordered(receipt: Receipt) -> list[rules.Ordered]:
    if receipt.po is None:
        return []
    return [rules.Ordered(line.item_id, line.ordered_qty, line.received_qty, line.cancelled_qty,
                          line.unit_cost_cents) for line in receipt.po.lines]


def _scans_by_item(receipt: Receipt) -> dict[int, list[rules.Scan]]:
    grouped: dict[int, list[rules.Scan]] = defaultdict(list)
    for scan in receipt.scans:
        grouped[scan.item_id].append(rules.Scan(scan.event_id, scan.occurred_at, scan.quantity))
    return grouped


def _damaged_by_item(receipt_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(DamageRecord.item_id, func.sum(DamageRecord.quantity))
        .where(DamageRecord.receipt_id == receipt_id, DamageRecord.status == "on_arrival")
        .group_by(DamageRecord.item_id))
    return {item_id: int(total) for item_id, total in rows}


def live_tally(receipt: Receipt) -> list[rules.Tally]:
    scans = _scans_by_item(receipt)
    delivered = {item_id: rules.delivered(s) for item_id, s in scans.items()}
    invoice = {line.item_id: line.invoice_cost_cents for line in receipt.lines
               if line.invoice_cost_cents is not None}
    return rules.tally(_ordered(receipt), delivered, _damaged_by_item(receipt.id), invoice)


def close_receipt(receipt: Receipt, user_id: int, at: datetime, ledger: Ledger) -> list[ReceiptLine]:
    """Receive the good units at their scan times, snapshot the lines, move the PO and the costs."""
    check_open(receipt)
    scans = _scans_by_item(receipt)
    damaged = _damaged_by_item(receipt.id)
    for item_id, quantity in damaged.items():
        try:
            allocated = rules.allocate(scans.get(item_id, []), quantity)
        except ValueError:
            item = db.session.get(Item, item_id)
            raise DomainError("damaged_exceeds_scanned", f"{quantity} of {item.name} are marked damaged but "
                              "fewer were scanned; scan every unit that arrived, damaged or not.",
                              "quantity") from None
        scans[item_id] = [rules.Scan(s.key, s.occurred_at, q) for s, q in allocated]
    actors = {s.event_id: s.scanned_by for s in receipt.scans}
    tallies = live_tally(receipt)
    lines = {line.item_id: line for line in receipt.lines}
    po_lines = {line.item_id: line for line in receipt.po.lines} if receipt.po else {}
    # Every item and its level before this delivery (the weighted average needs what was
    # already there) in two queries; the events are staged, so nothing is flushed until the
    # end, when the items and PO lines are updated in key order, whatever the delivery's order.
    ids = sorted({row.item_id for row in tallies})
    items = {i.id: i for i in db.session.scalars(select(Item).where(Item.id.in_(ids)))} if ids else {}
    on_hands = dict(db.session.execute(select(StockLevel.item_id, func.sum(StockLevel.quantity)).where(
        StockLevel.item_id.in_(ids)).group_by(StockLevel.item_id)).tuples().all()) if ids else {}
    for row in tallies:
        item = items[row.item_id]
        on_hand = int(on_hands.get(item.id) or 0)
        for scan, quantity in rules.net_scans(scans.get(row.item_id, [])):
            ledger.stage(NewEvent(
                key=f"receive:{scan.key}", kind="receive", store_id=receipt.store_id, item_id=item.id,
                location_id=receipt.location_id, quantity=quantity, occurred_at=scan.occurred_at,
                source="device", actor_user_id=actors.get(scan.key, user_id), note=f"receipt {receipt.id}"))
        line = lines.get(row.item_id)
        if line is None:
            line = ReceiptLine(receipt_id=receipt.id, item_id=row.item_id)
            db.session.add(line)
        unit_cost = line.invoice_cost_cents if line.invoice_cost_cents is not None else row.po_cost_cents
        line.on_po, line.ordered_qty, line.due_qty = row.on_po, row.ordered, row.due
        line.delivered_qty, line.damaged_qty, line.accepted_qty = row.delivered, row.damaged, row.accepted
        line.po_cost_cents, line.cost_before_cents = row.po_cost_cents, item.cost_cents
        if unit_cost is not None:
            item.cost_cents = rules.weighted_average_cost(on_hand, item.cost_cents, row.accepted, unit_cost)
        line.cost_after_cents = item.cost_cents
        if row.item_id in po_lines:
            po_lines[row.item_id].received_qty += row.accepted
    if receipt.po is not None:
        receipt.po.status = rules.po_status(_ordered(receipt), receipt.po.status)
    receipt.status, receipt.closed_at, receipt.closed_by = "closed", at, user_id
    db.session.flush()
    return list(receipt.lines)


def receipts_for(store_id: int, *, status: str | None = None, limit: int = 50) -> list[Receipt]:
    query = select(Receipt).where(Receipt.store_id == store_id)
    if status:
        query = query.where(Receipt.status == status)
    return list(db.session.scalars(query.order_by(Receipt.started_at.desc()).limit(limit)))


def get_receipt(store_id: int, receipt_id: int) -> Receipt:
    return load_in_store(Receipt, receipt_id, store_id,
                         NotFound("not_found", f"No receipt {receipt_id} in your store."))


def receipt_by_session(store_id: int, session_key: str) -> Receipt | None:
    return db.session.scalar(select(Receipt).where(Receipt.session_key == session_key,
                                                   Receipt.store_id == store_id))


def receipts_by_session(store_id: int, session_keys: list[str]) -> dict[str, tuple[int, set[int]]]:
    """Per device session with a receipt: its location and the items scanned into it so far."""
    found = {key: (location_id, set()) for key, location_id in db.session.execute(
        select(Receipt.session_key, Receipt.location_id).where(Receipt.store_id == store_id,
                                                               Receipt.session_key.in_(session_keys)))}
    if found:
        for key, item_id in db.session.execute(
                select(Receipt.session_key, ReceiptScan.item_id).join(ReceiptScan.receipt)
                .where(Receipt.store_id == store_id, Receipt.session_key.in_(sorted(found))).distinct()):
            found[key][1].add(item_id)
    return found


def receivable_pos(store_id: int) -> list[PurchaseOrder]:
    """Receivable POs, those due soonest first: what a receiver picks from at the dock."""
    return list(db.session.scalars(
        select(PurchaseOrder).where(PurchaseOrder.store_id == store_id,
                                    PurchaseOrder.status.in_(("open", "partially_received")))
        .order_by(PurchaseOrder.expected_on.is_(None), PurchaseOrder.expected_on, PurchaseOrder.id)))


def cancel_remaining(store_id: int, po_id: int, line_id: int) -> POLine:
    """A manager stops waiting for a short line: the remainder is cancelled, not received."""
    po = get_po(store_id, po_id)
    line = next((ln for ln in po.lines if ln.id == line_id), None)
    if line is None:
        raise NotFound("not_found", f"No line {line_id} on PO {po.reference}.", "line_id")
    if po.status in ("draft", "closed", "cancelled"):
        raise Conflict("po_not_receivable", f"PO {po.reference} is {po.status}.", "po_id")
    line.cancelled_qty += line.remaining
    po.status = rules.po_status(
        [rules.Ordered(ln.item_id, ln.ordered_qty, ln.received_qty, ln.cancelled_qty, ln.unit_cost_cents)
         for ln in po.lines], po.status)
    db.session.commit()
    return line
