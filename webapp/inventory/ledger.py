"""Append to the ledger and keep the materialised levels in step, in the caller's transaction.

A ``Ledger`` is a unit of work: ``append`` inserts events idempotently (a second event with
a key already in the ledger is ignored), ``settle`` then updates the level of every
item-location the new events touch, in a fixed order (item, location) so that concurrent
writers lock level rows in the same order and cannot deadlock on them. Settling a stream:

* deltas after the stream's base fold into the level (``merge.apply``);
* a reset that sorts after the base makes the level be recomputed from the ledger (SQL that
  follows ``merge``: the latest reset, plus the deltas after it);
* a new count, or any event that sorts before the base (it arrived late), may change what
  earlier counts expected: the missing adjustments are appended (``merge.corrections``), so
  the adjustments of a count always add up to its current variance.

The level row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer) while
a stream is settled, so two transactions settling one stream take turns.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import TextClause

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory import merge
from webapp.inventory.models import StockEvent, StockLevel
from webapp.types import utcnow

RESETS = tuple(sorted(str(k) for k in merge.RESET_KINDS))
DELTAS = tuple(sorted(str(k) for k in merge.DELTA_KINDS))


@dataclass(frozen=True, slots=True)
class NewEvent:
    key: str
    kind: str
    store_id: int
    item_id: int
    location_id: int
    quantity: int
    occurred_at: datetime
    source: str = "device"
    actor_user_id: int | None = None
    device_id: str | None = None
    device_time: datetime | None = None
    count_key: str | None = None
    note: str | None = None

    def as_merge_event(self) -> merge.Event:
        try:
            return merge.Event(self.key, merge.Kind(self.kind), self.occurred_at, self.quantity,
                               self.item_id, self.location_id, self.count_key)
        except ValueError as exc:
            if isinstance(exc, merge.InvalidEvent):
                raise DomainError(exc.code, exc.message, exc.field) from None
            raise DomainError("unknown_kind", f"No stock event kind {self.kind!r}.", "kind") from None


def insert_for(table):
    """An INSERT that can say ON CONFLICT DO NOTHING on the engine in use."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@functools.cache
def insert_ignoring(table_name: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                    returning: str | None = None) -> TextClause:
    """INSERT ... ON CONFLICT (...) DO NOTHING [RETURNING], as one cached statement.

    The same text runs on SQLite and PostgreSQL. Written as text because SQLAlchemy cannot
    cache the dialects' ``on_conflict_do_nothing`` constructs, and compiling one per event
    cost more than the insert itself; the columns' types still process the values.
    """
    table = db.metadata.tables[table_name]
    for name in (*columns, *conflict, *([returning] if returning else [])):
        table.c[name]  # noqa: B018  (a KeyError unless every name is a column of the table)
    values = ", ".join(":" + c for c in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({values})"  # noqa: S608  (metadata names)
    sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    stmt = text(sql + (f" RETURNING {returning}" if returning else ""))
    stmt = stmt.bindparams(*[bindparam(c, type_=table.c[c].type) for c in columns])
    return stmt.columns(table.c[returning]) if returning else stmt


_EVENT_COLUMNS = ("key", "store_id", "item_id", "location_id", "kind", "quantity", "occurred_at",
                  "recorded_at", "device_time", "source", "actor_user_id", "device_id", "count_key", "note")


class Ledger:
    """Append stock events and settle the levels they change, inside one transaction."""

    def __init__(self, *, actor_user_id: int | None = None, source: str = "system") -> None:
        self.actor_user_id = actor_user_id
        self.source = source
        self._pending: list[tuple[int, merge.Event]] = []

    def mark(self) -> int:
        return len(self._pending)

    def rewind(self, mark: int) -> None:
        """Forget events appended since ``mark`` (their savepoint was rolled back)."""
        del self._pending[mark:]

    def append(self, new: NewEvent) -> bool:
        """Insert one event; False when its key is already in the ledger (nothing changes)."""
        event = new.as_merge_event()
        stmt = insert_ignoring("stock_events", _EVENT_COLUMNS, ("key",), "id")
        row = dict(key=new.key, store_id=new.store_id, item_id=new.item_id, location_id=new.location_id,
                   kind=new.kind, quantity=new.quantity, occurred_at=new.occurred_at, recorded_at=utcnow(),
                   device_time=new.device_time, source=new.source, actor_user_id=new.actor_user_id,
                   device_id=new.device_id, count_key=new.count_key, note=new.note)
        if db.session.execute(stmt, row).first() is None:
            return False
        self._pending.append((new.store_id, event))
        return True

    def settle(self) -> None:
        streams: dict[tuple[int, int], list[merge.Event]] = defaultdict(list)
        stores: dict[tuple[int, int], int] = {}
        for store_id, event in self._pending:
            streams[event.stream].append(event)
            stores[event.stream] = store_id
        self._pending.clear()
        for stream in sorted(streams):
            self._settle_stream(stream, stores[stream], streams[stream])

    def _settle_stream(self, stream: tuple[int, int], store_id: int, new: list[merge.Event]) -> None:
        row = _locked_level(stream, store_id)
        level: merge.Level | None = merge.Level(row.quantity, row.base_at, row.base_key or "",
                                                row.base_quantity)
        late = any(
            e.kind is merge.Kind.COUNT
            or (e.is_delta and not level.after_base(e.occurred_at))
            or (e.is_reset and not level.sorts_after_base(e))
            for e in new
        )
        for event in sorted(new, key=lambda e: e.order):
            level = merge.apply(level, event)
            if level is None:
                break
        if level is None:
            level = stream_level(*stream)
        row.quantity, row.base_at, row.base_key = level.quantity, level.base_at, level.base_key or None
        row.base_quantity = level.base_quantity
        row.updated_at = utcnow()
        if late:
            self._correct(stream, store_id, since=min(e.occurred_at for e in new))

    def _correct(self, stream: tuple[int, int], store_id: int, since: datetime) -> None:
        """Append the adjustments that counts at or after ``since`` still miss."""
        item_id, location_id = stream
        start = _base_row(stream, before=since)
        query = select(StockEvent.key, StockEvent.kind, StockEvent.occurred_at, StockEvent.quantity,
                       StockEvent.count_key).where(
            StockEvent.item_id == item_id, StockEvent.location_id == location_id)
        if start is not None:
            query = query.where(StockEvent.occurred_at >= start.occurred_at)
        events = [merge.Event(r.key, merge.Kind(r.kind), r.occurred_at, r.quantity, item_id, location_id,
                              r.count_key) for r in db.session.execute(query)]
        counts = {e.key: e for e in events if e.kind is merge.Kind.COUNT and e.occurred_at >= since}
        needed = {k: q for k, q in merge.corrections(events).items() if k in counts}
        if not needed:
            return
        made = Counter(e.count_key for e in events if e.kind is merge.Kind.ADJUSTMENT)
        for count_key, quantity in sorted(needed.items()):
            first = made[count_key] == 0
            db.session.execute(insert_ignoring("stock_events", _EVENT_COLUMNS, ("key",)), dict(
                key=f"adj:{count_key}:{made[count_key] + 1}", store_id=store_id, item_id=item_id,
                location_id=location_id, kind="adjustment", quantity=quantity,
                occurred_at=counts[count_key].occurred_at, recorded_at=utcnow(), device_time=None,
                source=self.source, actor_user_id=self.actor_user_id, device_id=None, count_key=count_key,
                note="variance at approval" if first else "correction: a late event moved what it expected",
            ))


def _locked_level(stream: tuple[int, int], store_id: int) -> StockLevel:
    item_id, location_id = stream
    query = (select(StockLevel).where(StockLevel.item_id == item_id, StockLevel.location_id == location_id)
             .with_for_update().execution_options(populate_existing=True))
    row = db.session.execute(query).scalar_one_or_none()
    if row is None:
        columns = ("item_id", "location_id", "store_id", "quantity", "base_quantity", "updated_at")
        db.session.execute(insert_ignoring("stock_levels", columns, ("item_id", "location_id")), dict(
            item_id=item_id, location_id=location_id, store_id=store_id, quantity=0, base_quantity=0,
            updated_at=utcnow()))
        row = db.session.execute(query).scalar_one()
    return row


def _base_row(stream: tuple[int, int], *, at: datetime | None = None, before: datetime | None = None):
    """The latest reset at or before ``at`` (or strictly before ``before``), or None."""
    item_id, location_id = stream
    query = select(StockEvent.occurred_at, StockEvent.key, StockEvent.quantity).where(
        StockEvent.item_id == item_id, StockEvent.location_id == location_id, StockEvent.kind.in_(RESETS))
    if at is not None:
        query = query.where(StockEvent.occurred_at <= at)
    if before is not None:
        query = query.where(StockEvent.occurred_at < before)
    query = query.order_by(StockEvent.occurred_at.desc(), StockEvent.key.desc()).limit(1)
    return db.session.execute(query).first()


def stream_level(item_id: int, location_id: int, at: datetime | None = None) -> merge.Level:
    """The merge rule in SQL: the latest reset at or before ``at`` plus the deltas after it."""
    base = _base_row((item_id, location_id), at=at)
    query = select(func.coalesce(func.sum(StockEvent.quantity), 0)).where(
        StockEvent.item_id == item_id, StockEvent.location_id == location_id, StockEvent.kind.in_(DELTAS))
    if base is not None:
        query = query.where(StockEvent.occurred_at > base.occurred_at)
    if at is not None:
        query = query.where(StockEvent.occurred_at <= at)
    deltas = int(db.session.execute(query).scalar_one())
    if base is None:
        return merge.Level(deltas)
    return merge.Level(base.quantity + deltas, base.occurred_at, base.key, base.quantity)


def level_at(item_id: int, location_id: int, at: datetime) -> int:
    return stream_level(item_id, location_id, at).quantity


def levels_for_item(item_id: int) -> dict[int, int]:
    """The materialised level of one item per location id."""
    rows = db.session.execute(
        select(StockLevel.location_id, StockLevel.quantity).where(StockLevel.item_id == item_id))
    return {r.location_id: r.quantity for r in rows}


def history(item_id: int, location_id: int | None = None, limit: int = 50) -> list[StockEvent]:
    query = select(StockEvent).where(StockEvent.item_id == item_id)
    if location_id is not None:
        query = query.where(StockEvent.location_id == location_id)
    query = query.order_by(StockEvent.occurred_at.desc(), StockEvent.key.desc()).limit(limit)
    return list(db.session.scalars(query))


def sales_between(item_id: int, location_id: int, start: datetime, end: datetime) -> list[merge.Event]:
    rows = db.session.execute(
        select(StockEvent.key, StockEvent.occurred_at, StockEvent.quantity).where(
            StockEvent.item_id == item_id, StockEvent.location_id == location_id,
            StockEvent.kind == "sale", StockEvent.occurred_at >= start, StockEvent.occurred_at <= end))
    return [merge.Event(r.key, merge.Kind.SALE, r.occurred_at, r.quantity, item_id, location_id)
            for r in rows]


def rebuild_levels(store_id: int | None = None) -> int:
    """Recompute every materialised level from the ledger (repair, import, benchmarks)."""
    ranked = select(
        StockEvent.item_id, StockEvent.location_id, StockEvent.occurred_at, StockEvent.key,
        StockEvent.quantity,
        func.row_number().over(partition_by=(StockEvent.item_id, StockEvent.location_id),
                               order_by=(StockEvent.occurred_at.desc(), StockEvent.key.desc())).label("rn"),
    ).where(StockEvent.kind.in_(RESETS))
    if store_id is not None:
        ranked = ranked.where(StockEvent.store_id == store_id)
    ranked = ranked.subquery()
    bases = select(ranked).where(ranked.c.rn == 1).subquery()
    deltas = (
        select(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id,
               func.sum(StockEvent.quantity).label("total"))
        .outerjoin(bases, (bases.c.item_id == StockEvent.item_id)
                   & (bases.c.location_id == StockEvent.location_id))
        .where(StockEvent.kind.in_(DELTAS),
               or_(bases.c.occurred_at.is_(None), StockEvent.occurred_at > bases.c.occurred_at))
        .group_by(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id)
    )
    if store_id is not None:
        deltas = deltas.where(StockEvent.store_id == store_id)
    streams = select(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id).distinct()
    if store_id is not None:
        streams = streams.where(StockEvent.store_id == store_id)
    found = {(r.item_id, r.location_id): [r.store_id, 0, None, None, 0] for r in db.session.execute(streams)}
    for r in db.session.execute(select(bases)):
        found[(r.item_id, r.location_id)][1:] = [r.quantity, r.occurred_at, r.key, r.quantity]
    for r in db.session.execute(deltas):
        found[(r.item_id, r.location_id)][1] += int(r.total)
    delete = StockLevel.__table__.delete()
    if store_id is not None:
        delete = delete.where(StockLevel.store_id == store_id)
    db.session.execute(delete)
    now = utcnow()
    rows = [dict(item_id=i, location_id=loc, store_id=s, quantity=q, base_at=at, base_key=k,
                 base_quantity=bq, updated_at=now) for (i, loc), (s, q, at, k, bq) in found.items()]
    for chunk in range(0, len(rows), 5000):
        db.session.execute(StockLevel.__table__.insert(), rows[chunk:chunk + 5000])
    return len(rows)
