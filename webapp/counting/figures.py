"""A count line's figures as the ledger has them now, and the ledger key of its count.

Reads only: the line keeps what it was decided on, the ledger keeps the corrections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp.catalog.models import Item
from webapp.counting.models import CountLine, CountScan
from webapp.extensions import db
from webapp.inventory import ledger, reads
from webapp.inventory.models import StockEvent
from webapp.quantity import value_cents


def last_scan(line: CountLine) -> CountScan | None:
    """The line's latest scan (its counter, phone and clock), None for a confirmed zero."""
    return db.session.scalars(
        select(CountScan).where(CountScan.session_id == line.session_id, CountScan.item_id == line.item_id)
        .order_by(CountScan.occurred_at.desc(), CountScan.id.desc()).limit(1)).first()


def last_scans(lines: list[CountLine]) -> dict[tuple[str, int], CountScan]:
    """``last_scan`` of many lines, by (session id, item id), in one query a session."""
    out: dict[tuple[str, int], CountScan] = {}
    by_session: dict[str, set[int]] = {}
    for line in lines:
        by_session.setdefault(line.session_id, set()).add(line.item_id)
    for session_id, item_ids in by_session.items():
        for scan in db.session.scalars(select(CountScan).where(
                CountScan.session_id == session_id, CountScan.item_id.in_(sorted(item_ids)))
                .order_by(CountScan.occurred_at, CountScan.id)):
            out[(session_id, scan.item_id)] = scan  # the latest wins
    return out


def submit_reads(location_id: int, at: datetime, window: timedelta, tallies: dict, missing: list,
                 zeros: set[int], first: datetime) -> tuple[dict[int, int], dict[int, list], list[Item]]:
    """What a submit's lines need, read for all of them at once rather than two queries a line:
    each item's expected level at its line's instant (the last scan; the submit's for the
    items nobody scanned) and its sales around the count (``zeros``: the confirmed zeros, from
    ``first``, the session's first scan, to the submit), by item id; and the tallied items
    (the caller holds them, so the session finds them: it keeps only what is referenced)."""
    tallies = list(tallies.values())
    items = list(db.session.scalars(select(Item).where(Item.id.in_(sorted(t.item_id for t in tallies))))) \
        if tallies else []
    expected = reads.levels_at(location_id, {**{i.id: at for i in missing},
                                             **{t.item_id: t.last_scan_at for t in tallies}})
    sales = reads.sales_around(location_id, {**{i: (first - window, at + window) for i in zeros},
                                             **{t.item_id: (t.first_scan_at - window, t.last_scan_at + window)
                                                for t in tallies}})
    return expected, sales, items


def count_key(line_id: int) -> str:
    """The ledger key of a line's count. Approving the line again after late scans writes a
    new revision, ``count:<line>:<n>``, which sorts after the earlier ones at one instant."""
    return f"count:{line_id}"


def expected_of(line: CountLine) -> int:
    """What the ledger expects at the line's instant now, the line's own count (every
    revision of it) aside: late events and late scans may have moved it since the submit."""
    return ledger.level_at(line.item_id, line.location_id, line.counted_at,
                           without_count=None if line.id is None else count_key(line.id))


@dataclass(frozen=True)
class Figures:
    """A line's expected and variance now, beside the figures it was last decided or
    submitted on, and the events that reached the server since and moved them."""

    expected: int
    variance: int
    value_cents: int
    then_expected: int
    then_variance: int
    then: str  # "at approval" | "at submit"
    late: list[StockEvent]

    @property
    def moved(self) -> bool:
        return self.expected != self.then_expected


def figures(line: CountLine) -> Figures:
    """The line's figures as the ledger has them now (DESIGN.md: a late event that happened
    before the count changes what it expected, and the pages must follow). A read: the line
    keeps what it was decided on, the ledger keeps the corrections."""
    if line.counted is None:
        return Figures(line.expected, line.variance, line.value_cents, line.expected, line.variance,
                       "at submit", [])
    before = ledger.stream_level(line.item_id, line.location_id, line.counted_at,
                                 without_count=count_key(line.id))
    variance = line.counted - before.quantity
    # When the server took the figures the line shows: its approval's ledger row, else its last
    # scan's arrival (a submit follows it; late scans recompute the line as they arrive).
    since = db.session.scalar(select(func.max(CountScan.recorded_at)).where(
        CountScan.session_id == line.session_id, CountScan.item_id == line.item_id))
    since, then = since or line.session.submitted_at, "at submit"
    if line.status == "approved" and line.ledger_key:
        since = db.session.scalar(select(StockEvent.recorded_at).where(StockEvent.key == line.ledger_key))
        then = "at approval"
    late = []
    if before.quantity != line.expected and since is not None:
        query = select(StockEvent).where(
            StockEvent.item_id == line.item_id, StockEvent.location_id == line.location_id,
            StockEvent.kind.in_(ledger.DELTAS), StockEvent.occurred_at <= line.counted_at,
            StockEvent.recorded_at > since)
        if before.base_at is not None:
            query = query.where(StockEvent.occurred_at > before.base_at)
        late = list(db.session.scalars(query.order_by(StockEvent.occurred_at, StockEvent.key)))
    value = value_cents(variance, line.item.cost_cents, line.item.measure)
    return Figures(before.quantity, variance, value, line.expected, line.variance, then, late)
