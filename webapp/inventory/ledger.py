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

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, text, tuple_
from sqlalchemy.orm.util import identity_key

from webapp.bulk_sql import insert_ignoring, insert_many_ignoring
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory import merge
from webapp.inventory import streams as ledger_streams
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


_EVENT_COLUMNS = ("key", "store_id", "item_id", "location_id", "kind", "quantity", "occurred_at",
                  "recorded_at", "device_time", "source", "actor_user_id", "device_id", "count_key", "note")


def _row(new: NewEvent) -> dict:
    return dict(key=new.key, store_id=new.store_id, item_id=new.item_id, location_id=new.location_id,
                kind=new.kind, quantity=new.quantity, occurred_at=new.occurred_at, recorded_at=utcnow(),
                device_time=new.device_time, source=new.source, actor_user_id=new.actor_user_id,
                device_id=new.device_id, count_key=new.count_key, note=new.note)


# Called after a settle with (store id, item ids whose store-wide level changed, summed over
# the store's locations); the alerts capability listens here, so the ledger need not know
# about alerts.
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
        self._held: dict[tuple[int, int], merge.Level] = {}  # level rows locked, as they stand now

    def hold(self, streams: set[tuple[int, int]], store_id: int) -> None:
        """Create and lock these level rows now, in (item, location) order, for the rest of the
        transaction: a writer that holds every row it will settle before it writes anything
        takes its locks in one order, whatever order its events come in. ``settle`` then reads
        the held rows from here and locks only rows it was not told of."""
        if db.session.get_bind().dialect.name != "postgresql":
            # SQLite has no row locks (one writer at a time), and this read may come before the
            # batch's write lock: a level another worker commits meanwhile would be lost.
            return
        wanted = sorted(set(streams) - set(self._held))
        if wanted:
            self._held.update(_locked_levels(wanted, dict.fromkeys(wanted, store_id)))

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
        rows = {s: self._held[s] for s in streams if s in self._held}
        rows.update(_locked_levels(sorted(s for s in streams if s not in rows), stores))
        updates, late, levels = [], [], {}
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
            levels[stream] = level
        # Streams the new events cannot simply fold into (a reset that sorts before the base) are
        # recomputed from the ledger, and late ones corrected: all read at once (``streams``).
        redo = [stream for stream, level in levels.items() if level is None]
        found = ledger_streams.resets(redo + [stream for stream, _ in late]) if redo or late else {}
        levels.update(ledger_streams.levels(redo, found) if redo else {})
        for stream in sorted(streams):
            old, level = rows[stream], levels[stream]
            if stream in self._held:
                self._held[stream] = level
            if level != old:
                updates.append(dict(i=stream[0], l=stream[1], q=level.quantity, at=level.base_at,
                                    k=level.base_key or None, bq=level.base_quantity, now=utcnow()))
        if updates and db.session.get_bind().dialect.name == "postgresql":
            # One statement with a column per array, where executemany sends a row at a time.
            arrays = [[u[name] for u in updates] for name in ("i", "l", "q", "at", "k", "bq")]
            db.session.connection().exec_driver_sql(_UPDATE_LEVELS_PG, (utcnow(), *arrays))
        elif updates:
            db.session.execute(_UPDATE_LEVEL, updates)
            for row in updates:  # a StockLevel the session holds must not show the old figure
                held = db.session.identity_map.get(identity_key(StockLevel, (row["i"], row["l"])))
                if held is not None:
                    db.session.expire(held)
        adjustments: list[dict] = []
        starts = {s: ledger_streams.latest(found.get(s, []), before=since) for s, since in late}
        history = ledger_streams.events_since({s: r and r.occurred_at for s, r in starts.items()})
        for stream, since in late:
            adjustments += self._correct(stream, stores[stream], since, history.get(stream, []))
        if adjustments:  # every stream's in one statement
            insert_many_ignoring("stock_events", _EVENT_COLUMNS, ("key",), adjustments)
        # Listeners hear of items whose store-wide level moved: a transfer moves stock between
        # two locations and leaves the item's total (what low-stock alerts watch) as it was.
        moved: dict[int, Counter[int]] = defaultdict(Counter)
        for row in updates:
            stream = (row["i"], row["l"])
            moved[stores[stream]][row["i"]] += row["q"] - rows[stream].quantity
        for store_id, deltas in sorted(moved.items()):
            item_ids = {item_id for item_id, delta in deltas.items() if delta}
            for listener in LEVEL_LISTENERS if item_ids else ():
                listener(store_id, item_ids)

    def _correct(self, stream: tuple[int, int], store_id: int, since: datetime,
                 events: list[merge.Event]) -> list[dict]:
        """The adjustments that counts at or after ``since`` still miss, as rows to insert;
        ``events``: the stream's from its latest reset before ``since`` (all, without one)."""
        item_id, location_id = stream
        counts = {e.key: e for e in events if e.kind is merge.Kind.COUNT and e.occurred_at >= since}
        needed = {k: q for k, q in merge.corrections(events).items() if k in counts}
        made = Counter(e.count_key for e in events if e.kind is merge.Kind.ADJUSTMENT)
        rows = []
        for count_key, quantity in sorted(needed.items()):
            first = made[count_key] == 0
            rows.append(dict(
                key=f"adj:{count_key}:{made[count_key] + 1}", store_id=store_id, item_id=item_id,
                location_id=location_id, kind="adjustment", quantity=quantity,
                occurred_at=counts[count_key].occurred_at, recorded_at=utcnow(), device_time=None,
                source=self.source, actor_user_id=self.actor_user_id, device_id=None, count_key=count_key,
                note="variance at approval" if first else "correction: a late event moved what it expected",
            ))
        return rows


_UPDATE_LEVEL = text(
    "UPDATE stock_levels SET quantity = :q, base_at = :at, base_key = :k, base_quantity = :bq,"
    " updated_at = :now WHERE item_id = :i AND location_id = :l"
).bindparams(bindparam("at", type_=StockLevel.__table__.c.base_at.type),
             bindparam("now", type_=StockLevel.__table__.c.updated_at.type))


_UPDATE_LEVELS_PG = (
    "UPDATE stock_levels AS s SET quantity = u.q, base_at = u.at, base_key = u.k, base_quantity = u.bq,"
    " updated_at = %b FROM unnest(CAST(%b AS integer[]), CAST(%b AS integer[]), CAST(%b AS integer[]),"
    " CAST(%b AS timestamptz[]), CAST(%b AS varchar[]), CAST(%b AS integer[])) AS u(i, l, q, at, k, bq)"
    " WHERE s.item_id = u.i AND s.location_id = u.l"
)


def _locked_levels(streams: list[tuple[int, int]], stores: dict[tuple[int, int], int]) -> dict:
    """The current level of each stream, its row created if missing, locked for the
    transaction (SQLite has one writer; PostgreSQL, see ``_create_and_lock_levels``)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _create_and_lock_levels(streams, stores)
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


# Every level row of the batch, created where missing, then locked in (item, location) order.
# Looking first and inserting the missing rows after let two batches deadlock: each waited on
# a row the other had just inserted while holding rows it had locked before (and PostgreSQL
# takes a second to notice). Now a batch first inserts, in order, the rows no one has made
# (ON CONFLICT DO NOTHING waits only for rows another transaction is inserting, never for a
# row it has merely locked), then locks them all in the same order; two batches thus take
# their rows in one order and cannot wait on each other in a circle. (An upsert with
# DO UPDATE would do both at once, but writes a second version of every row it locks.)
_CREATE_LEVELS_PG = (
    "INSERT INTO stock_levels (item_id, location_id, store_id, quantity, base_quantity, updated_at)"
    " SELECT w.i, w.l, w.s, 0, 0, %b FROM unnest(CAST(%b AS integer[]), CAST(%b AS integer[]),"
    " CAST(%b AS integer[])) AS w(i, l, s) ORDER BY w.i, w.l"
    " ON CONFLICT (item_id, location_id) DO NOTHING"
)
_LOCK_LEVELS_PG = (
    "SELECT s.item_id, s.location_id, s.quantity, s.base_at, s.base_key, s.base_quantity"
    " FROM stock_levels AS s JOIN unnest(CAST(%b AS integer[]), CAST(%b AS integer[])) AS w(i, l)"
    " ON s.item_id = w.i AND s.location_id = w.l ORDER BY s.item_id, s.location_id FOR UPDATE OF s"
)


def _create_and_lock_levels(streams: list[tuple[int, int]], stores: dict[tuple[int, int], int]) -> dict:
    found: dict[tuple[int, int], merge.Level] = {}
    connection = db.session.connection()
    for chunk in range(0, len(streams), 5000):
        part = streams[chunk:chunk + 5000]
        items, places = [i for i, _ in part], [loc for _, loc in part]
        connection.exec_driver_sql(_CREATE_LEVELS_PG, (utcnow(), items, places, [stores[s] for s in part]))
        for item_id, location_id, quantity, base_at, base_key, base_quantity in connection.exec_driver_sql(
                _LOCK_LEVELS_PG, (items, places)):
            at = base_at.astimezone(UTC) if base_at is not None else None
            found[(item_id, location_id)] = merge.Level(quantity, at, base_key or "", base_quantity)
    return found


def _select_levels(streams: list[tuple[int, int]]) -> dict[tuple[int, int], merge.Level]:
    t = StockLevel.__table__
    columns = (t.c.item_id, t.c.location_id, t.c.quantity, t.c.base_at, t.c.base_key, t.c.base_quantity)
    query = (select(*columns).where(tuple_(t.c.item_id, t.c.location_id).in_(streams))
             .order_by(t.c.item_id, t.c.location_id))
    return {(r.item_id, r.location_id): merge.Level(r.quantity, r.base_at, r.base_key or "", r.base_quantity)
            for r in db.session.execute(query)}


def _base_row(stream: tuple[int, int], *, at: datetime | None = None, before: datetime | None = None,
              without_count: str | None = None):
    """The latest reset at or before ``at`` (or strictly before ``before``), or None; resets whose
    key is ``without_count`` or starts with ``without_count + ":"`` are left out."""
    item_id, location_id = stream
    query = select(StockEvent.occurred_at, StockEvent.key, StockEvent.quantity).where(
        StockEvent.item_id == item_id, StockEvent.location_id == location_id, StockEvent.kind.in_(RESETS))
    if without_count is not None:
        query = query.where(StockEvent.key != without_count,
                             ~StockEvent.key.startswith(without_count + ":", autoescape=True))
    if at is not None:
        query = query.where(StockEvent.occurred_at <= at)
    if before is not None:
        query = query.where(StockEvent.occurred_at < before)
    query = query.order_by(StockEvent.occurred_at.desc(), StockEvent.key.desc()).limit(1)
    return db.session.execute(query).first()


def stream_level(item_id: int, location_id: int, at: datetime | None = None, *,
                 without_count: str | None = None) -> merge.Level:
    """The merge rule in SQL: the latest reset at or before ``at`` plus the deltas after it
    (``without_count``: see ``_base_row``)."""
    base = _base_row((item_id, location_id), at=at, without_count=without_count)
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


def level_at(item_id: int, location_id: int, at: datetime, *, without_count: str | None = None) -> int:
    """The level at ``at``; ``without_count`` names a count whose own resets are left out (what that
    count expected, though it or an earlier revision of it is already in the ledger)."""
    return stream_level(item_id, location_id, at, without_count=without_count).quantity


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
