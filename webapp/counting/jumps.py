"""A count far from the previous count of its place (issue 15): the store's ``CountCheck``
says how far is far (``DEFAULT_JUMP_PERCENT`` without one); such a line waits for a manager.

The previous count is the latest approved count of the item at the place before this one
(the ledger's ``count`` rows; an opening balance is not a count). Far means the two differ by
more than the store's share of the previous one AND by more than its unit tolerance, so that
1 after 2 on a shelf of slow sellers is not news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.auth.models import User
from webapp.catalog.models import Item, Store
from webapp.counting.figures import count_key
from webapp.counting.models import DEFAULT_JUMP_PERCENT, CountCheck
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.quantity import whole_units
from webapp.types import utcnow

FLAG = "far_from_last_count"


@dataclass(frozen=True)
class Previous:
    quantity: int
    at: datetime


def previous_count(item_id: int, location_id: int, at: datetime,
                   line_id: int | None = None) -> Previous | None:
    """The latest approved count of the item at the place at or before ``at``, other than any
    revision of line ``line_id``'s own count."""
    query = select(StockEvent.quantity, StockEvent.occurred_at).where(
        StockEvent.item_id == item_id, StockEvent.location_id == location_id, StockEvent.kind == "count",
        StockEvent.occurred_at <= at)
    if line_id is not None:
        own = count_key(line_id)
        query = query.where(StockEvent.key != own, ~StockEvent.key.startswith(own + ":", autoescape=True))
    query = query.order_by(StockEvent.occurred_at.desc(), StockEvent.key.desc()).limit(1)
    row = db.session.execute(query).first()
    return None if row is None else Previous(row.quantity, row.occurred_at)


def jump_percent(store_id: int) -> int:
    row = db.session.get(CountCheck, store_id)  # the identity map holds it across a submit's lines
    return DEFAULT_JUMP_PERCENT if row is None else row.jump_percent


def set_jump_percent(user: User, percent: int) -> int:
    if not user.has_role("manager"):
        raise DomainError("forbidden", "Only a manager may set how far a count may move.", status=403)
    if not 0 <= percent <= 10_000:
        raise DomainError("bad_field", "Give a share between 0 (no check) and 10000 %.", "jump_percent")
    row = db.session.get(CountCheck, user.store_id) or CountCheck(store_id=user.store_id)
    row.jump_percent, row.updated_by, row.updated_at = percent, user.id, utcnow()
    db.session.add(row)
    db.session.commit()
    return percent


def is_far(counted: int, previous: int, percent: int, tolerance_units: int, measure: str) -> bool:
    gap = abs(counted - previous)
    return percent > 0 and gap > whole_units(tolerance_units, measure) and gap * 100 > percent * abs(previous)


def jump_flags(store: Store, item: Item, location_id: int, counted: int | None, at: datetime,
               line_id: int | None = None) -> list[str]:
    """``[FLAG]`` when ``counted`` is far from the previous count of the item at the place."""
    percent = jump_percent(store.id)
    if counted is None or percent <= 0:
        return []
    previous = previous_count(item.id, location_id, at, line_id)
    if previous is None:
        return []
    return [FLAG] if is_far(counted, previous.quantity, percent, store.tolerance_units, item.measure) else []
