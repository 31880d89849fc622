"""Inventory value: quantity x cost by category and location, now or at any past instant.

Now is read from the materialised levels. A past instant follows the merge rule in SQL for
every item-location at once (the ledger's ``level_at`` does the same for one stream, and a
test holds the two together): the latest reset at or before t, by (occurred_at, key), plus
the deltas after it up to t, starting from the level snapshot at the end of that store day
(``snapshots``). Quantities are valued and grouped in SQL, so a page reads a few dozen rows,
not one per item-location. Value uses each item's current cost: the product keeps no cost
history, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select

from webapp.catalog.models import Item, Location
from webapp.extensions import db
from webapp.inventory.models import StockLevel
from webapp.reports import snapshots
from webapp.reports.filters import Filter, item_filters
from webapp.reports.sql import value_sql


def levels_query(store_id: int, at: datetime | None, location_id: int | None = None,
                 tz: str | None = None):
    """SELECT (item_id, location_id, quantity) at ``at`` (None: now, the materialised levels).

    A past instant starts from the level snapshot at the end of its store day (built on
    first use, see ``snapshots``) and folds the rest of the ledger up to ``at`` on top."""
    if at is None:
        query = select(StockLevel.item_id, StockLevel.location_id, StockLevel.quantity).where(
            StockLevel.store_id == store_id)
        if location_id:
            query = query.where(StockLevel.location_id == location_id)
        return query
    base = snapshots.snapshot_for(store_id, at, tz)
    return snapshots.levels_select(store_id, at, base, location_id)


def levels_at(store_id: int, at: datetime | None, location_id: int | None = None
              ) -> dict[tuple[int, int], int]:
    """{(item_id, location_id): level} at ``at`` (None: now, from the materialised levels)."""
    return {(r[0], r[1]): int(r[2]) for r in db.session.execute(levels_query(store_id, at, location_id))}


@dataclass
class Group:
    name: str
    units: int = 0  # base units of `each` items; weighed items are valued but not summed as units
    value_cents: int = 0


@dataclass
class Valuation:
    at: datetime | None
    total_cents: int = 0
    by_category: list[Group] = field(default_factory=list)
    by_location: list[Group] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # item-locations with stock, largest value first


def valuation(f: Filter, at: datetime | None, row_limit: int | None = None) -> Valuation:
    """Totals by category and location, and the item-locations largest value first (the first
    ``row_limit`` of them, or all). Grouped and valued in SQL, rounding per item-location."""
    levels = levels_query(f.store_id, at, f.location_id, f.tz).subquery("levels")
    value = value_sql(levels.c.quantity, Item.cost_cents, Item.measure).label("value_cents")
    units = case((Item.measure == "each", levels.c.quantity), else_=0)

    def joined(query):
        return (query.select_from(levels)
                .join(Item, Item.id == levels.c.item_id).join(Location, Location.id == levels.c.location_id)
                .where(levels.c.quantity != 0, Item.store_id == f.store_id, *item_filters(f)))

    groups = db.session.execute(joined(
        select(Item.category, Location.name, func.sum(units), func.sum(value)))
        .group_by(Item.category, Location.name))
    result = Valuation(at)
    cats: dict[str, Group] = {}
    locs: dict[str, Group] = {}
    for category, location, group_units, group_value in groups:
        group_units, group_value = int(group_units), int(group_value)
        for bucket, name in ((cats, category or "(no category)"), (locs, location)):
            group = bucket.setdefault(name, Group(name))
            group.units += group_units
            group.value_cents += group_value
        result.total_cents += group_value
    rows = joined(select(levels.c.item_id, Item.name, Item.sku, Item.category,
                         Location.name.label("location"), levels.c.quantity, Item.measure, Item.cost_cents,
                         value)).order_by(value.desc(), Item.name, Location.name)
    if row_limit is not None:
        rows = rows.limit(row_limit)
    result.rows = sorted(
        ({"item_id": r.item_id, "item": r.name, "sku": r.sku or "", "category": r.category,
          "location": r.location, "quantity": int(r.quantity), "measure": r.measure,
          "cost_cents": r.cost_cents, "value_cents": int(r.value_cents)} for r in db.session.execute(rows)),
        key=lambda r: (-r["value_cents"], r["item"], r["location"]))
    result.by_category = sorted(cats.values(), key=lambda g: (-g.value_cents, g.name))
    result.by_location = sorted(locs.values(), key=lambda g: (-g.value_cents, g.name))
    return result


def total_value_now(store_id: int) -> int:
    """The store's inventory value now, rounded per item-location exactly as ``valuation``."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(value_sql(StockLevel.quantity, Item.cost_cents, Item.measure)), 0))
        .select_from(StockLevel).join(Item, Item.id == StockLevel.item_id)
        .where(StockLevel.store_id == store_id, StockLevel.quantity != 0)))
