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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, func, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import TextClause

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory import merge
from webapp.inventory.models import StockEvent, StockLevel
from webapp.types import UTCDateTime, utcnow

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


def insert_many_ignoring(table_name: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                         rows: list[dict], *, returning: str | tuple[str, ...] | None = None,
                         chunk: int = 500) -> list:
    """INSERT many rows ... ON CONFLICT DO NOTHING [RETURNING], a few statements in all.

    Returns, for the rows inserted (not those whose conflict key existed), the ``returning``
    column's values, or rows of the columns when ``returning`` is a tuple. On PostgreSQL the
    rows travel as one array per column (``unnest``): a VALUES list with thousands of named
    parameters costs psycopg more to convert than the server takes to insert them. SQLite
    gets multi-row VALUES of at most ``chunk`` rows (its parameter limit), a power of two each.
    """
    if not rows:
        return []
    names = (returning,) if isinstance(returning, str) else (returning or ())
    dialect = db.session.get_bind().dialect
    results = []
    chunk = 1 << (chunk.bit_length() - 1)
    if dialect.name == "postgresql":
        table = db.metadata.tables[table_name]
        stmt = _unnest_insert(table_name, columns, conflict, names)
        for start in range(0, len(rows), 5000):
            part = rows[start:start + 5000]
            params = {}
            for c in columns:
                process = table.c[c].type.bind_processor(dialect)
                values = [row[c] for row in part]
                params[c] = [process(v) for v in values] if process else values
            results.append(db.session.execute(stmt, params))
    else:
        start = 0
        while start < len(rows):
            # Statements of 2**k rows only: each size is compiled once and then cached, where
            # one statement per batch size would compile thousands of parameters every time.
            size = min(chunk, 1 << ((len(rows) - start).bit_length() - 1))
            part = rows[start:start + size]
            start += size
            stmt = _multi_insert(table_name, columns, conflict, names, size)
            results.append(db.session.execute(stmt, {f"{c}_{i}": row[c] for i, row in enumerate(part)
                                                     for c in columns}))
    out: list = []
    for result in results if names else ():
        out.extend(result.scalars() if isinstance(returning, str) else (tuple(r) for r in result))
    return out


@functools.lru_cache(maxsize=512)
def _multi_insert(table_name: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                  returning: tuple[str, ...], n: int) -> TextClause:
    table = db.metadata.tables[table_name]
    values = ", ".join("(" + ", ".join(f":{c}_{i}" for c in columns) + ")" for i in range(n))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {values}"  # noqa: S608  (metadata names)
    sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    stmt = text(sql + (f" RETURNING {', '.join(returning)}" if returning else ""))
    stmt = stmt.bindparams(*[bindparam(f"{c}_{i}", type_=table.c[c].type) for i in range(n) for c in columns])
    return stmt.columns(*[table.c[r] for r in returning]) if returning else stmt


@functools.lru_cache(maxsize=64)
def _unnest_insert(table_name: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                   returning: tuple[str, ...]) -> TextClause:
    table = db.metadata.tables[table_name]
    dialect = postgresql.dialect()
    arrays = ", ".join(f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect)}[])" for c in columns)
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"  # noqa: S608
           f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING")
    stmt = text(sql + (f" RETURNING {', '.join(returning)}" if returning else ""))
    return stmt.columns(*[table.c[r] for r in returning]) if returning else stmt


_EVENT_COLUMNS = ("key", "store_id", "item_id", "location_id", "kind", "quantity", "occurred_at",
                  "recorded_at", "device_time", "source", "actor_user_id", "device_id", "count_key", "note")


def _row(new: NewEvent) -> dict:
    return dict(key=new.key, store_id=new.store_id, item_id=new.item_id, location_id=new.location_id,
                kind=new.kind, quantity=new.quantity, occurred_at=new.occurred_at, recorded_at=utcnow(),
                device_time=new.device_time, source=new.source, actor_user_id=new.actor_user_id,
                device_id=new.device_id, count_key=new.count_key, note=new.note)


# Called after a settle with (store id, item ids whose level changed); the alerts capability
# listens here, so the ledger need not know about alerts.
LEVEL_LISTENERS: list[Callable[[int, set[int]], None]] = []


class Ledger:
    """Append stock events and settle the levels they change, inside one transaction.

    ``append`` inserts at once and says whether the key was new; ``stage`` defers the insert
    to the next ``flush`` (or ``settle``), which writes every staged event in a few multi-row
    statements: the sync API's bulk handlers stage, one-off writers may append.
    """

    def __init__(self, *, actor_user_id: int | None = None, source: str = "system") -> None:
        self.actor_user_id = actor_user_id
        self.source = source
        self._pending: list[tuple[int, merge.Event]] = []
        self._staged: list[tuple[int, merge.Event, dict]] = []

    def mark(self) -> tuple[int, int]:
        return (len(self._pending), len(self._staged))

    def has_work(self) -> bool:
        return bool(self._pending or self._staged)

    def rewind(self, mark: tuple[int, int]) -> None:
        """Forget events appended or staged since ``mark`` (their savepoint was rolled back)."""
        del self._pending[mark[0]:]
        del self._staged[mark[1]:]

    def append(self, new: NewEvent) -> bool:
        """Insert one event; False when its key is already in the ledger (nothing changes)."""
        event = new.as_merge_event()
        stmt = insert_ignoring("stock_events", _EVENT_COLUMNS, ("key",), "id")
        if db.session.execute(stmt, _row(new)).first() is None:
            return False
        self._pending.append((new.store_id, event))
        return True

    def stage(self, new: NewEvent) -> None:
        """Check one event now and insert it at the next flush (a key already in the ledger is
        then ignored, as ``append`` would)."""
        self._staged.append((new.store_id, new.as_merge_event(), _row(new)))

    def flush(self) -> int:
        """Insert the staged events; how many were new."""
        if not self._staged:
            return 0
        staged, self._staged = self._staged, []
        inserted = set(insert_many_ignoring("stock_events", _EVENT_COLUMNS, ("key",),
                                            [row for _, _, row in staged], returning="key"))
        for store_id, event, _ in staged:
            if event.key in inserted:
                self._pending.append((store_id, event))
                inserted.discard(event.key)  # the same key staged twice counts once
        return len(self._pending)

    def settle(self) -> None:
        self.flush()
        streams: dict[tuple[int, int], list[merge.Event]] = defaultdict(list)
        stores: dict[tuple[int, int], int] = {}
        for store_id, event in self._pending:
            streams[event.stream].append(event)
            stores[event.stream] = store_id
        self._pending.clear()
        if not streams:
            return
        rows = _locked_levels(sorted(streams), stores)
        updates, late = [], []
        for stream in sorted(streams):
            new = streams[stream]
            old = rows[stream]
            level: merge.Level | None = old
            if any(e.kind is merge.Kind.COUNT
                   or (e.is_delta and not old.after_base(e.occurred_at))
                   or (e.is_reset and not old.sorts_after_base(e)) for e in new):
                late.append((stream, min(e.occurred_at for e in new)))
            for event in sorted(new, key=lambda e: e.order):
                level = merge.apply(level, event)
                if level is None:
                    break
            if level is None:
                level = stream_level(*stream)
            if level != old:
                updates.append(dict(i=stream[0], l=stream[1], q=level.quantity, at=level.base_at,
                                    k=level.base_key or None, bq=level.base_quantity, now=utcnow()))
        if updates and db.session.get_bind().dialect.name == "postgresql":
            # One statement with a column per array, where executemany sends a row at a time.
            arrays = {name: [u[name] for u in updates] for name in ("i", "l", "q", "at", "k", "bq")}
            db.session.execute(_UPDATE_LEVELS_PG, {**arrays, "now": utcnow()})
        elif updates:
            db.session.execute(_UPDATE_LEVEL, updates)
            for row in updates:  # a StockLevel the session holds must not show the old figure
                held = db.session.identity_map.get(identity_key(StockLevel, (row["i"], row["l"])))
                if held is not None:
                    db.session.expire(held)
        for stream, since in late:
            self._correct(stream, stores[stream], since=since)
        changed: dict[int, set[int]] = defaultdict(set)
        for row in updates:
            changed[stores[(row["i"], row["l"])]].add(row["i"])
        for store_id, item_ids in sorted(changed.items()):
            for listener in LEVEL_LISTENERS:
                listener(store_id, item_ids)

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


_UPDATE_LEVEL = text(
    "UPDATE stock_levels SET quantity = :q, base_at = :at, base_key = :k, base_quantity = :bq,"
    " updated_at = :now WHERE item_id = :i AND location_id = :l"
).bindparams(bindparam("at", type_=StockLevel.__table__.c.base_at.type),
             bindparam("now", type_=StockLevel.__table__.c.updated_at.type))


_UPDATE_LEVELS_PG = text(
    "UPDATE stock_levels AS s SET quantity = u.q, base_at = u.at, base_key = u.k, base_quantity = u.bq,"
    " updated_at = :now FROM unnest(CAST(:i AS integer[]), CAST(:l AS integer[]), CAST(:q AS integer[]),"
    " CAST(:at AS timestamptz[]), CAST(:k AS varchar[]), CAST(:bq AS integer[])) AS u(i, l, q, at, k, bq)"
    " WHERE s.item_id = u.i AND s.location_id = u.l"
).bindparams(bindparam("now", type_=StockLevel.__table__.c.updated_at.type))


def _locked_levels(streams: list[tuple[int, int]], stores: dict[tuple[int, int], int]) -> dict:
    """The current level of each stream, its row created if missing, locked (PostgreSQL
    FOR UPDATE, in (item, location) order; SQLite has one writer) for the transaction."""
    found: dict[tuple[int, int], merge.Level] = {}
    for chunk in range(0, len(streams), 500):
        found.update(_select_levels(streams[chunk:chunk + 500]))
    missing = [s for s in streams if s not in found]
    if missing:
        now = utcnow()
        columns = ("item_id", "location_id", "store_id", "quantity", "base_quantity", "updated_at")
        insert_many_ignoring("stock_levels", columns, ("item_id", "location_id"), [
            dict(item_id=i, location_id=loc, store_id=stores[(i, loc)], quantity=0, base_quantity=0,
                 updated_at=now) for i, loc in missing])
        for chunk in range(0, len(missing), 500):
            found.update(_select_levels(missing[chunk:chunk + 500]))
    return found


def _select_levels(streams: list[tuple[int, int]]) -> dict[tuple[int, int], merge.Level]:
    t = StockLevel.__table__
    columns = (t.c.item_id, t.c.location_id, t.c.quantity, t.c.base_at, t.c.base_key, t.c.base_quantity)
    if db.session.get_bind().dialect.name == "postgresql":
        # Two arrays rather than 2 x 500 parameters, which psycopg is slow to convert.
        wanted = text("SELECT * FROM unnest(CAST(:items AS integer[]), CAST(:places AS integer[]))"
                      " AS w(item_id, location_id)"
                      ).columns(item_id=Integer, location_id=Integer).subquery("wanted")
        query = (select(*columns).join(wanted, (wanted.c.item_id == t.c.item_id)
                                       & (wanted.c.location_id == t.c.location_id))
                 .order_by(t.c.item_id, t.c.location_id).with_for_update(of=t))
        params = {"items": [i for i, _ in streams], "places": [loc for _, loc in streams]}
    else:
        query = (select(*columns).where(tuple_(t.c.item_id, t.c.location_id).in_(streams))
                 .order_by(t.c.item_id, t.c.location_id))
        params = {}
    return {(r.item_id, r.location_id): merge.Level(r.quantity, r.base_at, r.base_key or "", r.base_quantity)
            for r in db.session.execute(query, params)}


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
    """Recompute every materialised level from the ledger (repair, import, benchmarks).

    The merge rule in three set-based statements: the latest reset of each stream goes into
    a temporary table with an index (a derived table joined to a million events made
    SQLite scan it once per event), then the deltas after each stream's base are summed.
    """
    ranked = select(
        StockEvent.item_id, StockEvent.location_id, StockEvent.occurred_at, StockEvent.key,
        StockEvent.quantity,
        func.row_number().over(partition_by=(StockEvent.item_id, StockEvent.location_id),
                               order_by=(StockEvent.occurred_at.desc(), StockEvent.key.desc())).label("rn"),
    ).where(StockEvent.kind.in_(RESETS))
    if store_id is not None:
        ranked = ranked.where(StockEvent.store_id == store_id)
    ranked = ranked.subquery()
    bases = select(ranked.c.item_id, ranked.c.location_id, ranked.c.occurred_at, ranked.c.key,
                   ranked.c.quantity).where(ranked.c.rn == 1)
    bind = db.session.get_bind()
    db.session.execute(text("DROP TABLE IF EXISTS rebuild_bases"))
    db.session.execute(text("CREATE TEMPORARY TABLE rebuild_bases AS "
                            + str(bases.compile(bind, compile_kwargs={"literal_binds": True}))))
    db.session.execute(text("CREATE INDEX ix_rebuild_bases ON rebuild_bases (item_id, location_id)"))
    temp = Table("rebuild_bases", MetaData(), Column("item_id", Integer), Column("location_id", Integer),
                 Column("occurred_at", UTCDateTime), Column("key", String), Column("quantity", Integer))
    deltas = (
        select(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id,
               func.sum(StockEvent.quantity).label("total"))
        .outerjoin(temp, (temp.c.item_id == StockEvent.item_id)
                   & (temp.c.location_id == StockEvent.location_id))
        .where(StockEvent.kind.in_(DELTAS),
               or_(temp.c.occurred_at.is_(None), StockEvent.occurred_at > temp.c.occurred_at))
        .group_by(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id)
    )
    if store_id is not None:
        deltas = deltas.where(StockEvent.store_id == store_id)
    streams = select(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id).distinct()
    if store_id is not None:
        streams = streams.where(StockEvent.store_id == store_id)
    found = {(r.item_id, r.location_id): [r.store_id, 0, None, None, 0] for r in db.session.execute(streams)}
    for r in db.session.execute(select(temp)):
        found[(r.item_id, r.location_id)][1:] = [r.quantity, r.occurred_at, r.key, r.quantity]
    for r in db.session.execute(deltas):
        found[(r.item_id, r.location_id)][1] += int(r.total)
    db.session.execute(text("DROP TABLE rebuild_bases"))
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
