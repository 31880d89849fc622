"""Every item-location's level at a past instant, in SQL, helped by daily level snapshots.

``levels_select`` follows the merge rule (``webapp/inventory/merge.py``) for all streams at
once: the latest reset at or before t by (occurred_at, key), plus the deltas after it up to
t; adjustments are never applied. It can start from a snapshot instead of the beginning:
the snapshot's level at instant T is then the stream's base, a reset at T that sorts before
every real event after T, and only the events in (T, t] are folded on top. That is exact:
if the stream's latest reset at or before t is at or before T, it is also its latest at or
before T, so level(t) = level(T) + the deltas in (T, t]; otherwise that reset and the deltas
after it all lie in (T, t].

A snapshot (``LevelSnapshot``) is taken at the end of a store day, built lazily the first
time a valuation asks for that day or a later instant of it, from the latest good earlier
snapshot when there is one. Events are append-only, so the number of a store's events with
occurred_at <= T only grows; a snapshot stores that number as it was *before* any row of it
was read. It is good while the number is unchanged: the same count over a set that can only
grow means the same set, so no event before T arrived since, however late it was recorded
or in whatever order transactions committed. When the count grew, the late events are found
by id (every event the snapshot saw has an id at most ``max_event_id``, read in the same
statement as the count) and only their streams are recomputed; if that does not account
for the whole difference (an older transaction committed late) the snapshot is rebuilt.

Old snapshots are pruned (``prune``, a step of the jobs cycle): every use of a snapshot,
as the valuation's base or as the base a new one is built from, first marks it used with
``UPDATE level_snapshots SET last_used_at = now WHERE id = :id`` in the transaction that
checks it, and the pruner deletes ``WHERE last_used_at < now - keep_days``; its rows go with
it by ON DELETE CASCADE, in the same statement (deleting the rows first in a statement of
their own could empty a snapshot that a reader touched in between). The touch and the delete
conflict on the snapshot's row. On PostgreSQL (READ COMMITTED) a pruner that reaches the row
after the touch waits for the reader's transaction and then re-checks its WHERE on the row
as the reader left it, so a snapshot touched in the last keep_days survives; a touch that
comes after the delete committed updates no row, and the reader treats the snapshot as
missing and builds it anew instead of summing a base with no rows. On SQLite writes are
serialised, and a reader whose read is older than a committed delete cannot write at all
(no snapshot: it folds the ledger). The valuation reads the rows after ``snapshot_for``
committed, which is safe because the touch has just set last_used_at to now: the pruner
deletes the snapshot only once keep_days (at least one) have passed without another use.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, union_all, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from webapp.catalog.models import Store
from webapp.extensions import db
from webapp.inventory.ledger import DELTAS, RESETS
from webapp.inventory.models import StockEvent
from webapp.inventory.sql import unindexed
from webapp.reports import calc
from webapp.reports.models import LevelSnapshot, LevelSnapshotRow
from webapp.types import utcnow


def levels_select(store_id: int, at: datetime, base: LevelSnapshot | None = None,
                  location_id: int | None = None, item_ids: list[int] | None = None):
    """SELECT (item_id, location_id, quantity) of every stream with events, at instant ``at``,
    from ``base`` (a good snapshot at or before ``at``) or from the beginning."""
    e = StockEvent
    scope = [e.store_id == store_id, e.occurred_at <= at]
    if base is not None:
        scope.append(e.occurred_at > base.at)
    if location_id:
        scope.append(e.location_id == location_id)
    if item_ids is not None:
        scope.append(e.item_id.in_(item_ids))
    # The base reset of each stream among these events: the latest by time, then by key.
    item, location = unindexed(e.item_id), unindexed(e.location_id)
    latest = (select(item.label("item_id"), location.label("location_id"),
                     func.max(e.occurred_at).label("at"))
              .where(e.kind.in_(RESETS), *scope).group_by(item, location).subquery("latest"))
    latest_key = (select(e.item_id, e.location_id, func.max(e.key).label("key"))
                  .join(latest, and_(latest.c.item_id == e.item_id, latest.c.location_id == e.location_id,
                                     latest.c.at == e.occurred_at))
                  .where(e.kind.in_(RESETS), e.store_id == store_id)
                  .group_by(e.item_id, e.location_id).subquery("latest_key"))
    resets = (select(e.item_id, e.location_id, e.occurred_at.label("at"), e.quantity)
              .join(latest_key, latest_key.c.key == e.key).cte("resets"))
    same_stream = and_(resets.c.item_id == e.item_id, resets.c.location_id == e.location_id)
    zero = literal(0)
    # Columns: stream, quantity, whether it is a reset's, and the snapshot's level (kept apart:
    # a stream with a reset in the window drops it). Added up below without an anti-join, which
    # PostgreSQL plans as a nested loop over a snapshot it has no statistics for yet.
    parts = [
        select(resets.c.item_id, resets.c.location_id, resets.c.quantity, literal(1).label("reset"),
               zero.label("snapshot")),
        select(e.item_id, e.location_id, e.quantity, zero, zero)
        .outerjoin(resets, same_stream)
        .where(e.kind.in_(DELTAS), *scope, or_(resets.c.at.is_(None), e.occurred_at > resets.c.at)),
    ]
    if base is not None:
        r = LevelSnapshotRow
        rows = select(r.item_id, r.location_id, zero, zero, r.quantity).where(r.snapshot_id == base.id)
        if location_id:
            rows = rows.where(r.location_id == location_id)
        if item_ids is not None:
            rows = rows.where(r.item_id.in_(item_ids))
        parts.append(rows)
    every = union_all(*parts).subquery("every")
    level = func.sum(every.c.quantity) + case((func.max(every.c.reset) == 1, 0),
                                              else_=func.sum(every.c.snapshot))
    return (select(every.c.item_id, every.c.location_id, level.label("quantity"))
            .group_by(every.c.item_id, every.c.location_id))


def day_end_at_or_before(at: datetime, tz: str) -> datetime:
    """The latest end of a store day (local midnight) at or before ``at``: the start of its day."""
    return calc.day_bounds(calc.local_today(at, tz), tz)[0]


def _tally(store_id: int, at: datetime) -> tuple[int, int]:
    """(events of the store with occurred_at <= at, highest event id), in one statement so both
    describe the same moment."""
    count = select(func.count()).select_from(StockEvent).where(
        StockEvent.store_id == store_id, StockEvent.occurred_at <= at).scalar_subquery()
    top = select(func.coalesce(func.max(StockEvent.id), 0)).scalar_subquery()
    events, max_id = db.session.execute(select(count, top)).one()
    return int(events), int(max_id)


def _touch(snap: LevelSnapshot, now: datetime) -> bool:
    """Mark the snapshot used now, in the caller's transaction; False when it is gone (a
    pruner deleted it since it was read), and it must not be used."""
    result = db.session.execute(update(LevelSnapshot).where(LevelSnapshot.id == snap.id)
                                .values(last_used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expunge(snap)
        return False
    set_committed_value(snap, "last_used_at", now)  # as written: nothing left to flush
    return True


def _good(snap: LevelSnapshot) -> bool:
    """True when the snapshot is exact now, mending it first if late events arrived."""
    if _tally(snap.store_id, snap.at)[0] == snap.events:
        return True
    # Late events (read before the tally, so the tally covers them all).
    late = db.session.execute(select(StockEvent.item_id).where(
        StockEvent.id > snap.max_event_id, StockEvent.store_id == snap.store_id,
        StockEvent.occurred_at <= snap.at)).scalars().all()
    events, max_id = _tally(snap.store_id, snap.at)
    if events != snap.events + len(late):
        return False  # something older than max_event_id arrived: rebuild
    items = sorted(set(late))
    for chunk in range(0, len(items), 500):
        part = items[chunk:chunk + 500]
        db.session.execute(delete(LevelSnapshotRow).where(LevelSnapshotRow.snapshot_id == snap.id,
                                                          LevelSnapshotRow.item_id.in_(part)))
        _insert_rows(snap, levels_select(snap.store_id, snap.at, item_ids=part))
    snap.events, snap.max_event_id = events, max_id
    return True


def _insert_rows(snap: LevelSnapshot, levels) -> None:
    levels = levels.subquery()
    db.session.execute(insert(LevelSnapshotRow).from_select(
        ["snapshot_id", "item_id", "location_id", "quantity"],
        select(literal(snap.id), levels.c.item_id, levels.c.location_id, levels.c.quantity)
        .where(levels.c.quantity != 0)))


def _build(store_id: int, at: datetime, snap: LevelSnapshot | None, now: datetime) -> LevelSnapshot:
    """(Re)build the snapshot at ``at``: tally first, then the rows from data at least as new.
    ``snap``, when given, was touched in this transaction."""
    events, max_id = _tally(store_id, at)
    if snap is None:
        snap = LevelSnapshot(store_id=store_id, at=at, events=events, max_event_id=max_id,
                             built_at=now, last_used_at=now)
        db.session.add(snap)
        db.session.flush()
    else:
        db.session.execute(delete(LevelSnapshotRow).where(LevelSnapshotRow.snapshot_id == snap.id))
        snap.events, snap.max_event_id, snap.built_at = events, max_id, now
    earlier = db.session.scalars(select(LevelSnapshot).where(
        LevelSnapshot.store_id == store_id, LevelSnapshot.at < at)
        .order_by(LevelSnapshot.at.desc()).limit(3)).all()
    # A base is used too: touched first, so a pruner cannot empty it under the INSERT below.
    base = next((s for s in earlier if _touch(s, now) and _good(s)), None)
    _insert_rows(snap, levels_select(store_id, at, base))
    return snap


def snapshot_for(store_id: int, at: datetime, tz: str | None = None) -> LevelSnapshot | None:
    """A good snapshot at the end of the store day at or before ``at``, built or mended now if
    needed (and committed). None when there is nothing before ``at`` or it cannot be written
    now (another request is building the same one): the caller folds the ledger instead."""
    if tz is None:
        tz = db.session.get(Store, store_id).timezone
    day_end = day_end_at_or_before(at, tz)
    if day_end > utcnow():
        return None
    now = utcnow()
    try:
        snap = db.session.scalar(select(LevelSnapshot).where(LevelSnapshot.store_id == store_id,
                                                             LevelSnapshot.at == day_end))
        if snap is not None and not _touch(snap, now):
            snap = None  # pruned since the SELECT: build it anew
        if snap is not None and _good(snap):
            db.session.commit()
            return snap
        snap = _build(store_id, day_end, snap, now)
        db.session.commit()
        return snap
    except SQLAlchemyError:
        db.session.rollback()
        return None


def prune(keep_days: int) -> int:
    """Delete the snapshots not used for ``keep_days`` days (their rows go by the cascade) and
    commit; returns how many. ``keep_days`` is at least 1, so a reader between its touch and
    its read never loses its base (see the module docstring)."""
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    cutoff = utcnow() - timedelta(days=keep_days)
    result = db.session.execute(delete(LevelSnapshot).where(LevelSnapshot.last_used_at < cutoff)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def snapshot_instants(store_id: int) -> list[datetime]:
    """The instants the store has snapshots at."""
    return list(db.session.scalars(select(LevelSnapshot.at).where(LevelSnapshot.store_id == store_id)
                                   .order_by(LevelSnapshot.at)))
