"""Receiving rules as plain functions over plain values: no Flask, no database.

Scan quantity
    A scan adds the pack quantity of the barcode it resolved to (a unit UPC 1, a case
    GTIN-14 12). A GS1-128 label's (37) is a count of trade items of the GTIN on the same
    label, so the scan adds count x that GTIN's pack: (01) a case GTIN-14 with pack 12 and
    (37) 2 is 24 units; (02) the content (unit) GTIN with (37) 12 is 12 units. Both read
    the same way, which is why one formula serves both.

Corrections and damage on arrival
    A negative scan (the keypad's "set to" or "-") corrects the latest earlier scans of the
    item, last in first out. Units marked damaged on arrival were scanned with the rest of
    the delivery and are then taken off the latest remaining scans, also last in first out,
    so the receive events keep the times of the earliest good scans. What is left of each
    scan becomes one receive event at the scan's own time.

Weighted average cost
    new = (on hand x current cost + accepted x unit cost) / (on hand + accepted), rounded
    half up to the cent. Stock on hand at or below zero (oversold, never counted) carries no
    cost information, so the new cost is then the unit cost of this delivery. Units
    damaged on arrival are not paid for in stock (they are claimed back), so they do not
    enter the average.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from webapp.quantity import div_round


def scan_quantity(pack_qty: int, gs1_count: int | None = None) -> int:
    if pack_qty <= 0:
        raise ValueError("pack quantity must be positive")
    if gs1_count is None:
        return pack_qty
    if gs1_count <= 0:
        raise ValueError("a GS1 (37) count must be positive")
    return gs1_count * pack_qty


@dataclass(frozen=True, slots=True)
class Scan:
    key: str
    occurred_at: datetime
    quantity: int  # signed: negative corrects earlier scans


def net_scans(scans: Iterable[Scan]) -> list[tuple[Scan, int]]:
    """Apply corrections (negative scans) LIFO to the positive scans before them.

    A correction larger than what came before leaves nothing, never a negative: the
    receiver cannot "un-receive" more than was scanned.
    """
    kept: list[list] = []
    for scan in sorted(scans, key=lambda s: (s.occurred_at, s.key)):
        if scan.quantity > 0:
            kept.append([scan, scan.quantity])
            continue
        owed = -scan.quantity
        for entry in reversed(kept):
            take = min(owed, entry[1])
            entry[1] -= take
            owed -= take
            if owed == 0:
                break
    return [(s, q) for s, q in kept if q > 0]


def delivered(scans: Iterable[Scan]) -> int:
    return sum(q for _, q in net_scans(scans))


def allocate(scans: Iterable[Scan], damaged: int) -> list[tuple[Scan, int]]:
    """The receive events of one item: (scan, good quantity) after corrections and damage."""
    kept = [[s, q] for s, q in net_scans(scans)]
    total = sum(q for _, q in kept)
    if damaged > total:
        raise ValueError(f"{damaged} damaged but only {total} scanned")
    owed = damaged
    for entry in reversed(kept):
        take = min(owed, entry[1])
        entry[1] -= take
        owed -= take
    return [(s, q) for s, q in kept if q > 0]


def weighted_average_cost(on_hand: int, cost_cents: int, accepted: int, unit_cost_cents: int) -> int:
    if accepted <= 0:
        return cost_cents
    if on_hand <= 0:
        return unit_cost_cents
    return div_round(on_hand * cost_cents + accepted * unit_cost_cents, on_hand + accepted)


# ----- progress of a delivery against its PO -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Ordered:
    item_id: int
    ordered: int
    received: int  # accepted by earlier, closed deliveries
    cancelled: int
    unit_cost_cents: int

    @property
    def due(self) -> int:
        return max(0, self.ordered - self.received - self.cancelled)


@dataclass(frozen=True, slots=True)
class Tally:
    """One line of the receiving screen and of the discrepancy report."""

    item_id: int
    on_po: bool
    ordered: int
    due: int  # still expected before this delivery
    delivered: int
    damaged: int
    po_cost_cents: int | None = None
    invoice_cost_cents: int | None = None
    flags: tuple[str, ...] = field(default=())

    @property
    def accepted(self) -> int:
        return self.delivered - self.damaged

    @property
    def remaining(self) -> int:
        """What the PO still waits for after this delivery (damaged units are still owed)."""
        return max(0, self.due - self.accepted)

    @property
    def short(self) -> int:
        return self.remaining if self.on_po else 0

    @property
    def over(self) -> int:
        return max(0, self.accepted - self.due) if self.on_po else 0

    @property
    def cost_difference_cents(self) -> int | None:
        if self.po_cost_cents is None or self.invoice_cost_cents is None:
            return None
        return self.invoice_cost_cents - self.po_cost_cents


def tally(
    ordered: Sequence[Ordered],
    delivered_by_item: dict[int, int],
    damaged_by_item: dict[int, int],
    invoice_costs: dict[int, int] | None = None,
) -> list[Tally]:
    """Per item: PO lines first in PO order, then items not on the PO in first-seen order."""
    invoice_costs = invoice_costs or {}
    rows: list[Tally] = []
    on_po = {line.item_id for line in ordered}
    for line in ordered:
        rows.append(with_flags(Tally(
            line.item_id, True, line.ordered, line.due, delivered_by_item.get(line.item_id, 0),
            damaged_by_item.get(line.item_id, 0), line.unit_cost_cents, invoice_costs.get(line.item_id),
        )))
    extra = [i for i in dict.fromkeys([*delivered_by_item, *damaged_by_item]) if i not in on_po]
    for item_id in extra:
        rows.append(with_flags(Tally(
            item_id, False, 0, 0, delivered_by_item.get(item_id, 0), damaged_by_item.get(item_id, 0),
            None, invoice_costs.get(item_id),
        )))
    return rows


def with_flags(row: Tally) -> Tally:
    flags = []
    if not row.on_po:
        flags.append("not_on_po")
    if row.over:
        flags.append("over")
    if row.short:
        flags.append("short")
    if row.damaged:
        flags.append("damaged")
    if row.cost_difference_cents:
        flags.append("cost")
    return Tally(row.item_id, row.on_po, row.ordered, row.due, row.delivered, row.damaged,
                 row.po_cost_cents, row.invoice_cost_cents, tuple(flags))


def po_status(lines: Iterable[Ordered], current: str) -> str:
    """The state a PO moves to from its lines' progress; draft, closed and cancelled are set by people."""
    if current in ("draft", "closed", "cancelled"):
        return current
    lines = list(lines)
    if lines and all(line.due == 0 for line in lines):
        return "received"
    if any(line.received for line in lines):
        return "partially_received"
    return "open"
