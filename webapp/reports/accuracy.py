"""Inventory record accuracy (IRA): how often the ledger was right when someone counted.

Every approved count in the period is one record check (a count approved again after late
scans is one check, judged on its latest revision). Its variance is what the count
found against the ledger's expected quantity before any adjustment: the sum of the
adjustments that explain it (the variance at approval plus later corrections, see
``merge.corrections``); a count with no adjustment matched exactly. A count is accurate when
|variance| <= the tolerance (the store's unit tolerance unless the page asks for another).
Each count is judged alone: overs never cancel shorts (``calc.accuracy``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, select, union
from sqlalchemy.orm import aliased

from webapp.catalog.models import Item, Location, Store
from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.reports import calc
from webapp.reports.filters import Filter, item_filters


@dataclass
class AccuracyReport:
    tolerance: int
    overall: calc.Accuracy
    buckets: list[tuple[date, date]] = field(default_factory=list)
    trend: list[calc.Accuracy] = field(default_factory=list)
    by_category: list[tuple[str, calc.Accuracy]] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def _tally(rows) -> calc.Accuracy:
    """Add up (counted, accurate, over, short, gross, net) rows grouped in SQL."""
    totals = [sum(int(row[i] or 0) for row in rows) for i in range(6)]
    return calc.Accuracy(*totals)


def accuracy(f: Filter, tolerance: int | None = None, row_limit: int | None = None) -> AccuracyReport:
    """The report; ``rows`` holds every count oldest first, or only the latest ``row_limit``.

    Judged and added up in SQL with the rule of ``calc.accuracy``: one row per count, whose
    variance is the sum of its adjustments (0 without any); never netted across counts."""
    if tolerance is None:
        tolerance = db.session.get(Store, f.store_id).tolerance_units
    since, until = f.bounds
    count = aliased(StockEvent, name="counts")
    spans = calc.buckets(f.start, f.end, calc.grain_for(f.start, f.end))
    bucket = case(*((count.occurred_at < calc.period_bounds(first, last, f.tz)[1], i)
                    for i, (first, last) in enumerate(spans)), else_=None)
    revised = _revised(f)
    judged = (select(bucket.label("bucket"), Item.category, _variance(f, count, revised).label("variance"))
              .join(Item, Item.id == count.item_id)
              .where(count.store_id == f.store_id, count.kind == "count", count.occurred_at >= since,
                     count.occurred_at < until, _latest_revision(count, revised),
                     *item_filters(f, Item, count.location_id))
              .cte("judged").prefix_with("MATERIALIZED"))  # one variance per count, not one per use
    v = judged.c.variance

    def one(condition):  # how many counts meet the condition
        return func.sum(case((condition, 1), else_=0))

    groups = db.session.execute(
        select(judged.c.bucket, judged.c.category, func.count(), one(func.abs(v) <= tolerance),
               one(v > tolerance), one(v < -tolerance), func.sum(func.abs(v)), func.sum(v))
        .group_by(judged.c.bucket, judged.c.category)).all()
    per_category: dict[str, list] = {}
    for row in groups:
        per_category.setdefault(row[1] or "(no category)", []).append(row[2:])
    report = AccuracyReport(
        tolerance, _tally([row[2:] for row in groups]), spans,
        [_tally([row[2:] for row in groups if row[0] == i]) for i in range(len(spans))],
        sorted(((name, _tally(rows)) for name, rows in per_category.items()), key=lambda pair: pair[0]))
    report.rows = _rows(f, count, tolerance, row_limit)
    return report


# A count line approved again after late scans writes a revision of its count,
# ``count:<line>:<nnnn>`` (``approvals.service._revision``): one record check, not two. Only the
# latest revision is judged, on the adjustments of every revision of the line, which add up to
# the line's variance. Revisions are rare, so they are gathered once into small CTEs and every
# other count keeps its plain, indexed lookup.
REVISION_TAIL = 5  # ":0002"


@dataclass(frozen=True)
class Revised:
    superseded: Any  # a select of the keys of counts a later revision replaced
    variances: Any  # a CTE: family (the first revision's key), variance over all revisions


def _revised(f: Filter) -> Revised:
    e = aliased(StockEvent, name="revision")
    revisions = (select(e.key.label("key"),
                        func.substr(e.key, 1, func.length(e.key) - REVISION_TAIL).label("family"))
                 .where(e.store_id == f.store_id, e.kind == "count", e.key.like("count:%:%"))
                 .cte("revisions"))
    members = union(select(revisions.c.key, revisions.c.family),
                    select(revisions.c.family.label("key"), revisions.c.family)).cte("revised_counts")
    latest = (select(members.c.family, func.max(members.c.key).label("key"))
              .group_by(members.c.family).cte("latest_revisions"))
    superseded = (select(members.c.key).join(latest, latest.c.family == members.c.family)
                  .where(members.c.key != latest.c.key))
    adjustment = aliased(StockEvent, name="revised_adjustments")
    variances = (select(members.c.family, func.sum(adjustment.quantity).label("variance"))
                 .join(adjustment, adjustment.count_key == members.c.key)
                 .where(adjustment.kind == "adjustment", adjustment.store_id == f.store_id)
                 .group_by(members.c.family).cte("revised_variances"))
    return Revised(superseded, variances)


def _latest_revision(count, revised: Revised):
    """No later revision of this count exists in the ledger."""
    return count.key.not_in(revised.superseded)


def _variance(f: Filter, count, revised: Revised):
    """A count's variance: the sum of its adjustments (of every revision of it), 0 without any.
    A count's own adjustments carry its occurred_at (the ledger's `_correct` writes them so)."""
    since, until = f.bounds
    adjustment = aliased(StockEvent, name="adjustments")
    own = (select(func.coalesce(func.sum(adjustment.quantity), 0))
           .where(adjustment.count_key == count.key, adjustment.kind == "adjustment",
                  adjustment.store_id == f.store_id, adjustment.occurred_at >= since,
                  adjustment.occurred_at < until)
           .scalar_subquery())
    family = func.substr(count.key, 1, func.length(count.key) - REVISION_TAIL)
    v = revised.variances.c
    of_family = select(func.coalesce(func.sum(v.variance), 0)).where(v.family == family).scalar_subquery()
    return case((count.key.like("count:%:%"), of_family), else_=own)


def _rows(f: Filter, count, tolerance: int, limit: int | None) -> list[dict]:
    """The counts themselves, oldest first (the latest ``limit`` of them when given)."""
    since, until = f.bounds
    revised = _revised(f)
    variance = _variance(f, count, revised)
    query = (
        select(count.key, count.occurred_at, count.quantity.label("counted"), count.item_id, Item.name,
               Item.category, Item.measure, Location.name.label("location"), variance.label("variance"))
        .join(Item, Item.id == count.item_id).join(Location, Location.id == count.location_id)
        .where(count.store_id == f.store_id, count.kind == "count", count.occurred_at >= since,
               count.occurred_at < until, _latest_revision(count, revised),
               *item_filters(f, Item, count.location_id)))
    if limit is not None:
        query = query.order_by(count.occurred_at.desc(), count.key.desc()).limit(limit)
    rows = []
    for row in sorted(db.session.execute(query), key=lambda r: (r.occurred_at, r.key)):  # see shrink.py
        v = int(row.variance)
        rows.append({"when": row.occurred_at, "item_id": row.item_id, "item": row.name,
                     "category": row.category, "location": row.location, "counted": row.counted,
                     "expected": row.counted - v, "variance": v, "measure": row.measure,
                     "accurate": abs(v) <= tolerance, "key": row.key})
    return rows
