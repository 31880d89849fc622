"""Inventory value: quantity x cost by category and location, now or at any past instant.

Now is read from the materialised levels. A past instant follows the merge rule in SQL for
every item-location at once (the ledger's ``level_at`` does the same for one stream, and a
test holds the two together): the latest reset at or before t, by (occurred_at, key), plus
the deltas after it up to t. Value uses each item's current cost: the product keeps no cost
history, and the page says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from webapp.catalog.models import Item, Location
from webapp.extensions import db
from webapp.inventory.ledger import DELTAS, RESETS
from webapp.inventory.models import StockEvent, StockLevel
from webapp.reports import calc
from webapp.reports.filters import Filter, item_filters
from webapp.reports.sql import unindexed


def levels_at(store_id: int, at: datetime | None, location_id: int | None = None
              ) -> dict[tuple[int, int], int]:
    """{(item_id, location_id): level} at ``at`` (None: now, from the materialised levels)."""
    if at is None:
        query = select(StockLevel.item_id, StockLevel.location_id, StockLevel.quantity).where(
            StockLevel.store_id == store_id)
        if location_id:
            query = query.where(StockLevel.location_id == location_id)
        return {(r[0], r[1]): r[2] for r in db.session.execute(query)}
    scope = [StockEvent.store_id == store_id, StockEvent.occurred_at <= at]
    if location_id:
        scope.append(StockEvent.location_id == location_id)
    # The base of each stream: its latest reset at or before t. MAX(occurred_at) per stream, then
    # the largest key among resets at exactly that instant (the merge rule's tie-break).
    item, location = unindexed(StockEvent.item_id), unindexed(StockEvent.location_id)
    latest = (select(item.label("item_id"), location.label("location_id"),
                     func.max(StockEvent.occurred_at).label("at"))
              .where(StockEvent.kind.in_(RESETS), *scope)
              .group_by(item, location).subquery())
    same_stream = and_(latest.c.item_id == StockEvent.item_id, latest.c.location_id == StockEvent.location_id)
    resets = db.session.execute(
        select(StockEvent.item_id, StockEvent.location_id, StockEvent.occurred_at, StockEvent.key,
               StockEvent.quantity)
        .join(latest, and_(same_stream, latest.c.at == StockEvent.occurred_at))
        .where(StockEvent.kind.in_(RESETS), StockEvent.store_id == store_id))
    bases: dict[tuple[int, int], tuple[str, int]] = {}
    for item_id, loc_id, _, key, quantity in resets:
        if (item_id, loc_id) not in bases or key > bases[(item_id, loc_id)][0]:
            bases[(item_id, loc_id)] = (key, quantity)
    # Deltas after the base up to t; the stream index (item, location, occurred_at) serves the join.
    after_base = db.session.execute(
        select(StockEvent.item_id, StockEvent.location_id, func.sum(StockEvent.quantity))
        .join(latest, and_(same_stream, StockEvent.occurred_at > latest.c.at))
        .where(StockEvent.kind.in_(DELTAS), *scope)
        .group_by(StockEvent.item_id, StockEvent.location_id))
    levels = {stream: quantity for stream, (_, quantity) in bases.items()}
    for item_id, loc_id, total in after_base:
        levels[(item_id, loc_id)] += int(total)
    # Streams with no reset yet at t (rare: items never counted nor opened) add up every delta.
    known = select(StockLevel.item_id, StockLevel.location_id).where(StockLevel.store_id == store_id)
    if location_id:
        known = known.where(StockLevel.location_id == location_id)
    baseless = sorted(set(db.session.execute(known).tuples()) - set(bases))
    for chunk in range(0, len(baseless), 500):
        part = baseless[chunk:chunk + 500]
        rows = db.session.execute(
            select(StockEvent.item_id, StockEvent.location_id, func.sum(StockEvent.quantity))
            .where(StockEvent.kind.in_(DELTAS), *scope,
                   or_(*(and_(StockEvent.item_id == i, StockEvent.location_id == loc) for i, loc in part)))
            .group_by(StockEvent.item_id, StockEvent.location_id))
        for item_id, loc_id, total in rows:
            levels[(item_id, loc_id)] = int(total)
    return levels


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


def valuation(f: Filter, at: datetime | None) -> Valuation:
    levels = levels_at(f.store_id, at, f.location_id)
    items = {r.id: r for r in db.session.execute(
        select(Item.id, Item.name, Item.sku, Item.category, Item.cost_cents, Item.measure)
        .where(Item.store_id == f.store_id, *item_filters(f)))}
    locations = dict(db.session.execute(select(Location.id, Location.name).where(
        Location.store_id == f.store_id)).all())
    result = Valuation(at)
    cats: dict[str, Group] = defaultdict(lambda: Group(""))
    locs: dict[str, Group] = defaultdict(lambda: Group(""))
    for (item_id, loc_id), quantity in levels.items():
        item = items.get(item_id)
        if item is None or quantity == 0:
            continue
        value = calc.value_cents(quantity, item.cost_cents, item.measure)
        units = quantity if item.measure == "each" else 0
        for bucket, name in ((cats, item.category or "(no category)"), (locs, locations.get(loc_id, "?"))):
            bucket[name].name = name
            bucket[name].units += units
            bucket[name].value_cents += value
        result.total_cents += value
        result.rows.append({"item_id": item_id, "item": item.name, "sku": item.sku or "",
                            "category": item.category, "location": locations.get(loc_id, "?"),
                            "quantity": quantity, "measure": item.measure, "cost_cents": item.cost_cents,
                            "value_cents": value})
    result.by_category = sorted(cats.values(), key=lambda g: (-g.value_cents, g.name))
    result.by_location = sorted(locs.values(), key=lambda g: (-g.value_cents, g.name))
    result.rows.sort(key=lambda r: (-r["value_cents"], r["item"], r["location"]))
    return result


def total_value_now(store_id: int) -> int:
    """The store's inventory value now, rounded per item-location exactly as ``valuation``."""
    rows = db.session.execute(
        select(StockLevel.quantity, Item.cost_cents, Item.measure)
        .join(Item, Item.id == StockLevel.item_id)
        .where(StockLevel.store_id == store_id, StockLevel.quantity != 0))
    return sum(calc.value_cents(q, cost, measure) for q, cost, measure in rows)
