"""Shrink: stock lost to damage and to negative count adjustments, by reason, in units and money.

Damage events carry their reason in the ledger note (the damage flag writes it there); negative adjustments
(a count found less than the ledger expected) are "count shortfall". Positive adjustments
are stock found: reported beside shrink, never subtracted from it, so a found case in the
back room does not hide a theft on the floor. Money uses each item's current cost.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from webapp.catalog.models import Item
from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.reports import calc
from webapp.reports.filters import Filter, item_filters

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


def shrink(f: Filter, top: int = 10) -> Shrink:
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
    spans = calc.buckets(f.start, f.end, calc.grain_for(f.start, f.end))
    out = Shrink(buckets=spans, trend_cents=[0] * len(spans))
    zone = ZoneInfo(f.tz)
    reasons: dict[str, ReasonTotal] = {}
    items: dict[int, dict] = defaultdict(lambda: {"units": 0, "value_cents": 0})
    # Sorted here, not in SQL: an ORDER BY on time steers SQLite onto the (store, time) index
    # and a table lookup per event, where (store, kind, time) covers the query.
    for row in sorted(_per_count(db.session.execute(query)), key=lambda r: (r.occurred_at, r.key)):
        value = calc.value_cents(-row.quantity, row.cost_cents, row.measure)
        if row.kind == "adjustment" and row.quantity >= 0:
            out.found_cents += -value
            continue
        name = (row.reason or "damage") if row.kind == "damage" else SHORTFALL
        units = -row.quantity if row.measure == "each" else 0
        total = reasons.setdefault(name, ReasonTotal(name))
        total.events += 1
        total.units += units
        total.value_cents += value
        item = items[row.item_id]
        item.update(item_id=row.item_id, item=row.name, category=row.category)
        item["units"] += units
        item["value_cents"] += value
        out.total_cents += value
        out.total_units += units
        local_day = row.occurred_at.astimezone(zone).date()
        index = calc.bucket_index(local_day, spans)
        if index is not None:
            out.trend_cents[index] += value
        out.rows.append({"when": row.occurred_at, "item_id": row.item_id, "item": row.name,
                         "category": row.category, "reason": name, "quantity": -row.quantity,
                         "measure": row.measure, "value_cents": value, "key": row.key})
    out.by_reason = sorted(reasons.values(), key=lambda r: (-r.value_cents, r.reason))
    out.top_items = sorted(items.values(), key=lambda i: (-i["value_cents"], i["item"]))[:top]
    return out
