"""Reorder points: the manual number, or one suggested from Clover sales velocity.

suggested = ceil(units sold per day over the window x lead time) + safety stock, where the
safety stock is the item's own number of units or, by default, ``REORDER_SAFETY_DAYS`` of
sales. Every figure that went into it is returned so the item page can show its working.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from flask import current_app
from sqlalchemy import BigInteger, case, cast, func, literal, select, union_all

from webapp.alerts import hooks, rules
from webapp.alerts.models import ReorderPolicy
from webapp.catalog.models import Item
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory.models import StockEvent, StockLevel
from webapp.inventory.sql import unindexed
from webapp.loaders import load_in_store
from webapp.types import utcnow

DEFAULTS = {"REORDER_WINDOW_DAYS": 28, "REORDER_LEAD_TIME_DAYS": 7, "REORDER_SAFETY_DAYS": 2}


def setting(name: str) -> int:
    """App config, else the environment, else the default above."""
    if name in current_app.config:
        return int(current_app.config[name])
    return int(os.environ.get(name) or DEFAULTS[name])


@dataclass(frozen=True, slots=True)
class ReorderInfo:
    item_id: int
    level: int
    manual: int | None
    suggestion: rules.ReorderSuggestion
    safety_from_days: int | None  # the safety days behind a default safety stock, to show
    point: int | None
    cover_days: Fraction | None

    @property
    def low(self) -> bool:
        return self.point is not None and self.level <= self.point


def _in(column, ids: list[int] | None):
    return column.in_(ids) if ids is not None else True


def store_levels(store_id: int, item_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Each item's level in the store: the sum over its locations of the materialised levels."""
    ids = sorted(set(item_ids)) if item_ids is not None else None
    rows = db.session.execute(
        select(StockLevel.item_id, func.sum(StockLevel.quantity))
        .where(StockLevel.store_id == store_id, _in(StockLevel.item_id, ids))
        .group_by(StockLevel.item_id))
    return {item_id: int(total) for item_id, total in rows}


def units_sold(store_id: int, since: datetime, until: datetime,
               item_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Net units sold (sales less refunds) per item with occurred_at in [since, until)."""
    ids = sorted(set(item_ids)) if item_ids is not None else None
    item = unindexed(StockEvent.item_id)
    rows = db.session.execute(
        select(item, func.sum(StockEvent.quantity))
        .where(StockEvent.store_id == store_id, StockEvent.kind.in_(("sale", "refund")),
               StockEvent.occurred_at >= since, StockEvent.occurred_at < until,
               _in(StockEvent.item_id, ids))
        .group_by(item))
    return {item_id: -int(total) for item_id, total in rows}


def reorder_infos(store_id: int, item_ids: Iterable[int] | None = None, *, now: datetime | None = None
                  ) -> dict[int, ReorderInfo]:
    """Levels, suggestions and effective points of the given items (all active items when None)."""
    now = now or utcnow()
    ids = sorted(set(item_ids)) if item_ids is not None else None
    window, lead, safety_days = (setting("REORDER_WINDOW_DAYS"), setting("REORDER_LEAD_TIME_DAYS"),
                                 setting("REORDER_SAFETY_DAYS"))
    items = db.session.execute(
        select(Item.id, Item.reorder_point, ReorderPolicy.lead_time_days, ReorderPolicy.safety_stock)
        .outerjoin(ReorderPolicy, ReorderPolicy.item_id == Item.id)
        .where(Item.store_id == store_id, _in(Item.id, ids) if ids is not None else Item.active))
    levels = store_levels(store_id, ids)
    sold = units_sold(store_id, now - timedelta(days=window), now, ids)
    return {item_id: _info(item_id, levels.get(item_id, 0), manual, sold.get(item_id, 0), own_lead,
                           own_safety, window, lead, safety_days)
            for item_id, manual, own_lead, own_safety in items}


def _info(item_id: int, level: int, manual: int | None, sold: int, own_lead: int | None,
          own_safety: int | None, window: int, lead: int, safety_days: int) -> ReorderInfo:
    rate = rules.velocity(sold, window)
    safety = own_safety if own_safety is not None else math.ceil(rate * safety_days)
    suggestion = rules.suggest_reorder_point(sold, window, own_lead if own_lead is not None else lead, safety)
    return ReorderInfo(item_id, level, manual, suggestion, None if own_safety is not None else safety_days,
                       rules.effective_reorder_point(manual, suggestion), rules.days_of_cover(level, rate))


def low_infos(store_id: int, *, now: datetime | None = None) -> list[ReorderInfo]:
    """The active items at or below their effective point, shortest cover first (no recent
    sales last), worked out like ``reorder_infos`` but with the point computed in SQL so only
    the low items come back to Python: one query, whatever the size of the catalogue."""
    now = now or utcnow()
    window, lead, safety_days = (setting("REORDER_WINDOW_DAYS"), setting("REORDER_LEAD_TIME_DAYS"),
                                 setting("REORDER_SAFETY_DAYS"))
    # Each active item's store level and net sales in the window, from one grouped UNION ALL
    # that the items are then looked up from by key (a LEFT JOIN onto grouped subqueries
    # lets SQLite rescan one of them per item).
    item = unindexed(StockEvent.item_id)
    zero = literal(0)
    parts = union_all(
        select(Item.id.label("item_id"), zero.label("level"), zero.label("sold"))
        .where(Item.store_id == store_id, Item.active),
        select(StockLevel.item_id, StockLevel.quantity, zero).where(StockLevel.store_id == store_id),
        select(item, zero, -func.sum(StockEvent.quantity))
        .where(StockEvent.store_id == store_id, StockEvent.kind.in_(("sale", "refund")),
               StockEvent.occurred_at >= now - timedelta(days=window), StockEvent.occurred_at < now)
        .group_by(item)).subquery("parts")
    # BIGINT: PostgreSQL sums BIGINTs as NUMERIC, whose / would not be integer division.
    per_item = (select(parts.c.item_id, cast(func.sum(parts.c.level), BigInteger).label("level"),
                       cast(func.sum(parts.c.sold), BigInteger).label("sold"))
                .group_by(parts.c.item_id).subquery("per_item"))
    net = per_item.c.sold
    selling = case((net > 0, net), else_=0)  # a net return sells nothing

    def ceil_per_window(units):  # ceil(units / window) for units >= 0; // is integer division
        return (units + (window - 1)) // window

    safety = func.coalesce(ReorderPolicy.safety_stock, ceil_per_window(selling * safety_days))
    lead_time = func.coalesce(ReorderPolicy.lead_time_days, lead)
    suggested = case((selling > 0, ceil_per_window(selling * lead_time) + safety), else_=None)
    point = func.coalesce(Item.reorder_point, suggested)
    level = per_item.c.level
    rows = db.session.execute(
        select(Item.id, level, Item.reorder_point, net, ReorderPolicy.lead_time_days,
               ReorderPolicy.safety_stock)
        .select_from(per_item).join(Item, Item.id == per_item.c.item_id)
        .outerjoin(ReorderPolicy, ReorderPolicy.item_id == Item.id)
        .where(Item.store_id == store_id, Item.active, point.is_not(None), level <= point))
    infos = [_info(item_id, int(lvl), manual, int(units), own_lead, own_safety, window, lead, safety_days)
             for item_id, lvl, manual, units, own_lead, own_safety in rows]
    low = [i for i in infos if i.low]  # the SQL only narrowed the list; the rule is rules.py's
    return sorted(low, key=lambda i: (i.cover_days if i.cover_days is not None else 10**9, i.item_id))


@dataclass(frozen=True, slots=True)
class PolicyChange:
    item_id: int
    manual_point: int | None
    lead_time_days: int | None
    safety_stock: int | None


def set_policy(store_id: int, change: PolicyChange) -> Item:
    """Save an item's manual point and its suggestion inputs; blanks fall back to the defaults."""
    item = load_in_store(Item, change.item_id, store_id, DomainError(
        "not_found", f"No item {change.item_id} in your store.", "item_id", status=404))
    for field in ("manual_point", "lead_time_days", "safety_stock"):
        value = getattr(change, field)
        if value is not None and value < 0:
            raise DomainError("negative", "Use zero or more.", field)
    item.reorder_point = change.manual_point
    policy = db.session.get(ReorderPolicy, item.id) or ReorderPolicy(item_id=item.id, store_id=store_id)
    policy.lead_time_days, policy.safety_stock = change.lead_time_days, change.safety_stock
    db.session.add(policy)
    hooks.touch(db.session, store_id, [item.id])  # a new point can put the item above or below it
    db.session.commit()
    return item


def policy_for(item_id: int) -> ReorderPolicy | None:
    return db.session.get(ReorderPolicy, item_id)
