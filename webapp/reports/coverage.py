"""Audit coverage: which items nobody has counted lately, and which to count next.

An item's last count is its latest approved count at any location (or at the chosen one).
Classes are ABC by sales value (units sold x price) over ``ABC_WINDOW_DAYS``; the cycle-count
list takes A items every 30 days, B every 60 and C every 90 (``calc.DEFAULT_INTERVALS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import BigInteger, String, cast, func, literal, null, select, type_coerce, union_all

from webapp.catalog.models import Item
from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.reports import calc
from webapp.reports.filters import Filter, item_filters
from webapp.reports.sql import unindexed
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
    # Each active item with its last count and its net units sold in the ABC window, from one
    # grouped UNION ALL that the items are looked up from by key (see alerts.reorder.low_infos).
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
    # The raw value: SQLite's text is parsed by _aware, far faster than by the column type.
    per_item = (select(parts.c.item_id, type_coerce(func.max(parts.c.counted_at), String).label("counted_at"),
                       cast(func.sum(parts.c.sold), BigInteger).label("sold"))
                .group_by(parts.c.item_id).subquery("per_item"))
    rows = db.session.execute(
        select(Item.id, Item.name, Item.category, Item.price_cents, per_item.c.counted_at, per_item.c.sold)
        .select_from(per_item).join(Item, Item.id == per_item.c.item_id)
        .where(Item.store_id == f.store_id, Item.active, *item_filters(f))).all()
    items = {r.id: r for r in rows}
    last = {r.id: _aware(r.counted_at) for r in rows}
    classes = calc.abc_classes({r.id: int(r.sold or 0) * r.price_cents for r in rows})
    out = Coverage(now, items=len(items))
    cutoff = now - timedelta(days=STALE_DAYS)
    for item_id, item in items.items():
        when = last[item_id]
        if when is not None and when >= cutoff:
            out.counted_recently += 1
        else:
            out.stale.append({"item_id": item_id, "item": item.name, "category": item.category,
                              "abc": classes[item_id], "last_counted_at": when})
    out.stale.sort(key=lambda r: (r["last_counted_at"] is not None, r["last_counted_at"] or now, r["item"]))
    due = calc.cycle_count_list(((i, classes[i], last[i]) for i in items), now)
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
