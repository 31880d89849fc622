"""Audit coverage: which items nobody has counted lately, and which to count next.

An item's last count is its latest approved count at any location (or at the chosen one).
Classes are ABC by sales value (units sold x price) over ``ABC_WINDOW_DAYS``; the cycle-count
list takes A items every 30 days, B every 60 and C every 90 (``calc.DEFAULT_INTERVALS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import (
    BigInteger,
    String,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)

from webapp.catalog.models import Item
from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.inventory.sql import unindexed
from webapp.reports import calc
from webapp.reports.filters import Filter, item_filters
from webapp.types import UTCDateTime, utcnow

ABC_WINDOW_DAYS = 90
STALE_DAYS = 30


@dataclass
class Coverage:
    now: datetime
    items: int = 0
    counted_recently: int = 0
    stale: list[dict] = field(default_factory=list)  # not counted in STALE_DAYS, never counted first
    suggested: list[dict] = field(default_factory=list)
    by_class: dict[str, tuple[int, int]] = field(default_factory=dict)  # class: (items, due)

    @property
    def share_recent(self):
        return Fraction(self.counted_recently, self.items) if self.items else None


def coverage(f: Filter, limit: int = 50, now: datetime | None = None) -> Coverage:
    now = now or utcnow()
    cutoff = now - timedelta(days=STALE_DAYS)
    classed = _classed(f, now)
    # Items not counted recently (the stale and every item due a count: no interval is shorter
    # than STALE_DAYS), then a summary row per class, in one statement over `classed`.
    counted = classed.c.counted_at
    due_by = case(*((classed.c.abc == name, literal(now - timedelta(days=days), UTCDateTime))
                    for name, days in calc.DEFAULT_INTERVALS.items()))
    due = or_(counted.is_(None), counted <= due_by)
    rows = db.session.execute(union_all(
        select(literal("item").label("row"), classed.c.abc, classed.c.id, classed.c.name, classed.c.category,
               type_coerce(counted, String).label("counted_at"),  # raw text on SQLite: _aware parses it
               literal(0).label("items"), literal(0).label("due"), literal(0).label("recent"))
        .where(or_(counted.is_(None), counted <= cutoff)),
        select(literal("class"), classed.c.abc, null(), null(), null(), null(), func.count(),
               func.sum(case((due, 1), else_=0)), func.sum(case((counted >= cutoff, 1), else_=0)))
        .group_by(classed.c.abc))).all()
    out = Coverage(now)
    out.by_class = {name: (0, 0) for name in "ABC"}
    waiting = []
    for row in rows:
        if row.row == "class":
            out.by_class[row.abc] = (int(row.items), int(row.due))
            out.items += int(row.items)
            out.counted_recently += int(row.recent)
        else:
            waiting.append((row.id, row.name, row.category, row.abc, _aware(row.counted_at)))
    out.stale = sorted(
        ({"item_id": i, "item": name, "category": category, "abc": abc, "last_counted_at": when}
         for i, name, category, abc, when in waiting if when is None or when < cutoff),
        key=lambda r: (r["last_counted_at"] is not None, r["last_counted_at"] or now, r["item"]))
    due_list = calc.cycle_count_list(((i, abc, when) for i, _, _, abc, when in waiting), now, limit=limit)
    names = {i: (name, category) for i, name, category, _, _ in waiting}
    out.suggested = [{"item_id": d.item_id, "item": names[d.item_id][0], "category": names[d.item_id][1],
                      "abc": d.abc, "last_counted_at": d.last_counted_at, "overdue_days": d.overdue_days}
                     for d in due_list]
    return out


def _classed(f: Filter, now: datetime):
    """A CTE of the active items (id, name, category, counted_at, abc): the last count and the
    ABC class, worked out in SQL as ``calc.abc_classes`` does (by sales value, ties by the
    item id as text; each item placed by the share before it)."""
    # Each item's last count and net units sold in the window, from one grouped UNION ALL that
    # the items are then looked up from by key (see alerts.reorder.low_infos).
    e = StockEvent
    scope = [e.store_id == f.store_id]
    if f.location_id:
        scope.append(e.location_id == f.location_id)
    item = unindexed(e.item_id)
    parts = union_all(
        select(Item.id.label("item_id"), cast(null(), UTCDateTime).label("counted_at"),
               literal(0).label("sold"))
        .where(Item.store_id == f.store_id, Item.active),
        select(item, func.max(e.occurred_at), literal(0)).where(e.kind == "count", *scope).group_by(item),
        select(item, cast(null(), UTCDateTime), -func.sum(e.quantity))
        .where(e.kind.in_(("sale", "refund")), *scope, e.occurred_at >= now - timedelta(days=ABC_WINDOW_DAYS))
        .group_by(item)).subquery("parts")
    per_item = (select(parts.c.item_id, func.max(parts.c.counted_at).label("counted_at"),
                       cast(func.sum(parts.c.sold), BigInteger).label("sold"))
                .group_by(parts.c.item_id).subquery("per_item"))
    value = per_item.c.sold * Item.price_cents
    positive = case((value > 0, value), else_=0)
    tie = cast(Item.id, String)
    if db.session.get_bind().dialect.name == "postgresql":
        tie = tie.collate("C")  # Python's order of str, whatever the database's collation
    before = func.coalesce(func.sum(positive).over(order_by=(value.desc(), tie), rows=(None, -1)), 0)
    ranked = (select(Item.id, Item.name, Item.category, per_item.c.counted_at, value.label("value"),
                     before.label("before"), func.sum(positive).over().label("total"))
              .select_from(per_item).join(Item, Item.id == per_item.c.item_id)
              .where(Item.store_id == f.store_id, Item.active, *item_filters(f))
              .subquery("ranked"))  # each window once, then the classes from its columns
    placed = ((ranked.c.before * share.denominator < share.numerator * ranked.c.total, name)
              for name, share in calc.CLASS_SHARES)
    abc = case((or_(ranked.c.value <= 0, ranked.c.total == 0), "C"), *placed, else_="C")
    return (select(ranked.c.id, ranked.c.name, ranked.c.category, ranked.c.counted_at, abc.label("abc"))
            .cte("classed").prefix_with("MATERIALIZED"))


def _aware(value):
    """MAX() over a UTCDateTime column comes back raw on SQLite: tag it UTC like the column type."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)
