"""Audit coverage: which items nobody has counted lately, and which to count next.

An item's last count is its latest approved count at any location (or at the chosen one).
Classes are ABC by sales value (units sold x price) over ``ABC_WINDOW_DAYS``; the cycle-count
list takes A items every 30 days, B every 60 and C every 90 (``calc.DEFAULT_INTERVALS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, select

from webapp.catalog.models import Item
from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.reports import calc
from webapp.reports.filters import Filter, item_filters
from webapp.reports.sql import unindexed
from webapp.types import utcnow

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
    items = {r.id: r for r in db.session.execute(
        select(Item.id, Item.name, Item.category, Item.price_cents)
        .where(Item.store_id == f.store_id, Item.active.is_(True), *item_filters(f)))}
    scope = [StockEvent.store_id == f.store_id]
    if f.location_id:
        scope.append(StockEvent.location_id == f.location_id)
    item = unindexed(StockEvent.item_id)
    last = dict(db.session.execute(
        select(item, func.max(StockEvent.occurred_at))
        .where(StockEvent.kind == "count", *scope).group_by(item)).all())
    sold = dict(db.session.execute(
        select(item, -func.sum(StockEvent.quantity))
        .where(StockEvent.kind.in_(("sale", "refund")), *scope,
               StockEvent.occurred_at >= now - timedelta(days=ABC_WINDOW_DAYS))
        .group_by(item)).all())
    classes = calc.abc_classes({i: int(sold.get(i) or 0) * it.price_cents for i, it in items.items()})
    out = Coverage(now, items=len(items))
    cutoff = now - timedelta(days=STALE_DAYS)
    for item_id, item in items.items():
        when = _aware(last.get(item_id))
        if when is not None and when >= cutoff:
            out.counted_recently += 1
        else:
            out.stale.append({"item_id": item_id, "item": item.name, "category": item.category,
                              "abc": classes[item_id], "last_counted_at": when})
    out.stale.sort(key=lambda r: (r["last_counted_at"] is not None, r["last_counted_at"] or now, r["item"]))
    due = calc.cycle_count_list(((i, classes[i], _aware(last.get(i))) for i in items), now)
    for name in "ABC":
        out.by_class[name] = (sum(1 for c in classes.values() if c == name),
                              sum(1 for d in due if d.abc == name))
    out.suggested = [{"item_id": d.item_id, "item": items[d.item_id].name,
                      "category": items[d.item_id].category, "abc": d.abc,
                      "last_counted_at": d.last_counted_at, "overdue_days": d.overdue_days}
                     for d in due[:limit]]
    return out


def _aware(value):
    """MAX() over a UTCDateTime column comes back raw on SQLite: tag it UTC like the column type."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)
