"""The ledger itself: every event for an item or a period, with who, when, device and source."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select

from webapp.auth.models import User
from webapp.catalog.models import Item, Location
from webapp.extensions import db
from webapp.inventory.models import KINDS, StockEvent
from webapp.reports.filters import Filter, item_filters

PAGE = 200


@dataclass
class LedgerPage:
    total: int
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    offset: int = 0


def _query(f: Filter, kind: str | None):
    since, until = f.bounds
    query = (
        select(StockEvent.id, StockEvent.key, StockEvent.kind, StockEvent.quantity, StockEvent.occurred_at,
               StockEvent.recorded_at, StockEvent.device_time, StockEvent.source, StockEvent.device_id,
               StockEvent.note, StockEvent.count_key, Item.id.label("item_id"), Item.name.label("item"),
               Item.measure, Location.name.label("location"), User.username.label("user"))
        .join(Item, Item.id == StockEvent.item_id).join(Location, Location.id == StockEvent.location_id)
        .outerjoin(User, User.id == StockEvent.actor_user_id)
        .where(StockEvent.store_id == f.store_id, StockEvent.occurred_at >= since,
               StockEvent.occurred_at < until, *item_filters(f, Item, StockEvent.location_id)))
    if kind in KINDS:
        query = query.where(StockEvent.kind == kind)
    return query


def _counts(f: Filter, kind: str | None) -> Counter:
    """Events by kind over the filter, from the ledger's (store, kind, time) index alone: the
    items table is joined only when a category asks for it."""
    since, until = f.bounds
    e = StockEvent
    query = (select(e.kind, func.count())
             .where(e.store_id == f.store_id, e.occurred_at >= since, e.occurred_at < until)
             .group_by(e.kind))
    if f.location_id:
        query = query.where(e.location_id == f.location_id)
    if f.item_id:
        query = query.where(e.item_id == f.item_id)
    if f.category:
        query = query.join(Item, Item.id == e.item_id).where(Item.category == f.category)
    if kind in KINDS:
        query = query.where(e.kind == kind)
    return Counter(dict(db.session.execute(query).all()))


def page(f: Filter, kind: str | None = None, offset: int = 0) -> LedgerPage:
    counts = _counts(f, kind)
    rows = db.session.execute(
        _query(f, kind).order_by(StockEvent.occurred_at.desc(), StockEvent.key.desc())
        .limit(PAGE).offset(max(offset, 0)))
    return LedgerPage(sum(counts.values()), sorted(counts.items(), key=lambda kv: -kv[1]),
                      [r._asdict() for r in rows], max(offset, 0))


def all_rows(f: Filter, kind: str | None = None) -> Iterator[dict]:
    """Every matching event, oldest first, streamed for the CSV export."""
    query = _query(f, kind).order_by(StockEvent.occurred_at, StockEvent.key).execution_options(yield_per=2000)
    for row in db.session.execute(query):
        yield row._asdict()
