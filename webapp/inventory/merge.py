"""The merge rule: how stock events become a level. Pure: no Flask, no database.

DESIGN.md "The merge rule" is the specification. The decisions below fill its
silences; the service, the SQL and the tests all follow them.

Units
    Quantities are integers in the item's base unit: units for "each" items,
    thousandths for weighed items (Clover's ``unitQty``). Money is integer
    cents. Times are timezone-aware; they are compared as instants.

Kinds
    Deltas carry a signed quantity whose sign is fixed by the kind: ``sale`` (-),
    ``refund`` (+), ``receive`` (+), ``damage`` (-), ``transfer_out`` (-),
    ``transfer_in`` (+). A delta of zero is refused: it is not a fact.
    Resets carry an absolute quantity (>= 0): ``count`` and ``opening`` (an
    imported balance, e.g. Clover's quantity at first connection). A count is
    written to the ledger only when it is approved; pending counts live in the
    counting tables and change nothing here.
    Explanations: ``adjustment`` is the variance recorded for a count (linked to
    it by ``count_key``). It is never applied to the level: applying it as a
    delta and the count as a reset would count the difference twice.

Level at t
    The base is the latest reset at or before t, "latest" meaning the largest
    (occurred_at, key): ties at one instant are broken by idempotency key so the
    answer never depends on arrival order. No reset yet: the base is the
    beginning with quantity 0.
    Level(t) = base quantity + the sum of deltas with base time < occurred_at <= t.
    A delta at exactly the base's instant is taken as already seen by the counter.
    The current (materialised) level is the level after every known event.

Expected and variance
    The expected quantity of a count C is the level just before C in the order
    (occurred_at, key): level_at(C's time) computed without C and without any
    reset sorting after it (the latter only matters when two counts share an
    instant). Deltas at exactly C's instant are included (the counter saw them).
    variance = counted - expected. With this rule the variances telescope: the
    current level equals the sum of every reset's variance plus the sum of every
    delta, which is what makes shrink reports add up.

Late events
    A delta arriving late with occurred_at at or before the latest reset leaves
    the current level unchanged; it changes the expected quantity (hence the
    variance) of the counts after it. The service then appends a correcting
    ``adjustment`` (see ``corrections``), never an edit, so the adjustments of a
    count always sum to its current variance. Openings carry no adjustments: an
    imported balance is not shrink.

Duplicates
    Events with the same idempotency key are one fact; the first one seen wins
    (the database keeps the first insert). Given the same set of facts, any
    arrival order and any number of duplicates gives the same levels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Kind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    RECEIVE = "receive"
    DAMAGE = "damage"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    COUNT = "count"
    OPENING = "opening"
    ADJUSTMENT = "adjustment"


SIGN: dict[Kind, int] = {
    Kind.SALE: -1,
    Kind.REFUND: 1,
    Kind.RECEIVE: 1,
    Kind.DAMAGE: -1,
    Kind.TRANSFER_OUT: -1,
    Kind.TRANSFER_IN: 1,
}
DELTA_KINDS = frozenset(SIGN)
RESET_KINDS = frozenset({Kind.COUNT, Kind.OPENING})

DEFAULT_SCAN_WINDOW = timedelta(minutes=5)


class InvalidEvent(ValueError):
    """An event that can never be a fact; carries a code like a DomainError."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Event:
    """One stock fact for one item at one location."""

    key: str
    kind: Kind
    occurred_at: datetime
    quantity: int
    item_id: int = 0
    location_id: int = 0
    count_key: str | None = None

    def __post_init__(self) -> None:
        check(self)

    @property
    def stream(self) -> tuple[int, int]:
        return (self.item_id, self.location_id)

    @property
    def order(self) -> tuple[datetime, str]:
        return (self.occurred_at, self.key)

    @property
    def is_delta(self) -> bool:
        return self.kind in DELTA_KINDS

    @property
    def is_reset(self) -> bool:
        return self.kind in RESET_KINDS


def check(event: Event) -> None:
    """Raise InvalidEvent unless the event obeys the sign and shape rules."""
    try:
        kind = Kind(event.kind)
    except ValueError:
        raise InvalidEvent("unknown_kind", f"No stock event kind {event.kind!r}.", "kind") from None
    if not event.key:
        raise InvalidEvent("missing_key", "An event needs an idempotency key.", "key")
    if event.occurred_at.tzinfo is None or event.occurred_at.utcoffset() is None:
        raise InvalidEvent("naive_time", "Event times must carry a timezone.", "occurred_at")
    qty = event.quantity
    if not isinstance(qty, int) or isinstance(qty, bool):
        raise InvalidEvent("bad_quantity", "Quantities are whole base units.", "quantity")
    if kind in DELTA_KINDS:
        if qty == 0 or (qty > 0) != (SIGN[kind] > 0):
            sign = "negative" if SIGN[kind] < 0 else "positive"
            raise InvalidEvent("bad_sign", f"A {kind} must have a {sign} quantity.", "quantity")
    elif kind in RESET_KINDS:
        if qty < 0:
            raise InvalidEvent("negative_quantity", f"A {kind} cannot be below zero.", "quantity")
    elif not event.count_key:
        raise InvalidEvent("missing_count", "An adjustment must name its count.", "count_key")


def signed(kind: Kind, magnitude: int) -> int:
    """The signed ledger quantity of a delta given how many units moved."""
    return SIGN[kind] * magnitude


@dataclass(frozen=True, slots=True)
class Level:
    """A level and the reset it is counted from (``base_at`` None: the beginning)."""

    quantity: int
    base_at: datetime | None = None
    base_key: str = ""
    base_quantity: int = 0

    @property
    def base_order(self) -> tuple[datetime, str] | None:
        return None if self.base_at is None else (self.base_at, self.base_key)

    def after_base(self, when: datetime) -> bool:
        return self.base_at is None or when > self.base_at

    def sorts_after_base(self, event: Event) -> bool:
        order = self.base_order
        return order is None or event.order > order


EMPTY = Level(0)


def dedupe(events: Iterable[Event]) -> list[Event]:
    """Keep the first event seen for each idempotency key."""
    seen: dict[str, Event] = {}
    for event in events:
        seen.setdefault(event.key, event)
    return list(seen.values())


def _base(events: list[Event], *, at: datetime | None, before: Event | None) -> Level:
    best: Event | None = None
    for e in events:
        if not e.is_reset or (at is not None and e.occurred_at > at):
            continue
        if before is not None and e.order >= before.order:
            continue
        if best is None or e.order > best.order:
            best = e
    if best is None:
        return EMPTY
    return Level(best.quantity, best.occurred_at, best.key, best.quantity)


def _level(events: list[Event], *, at: datetime | None, before: Event | None = None) -> Level:
    base = _base(events, at=at, before=before)
    total = base.quantity
    for e in events:
        if e.is_delta and base.after_base(e.occurred_at) and (at is None or e.occurred_at <= at):
            total += e.quantity
    return Level(total, base.base_at, base.base_key, base.base_quantity)


def level_at(events: Iterable[Event], t: datetime) -> int:
    """The level of one item-location at instant t (events of that stream only)."""
    return _level(dedupe(events), at=t).quantity


def current(events: Iterable[Event]) -> Level:
    """The level after every known event of one item-location."""
    return _level(dedupe(events), at=None)


def expected_at(events: Iterable[Event], count: Event) -> int:
    """What the ledger expected at ``count``'s instant, the count itself aside."""
    return _level(dedupe(events), at=count.occurred_at, before=count).quantity


def variance(events: Iterable[Event], count: Event) -> int:
    return count.quantity - expected_at(events, count)


def levels(events: Iterable[Event]) -> dict[tuple[int, int], int]:
    """Current level of every item-location, in one pass over the events."""
    unique = dedupe(events)
    bases: dict[tuple[int, int], Event] = {}
    for e in unique:
        if e.is_reset:
            best = bases.get(e.stream)
            if best is None or e.order > best.order:
                bases[e.stream] = e
    out: dict[tuple[int, int], int] = {s: b.quantity for s, b in bases.items()}
    for e in unique:
        if e.is_delta:
            base = bases.get(e.stream)
            if base is None or e.occurred_at > base.occurred_at:
                out[e.stream] = out.get(e.stream, 0) + e.quantity
    return out


def apply(level: Level, event: Event) -> Level | None:
    """Fold one new event into a materialised level.

    Returns the new level, or None when the event is a reset sorting after the
    current base: the level must then be recomputed from the stream's history
    (``current``), since the deltas after the new reset are not in ``level``.
    """
    if event.is_delta:
        if level.after_base(event.occurred_at):
            return Level(level.quantity + event.quantity, level.base_at, level.base_key,
                         level.base_quantity)
        return level
    if event.is_reset and level.sorts_after_base(event):
        return None
    return level


def corrections(events: Iterable[Event]) -> dict[str, int]:
    """Per count key, the adjustment still needed so adjustments sum to the variance.

    Only counts with a nonzero shortfall appear. Adjustments of counts that are
    not among ``events`` are ignored.
    """
    unique = dedupe(events)
    explained: dict[str, int] = defaultdict(int)
    for e in unique:
        if e.kind is Kind.ADJUSTMENT and e.count_key:
            explained[e.count_key] += e.quantity
    needed: dict[str, int] = {}
    for e in unique:
        if e.kind is Kind.COUNT:
            missing = e.quantity - _level(unique, at=e.occurred_at, before=e).quantity
            missing -= explained.get(e.key, 0)
            if missing:
                needed[e.key] = missing
    return needed


def ambiguous_sales(
    sales: Iterable[Event],
    first_scan: datetime,
    last_scan: datetime,
    window: timedelta = DEFAULT_SCAN_WINDOW,
) -> list[Event]:
    """Sales close enough to a count's scans that the counter may or may not have seen them.

    A sale between the item's first and last scan, or within ``window`` of
    either, was perhaps in a basket while the shelf was counted; the variance is
    flagged so the manager can ask for a quick recount rather than trust a guess.
    """
    lo, hi = first_scan - window, last_scan + window
    return sorted(
        (s for s in dedupe(sales) if s.kind is Kind.SALE and lo <= s.occurred_at <= hi),
        key=lambda s: s.order,
    )


def corrected_time(occurred_at: datetime, device_time: datetime, server_time: datetime) -> datetime:
    """Move a device timestamp onto the server's clock.

    The offset is measured once per sync (server clock at receipt minus the
    device clock at sending); network latency is ignored, it is well below the
    precision a count needs.
    """
    return occurred_at + (server_time - device_time)


def too_far_ahead(corrected: datetime, server_time: datetime, allowance: timedelta) -> bool:
    return corrected > server_time + allowance
