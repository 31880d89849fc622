"""Shrink: stock lost to damage and to negative count adjustments, by reason, in units and money.

Damage events carry their reason in the ledger note (the damage flag writes it there); negative adjustments
(a count found less than the ledger expected) are "count shortfall". Positive adjustments
are stock found: reported beside shrink, never subtracted from it, so a found case in the
back room does not hide a theft on the floor. Money uses each item's current cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from sqlalchemy import BigInteger, case, cast, func, literal, or_, select, union_all

from webapp.catalog.models import Item
from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.quantity import value_cents
from webapp.reports import calc
from webapp.reports.filters import Filter, item_filters
from webapp.reports.sql import value_sql

SHORTFALL = "count shortfall"


@dataclass
class ReasonTotal:
    reason: str
    events: int = 0
    units: int = 0  # `each` items only: weighed thousandths do not add up with units
    value_cents: int = 0


@dataclass
class Shrink:
    by_reason: list[ReasonTotal] = field(default_factory=list)
    top_items: list[dict] = field(default_factory=list)
    buckets: list[tuple[date, date]] = field(default_factory=list)
    trend_cents: list[int] = field(default_factory=list)
    total_cents: int = 0
    total_units: int = 0
    found_cents: int = 0  # positive adjustments, shown beside shrink
    rows: list[dict] = field(default_factory=list)


def _per_count(rows):
    """One row per count: a count's adjustments (the variance at approval, then corrections
    when late events moved what it expected) add up to its current variance, and only that
    is the count's shortfall or find."""
    merged: dict[str, SimpleNamespace] = {}
    for row in rows:
        if row.kind != "adjustment":
            yield row
        elif row.count_key in merged:
            merged[row.count_key].quantity += row.quantity
        else:
            merged[row.count_key] = SimpleNamespace(**row._asdict())
    yield from merged.values()


def shrink(f: Filter, top: int = 10, with_rows: bool = True) -> Shrink:
    """The report, added up in SQL; ``rows`` (every loss, for the CSV) only ``with_rows``."""
    since, until = f.bounds
    e = StockEvent
    scope = [e.store_id == f.store_id, e.occurred_at >= since, e.occurred_at < until,
             *item_filters(f, Item, e.location_id)]
    # One row per count: its adjustments summed (see _per_count); they share its item and time.
    counts = (select(func.max(e.item_id).label("item_id"), func.max(e.occurred_at).label("occurred_at"),
                     cast(func.sum(e.quantity), BigInteger).label("quantity"))
              .join(Item, Item.id == e.item_id).where(e.kind == "adjustment", *scope)
              .group_by(e.count_key).subquery("counts"))
    reason = case((or_(e.note.is_(None), e.note == ""), "damage"), else_=e.note)
    losses = union_all(
        select(reason.label("reason"), e.item_id, e.occurred_at,
               cast(e.quantity, BigInteger).label("quantity"))
        .join(Item, Item.id == e.item_id).where(e.kind == "damage", *scope),
        select(literal(SHORTFALL), counts.c.item_id, counts.c.occurred_at, counts.c.quantity)
        .where(counts.c.quantity < 0)).subquery("losses")
    value = value_sql(-losses.c.quantity, Item.cost_cents, Item.measure)
    units = case((Item.measure == "each", -losses.c.quantity), else_=0)

    def summed(*columns):
        return select(*columns).select_from(losses).join(Item, Item.id == losses.c.item_id)

    spans = calc.buckets(f.start, f.end, calc.grain_for(f.start, f.end))
    out = Shrink(buckets=spans, trend_cents=[0] * len(spans))
    # By reason and by bucket in one pass: a row per (reason, bucket), added up both ways here.
    bucket = case(*((losses.c.occurred_at < calc.period_bounds(first, last, f.tz)[1], i)
                    for i, (first, last) in enumerate(spans)), else_=None)
    judged = summed(losses.c.reason, bucket.label("bucket"), units.label("units"),
                    value.label("value")).subquery("judged")
    reasons: dict[str, ReasonTotal] = {}
    for name, index, events, lost_units, lost_cents in db.session.execute(
            select(judged.c.reason, judged.c.bucket, func.count(), func.sum(judged.c.units),
                   func.sum(judged.c.value)).group_by(judged.c.reason, judged.c.bucket)):
        total = reasons.setdefault(name, ReasonTotal(name))
        total.events += int(events)
        total.units += int(lost_units)
        total.value_cents += int(lost_cents)
        if index is not None:
            out.trend_cents[int(index)] += int(lost_cents)
    out.by_reason = sorted(reasons.values(), key=lambda r: (-r.value_cents, r.reason))
    out.total_cents = sum(r.value_cents for r in out.by_reason)
    out.total_units = sum(r.units for r in out.by_reason)
    lost = func.sum(value)
    items = db.session.execute(
        summed(Item.id, Item.name, Item.category, func.sum(units), lost)
        .group_by(Item.id, Item.name, Item.category).order_by(lost.desc(), Item.name).limit(top + 10))
    out.top_items = sorted(({"item_id": i, "item": name, "category": category, "units": int(u),
                             "value_cents": int(c)} for i, name, category, u, c in items),
                           key=lambda i: (-i["value_cents"], i["item"]))[:top]
    found = db.session.scalar(
        select(func.coalesce(func.sum(-value_sql(-counts.c.quantity, Item.cost_cents, Item.measure)), 0))
        .select_from(counts).join(Item, Item.id == counts.c.item_id).where(counts.c.quantity >= 0))
    out.found_cents = int(found)
    if with_rows:
        out.rows = _rows(f)
    return out


def _rows(f: Filter) -> list[dict]:
    """Every loss in the period, oldest first, one row per count's shortfall."""
    since, until = f.bounds
    query = (
        select(StockEvent.key, StockEvent.count_key, StockEvent.kind, StockEvent.quantity,
               StockEvent.occurred_at, StockEvent.item_id, Item.name, Item.category, Item.cost_cents,
               Item.measure,
               StockEvent.note.label("reason"))
        .join(Item, Item.id == StockEvent.item_id)
        .where(StockEvent.store_id == f.store_id, StockEvent.occurred_at >= since,
               StockEvent.occurred_at < until, StockEvent.kind.in_(("damage", "adjustment")),
               *item_filters(f, Item, StockEvent.location_id)))
    rows = []
    # Sorted here, not in SQL: an ORDER BY on time steers SQLite onto the (store, time) index
    # and a table lookup per event, where (store, kind, time) covers the query.
    for row in sorted(_per_count(db.session.execute(query)), key=lambda r: (r.occurred_at, r.key)):
        if row.kind == "adjustment" and row.quantity >= 0:
            continue  # stock found, not lost
        rows.append({"when": row.occurred_at, "item_id": row.item_id, "item": row.name,
                     "category": row.category,
                     "reason": (row.reason or "damage") if row.kind == "damage" else SHORTFALL,
                     "quantity": -row.quantity, "measure": row.measure,
                     "value_cents": value_cents(-row.quantity, row.cost_cents, row.measure),
                     "key": row.key})
    return rows
