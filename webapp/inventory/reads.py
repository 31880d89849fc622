"""The ledger's per-item reads (``ledger.level_at``, ``ledger.sales_between``) for many items at
one location in a few queries: a count submit of hundreds of lines asked two statements per line.

Both need the ledger settled (the materialised levels in step with it), as the sync batch and
every web writer leave it before a submit reads.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from webapp.extensions import db
from webapp.inventory import ledger, merge
from webapp.inventory.models import StockEvent, StockLevel


def levels_at(location_id: int, wants: dict[int, datetime]) -> dict[int, int]:
    """``ledger.level_at(item, location_id, at)`` for every ``item: at`` of ``wants``.

    The materialised level is the latest reset plus the deltas after it; when that reset is at
    or before ``at``, the level at ``at`` is the level now less the deltas after ``at``. Those
    items cost three queries in all; an item counted since ``at`` (its base is later) or with
    events but no level row (never settled) is read as ``level_at`` reads it."""
    if not wants:
        return {}
    ids = sorted(wants)
    rows = {r.item_id: r for r in db.session.execute(
        select(StockLevel.item_id, StockLevel.quantity, StockLevel.base_at).where(
            StockLevel.location_id == location_id, StockLevel.item_id.in_(ids)))}
    out: dict[int, int] = {}
    slow: list[int] = []
    missing = [i for i in ids if i not in rows]
    if missing:
        stocked = set(db.session.scalars(select(StockEvent.item_id).where(
            StockEvent.location_id == location_id, StockEvent.item_id.in_(missing)).distinct()))
        slow += [i for i in missing if i in stocked]
        out.update({i: 0 for i in missing if i not in stocked})
    fast = {i: r for i, r in rows.items() if r.base_at is None or r.base_at <= wants[i]}
    slow += [i for i in rows if i not in fast]
    if fast:
        after: dict[int, int] = defaultdict(int)
        for item_id, occurred_at, quantity in db.session.execute(
                select(StockEvent.item_id, StockEvent.occurred_at, StockEvent.quantity).where(
                    StockEvent.location_id == location_id, StockEvent.item_id.in_(sorted(fast)),
                    StockEvent.kind.in_(ledger.DELTAS),
                    StockEvent.occurred_at > min(wants[i] for i in fast))):
            if occurred_at > wants[item_id]:
                after[item_id] += quantity
        out.update({i: r.quantity - after[i] for i, r in fast.items()})
    for item_id in slow:
        out[item_id] = ledger.level_at(item_id, location_id, wants[item_id])
    return out


def sales_around(location_id: int,
                 spans: dict[int, tuple[datetime, datetime]]) -> dict[int, list[merge.Event]]:
    """``ledger.sales_between(item, location_id, start, end)`` for every ``item: (start, end)``,
    in one query."""
    out: dict[int, list[merge.Event]] = {i: [] for i in spans}
    if not spans:
        return out
    rows = db.session.execute(
        select(StockEvent.item_id, StockEvent.key, StockEvent.occurred_at, StockEvent.quantity).where(
            StockEvent.location_id == location_id, StockEvent.item_id.in_(sorted(spans)),
            StockEvent.kind == "sale", StockEvent.occurred_at >= min(s for s, _ in spans.values()),
            StockEvent.occurred_at <= max(e for _, e in spans.values())))
    for r in rows:
        start, end = spans[r.item_id]
        if start <= r.occurred_at <= end:
            out[r.item_id].append(merge.Event(r.key, merge.Kind.SALE, r.occurred_at, r.quantity,
                                              r.item_id, location_id))
    return out
