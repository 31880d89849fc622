"""Many streams' ledger rows read at once, for ``Ledger.settle``: a count submit settles hundreds
of (item, location) streams, and reading each with statements of its own was most of the
submit's cost. The same rule as ``ledger.stream_level`` and ``Ledger._correct``, per stream.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, tuple_

from webapp.extensions import db
from webapp.inventory import merge
from webapp.inventory.models import StockEvent

RESETS = tuple(sorted(str(k) for k in merge.RESET_KINDS))
DELTAS = tuple(sorted(str(k) for k in merge.DELTA_KINDS))
CHUNK = 500

Stream = tuple[int, int]


def _rows(columns, streams: list[Stream], *conditions):
    if not streams:
        return
    for start in range(0, len(streams), CHUNK):
        part = streams[start:start + CHUNK]
        yield from db.session.execute(select(StockEvent.item_id, StockEvent.location_id, *columns).where(
            tuple_(StockEvent.item_id, StockEvent.location_id).in_(part), *conditions))


def resets(streams: list[Stream]) -> dict[Stream, list]:
    """Every reset of these streams (counts and openings: a few a stream), by stream."""
    out: dict[Stream, list] = defaultdict(list)
    for r in _rows((StockEvent.occurred_at, StockEvent.key, StockEvent.quantity), sorted(streams),
                   StockEvent.kind.in_(RESETS)):
        out[(r.item_id, r.location_id)].append(r)
    return out


def latest(rows: list, before: datetime | None = None):
    """The latest reset (by time, then key), or the latest strictly before ``before``; or None."""
    rows = [r for r in rows if before is None or r.occurred_at < before]
    return max(rows, key=lambda r: (r.occurred_at, r.key)) if rows else None


def levels(streams: list[Stream], found: dict[Stream, list]) -> dict[Stream, merge.Level]:
    """``ledger.stream_level`` of each stream now: its latest reset plus the deltas after it."""
    bases = {s: latest(found.get(s, [])) for s in streams}
    sums: dict[Stream, int] = defaultdict(int)
    based = sorted(s for s in streams if bases[s] is not None)
    unbased = sorted(s for s in streams if bases[s] is None)
    parts = [(unbased, [])]
    if based:
        parts.append((based, [StockEvent.occurred_at > min(bases[s].occurred_at for s in based)]))
    for part, bound in parts:
        for r in _rows((StockEvent.occurred_at, StockEvent.quantity), part,
                       StockEvent.kind.in_(DELTAS), *bound):
            base = bases[(r.item_id, r.location_id)]
            if base is None or r.occurred_at > base.occurred_at:
                sums[(r.item_id, r.location_id)] += r.quantity
    out = {}
    for s in streams:
        base = bases[s]
        out[s] = merge.Level(sums[s]) if base is None else merge.Level(
            base.quantity + sums[s], base.occurred_at, base.key, base.quantity)
    return out


def events_since(starts: dict[Stream, datetime | None]) -> dict[Stream, list[merge.Event]]:
    """Each stream's events at or after its start (all of them for None), as ``_correct`` reads them."""
    out: dict[Stream, list[merge.Event]] = defaultdict(list)
    bounded = sorted(s for s, at in starts.items() if at is not None)
    parts = [(sorted(s for s, at in starts.items() if at is None), [])]
    if bounded:
        parts.append((bounded, [StockEvent.occurred_at >= min(starts[s] for s in bounded)]))
    for part, bound in parts:
        for r in _rows((StockEvent.key, StockEvent.kind, StockEvent.occurred_at, StockEvent.quantity,
                        StockEvent.count_key), part, *bound):
            stream = (r.item_id, r.location_id)
            if starts[stream] is None or r.occurred_at >= starts[stream]:
                out[stream].append(merge.Event(r.key, merge.Kind(r.kind), r.occurred_at, r.quantity,
                                               r.item_id, r.location_id, r.count_key))
    return out
