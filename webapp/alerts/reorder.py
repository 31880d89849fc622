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
from sqlalchemy import func, select

from webapp.alerts import hooks
from webapp.alerts.models import ReorderPolicy
from webapp.catalog.models import Item
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory.models import StockEvent, StockLevel
from webapp.reports import calc
from webapp.reports.sql import unindexed
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
    suggestion: calc.ReorderSuggestion
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
    out: dict[int, ReorderInfo] = {}
    for item_id, manual, own_lead, own_safety in items:
        rate = calc.velocity(sold.get(item_id, 0), window)
        safety = own_safety if own_safety is not None else math.ceil(rate * safety_days)
        suggestion = calc.suggest_reorder_point(sold.get(item_id, 0), window,
                                                own_lead if own_lead is not None else lead, safety)
        level = levels.get(item_id, 0)
        out[item_id] = ReorderInfo(
            item_id, level, manual, suggestion, None if own_safety is not None else safety_days,
            calc.effective_reorder_point(manual, suggestion), calc.days_of_cover(level, rate))
    return out


@dataclass(frozen=True, slots=True)
class PolicyChange:
    item_id: int
    manual_point: int | None
    lead_time_days: int | None
    safety_stock: int | None


def set_policy(store_id: int, change: PolicyChange) -> Item:
    """Save an item's manual point and its suggestion inputs; blanks fall back to the defaults."""
    item = db.session.get(Item, change.item_id)
    if item is None or item.store_id != store_id:
        raise DomainError("not_found", f"No item {change.item_id} in your store.", "item_id", status=404)
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
