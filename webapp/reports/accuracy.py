"""Inventory record accuracy (IRA): how often the ledger was right when someone counted.

Every approved count in the period is one record check. Its variance is what the count
found against the ledger's expected quantity before any adjustment: the sum of the
adjustments that explain it (the variance at approval plus later corrections, see
``merge.corrections``); a count with no adjustment matched exactly. A count is accurate when
|variance| <= the tolerance (the store's unit tolerance unless the page asks for another).
Each count is judged alone: overs never cancel shorts (``calc.accuracy``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from webapp.catalog.models import Item, Location, Store
from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.reports import calc
from webapp.reports.filters import Filter, item_filters
from webapp.reports.sql import unindexed


@dataclass
class AccuracyReport:
    tolerance: int
    overall: calc.Accuracy
    buckets: list[tuple[date, date]] = field(default_factory=list)
    trend: list[calc.Accuracy] = field(default_factory=list)
    by_category: list[tuple[str, calc.Accuracy]] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def accuracy(f: Filter, tolerance: int | None = None) -> AccuracyReport:
    if tolerance is None:
        tolerance = db.session.get(Store, f.store_id).tolerance_units
    since, until = f.bounds
    # A count's adjustments carry the count's own occurred_at, so one range over the period
    # finds them all (the ledger's `_correct` writes them so).
    count_key = unindexed(StockEvent.count_key)
    variances = dict(db.session.execute(
        select(count_key, func.sum(StockEvent.quantity))
        .where(StockEvent.store_id == f.store_id, StockEvent.kind == "adjustment",
               StockEvent.occurred_at >= since, StockEvent.occurred_at < until)
        .group_by(count_key)).tuples().all())
    query = (
        select(StockEvent.key, StockEvent.occurred_at, StockEvent.quantity.label("counted"),
               StockEvent.item_id, Item.name, Item.category, Item.measure, Location.name.label("location"))
        .join(Item, Item.id == StockEvent.item_id).join(Location, Location.id == StockEvent.location_id)
        .where(StockEvent.store_id == f.store_id, StockEvent.kind == "count",
               StockEvent.occurred_at >= since, StockEvent.occurred_at < until,
               *item_filters(f, Item, StockEvent.location_id)))
    spans = calc.buckets(f.start, f.end, calc.grain_for(f.start, f.end))
    per_bucket: list[list[int]] = [[] for _ in spans]
    per_category: dict[str, list[int]] = {}
    rows, everything = [], []
    zone = ZoneInfo(f.tz)
    for row in sorted(db.session.execute(query), key=lambda r: (r.occurred_at, r.key)):  # see shrink.py
        v = int(variances.get(row.key) or 0)
        everything.append(v)
        index = calc.bucket_index(row.occurred_at.astimezone(zone).date(), spans)
        if index is not None:
            per_bucket[index].append(v)
        per_category.setdefault(row.category or "(no category)", []).append(v)
        rows.append({"when": row.occurred_at, "item_id": row.item_id, "item": row.name,
                     "category": row.category, "location": row.location, "counted": row.counted,
                     "expected": row.counted - v, "variance": v, "measure": row.measure,
                     "accurate": abs(v) <= tolerance, "key": row.key})
    return AccuracyReport(
        tolerance, calc.accuracy(everything, tolerance), spans,
        [calc.accuracy(b, tolerance) for b in per_bucket],
        sorted(((name, calc.accuracy(vs, tolerance)) for name, vs in per_category.items()),
               key=lambda pair: pair[0]),
        rows)
