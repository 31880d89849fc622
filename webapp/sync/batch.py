"""A batch of device events, applied in one transaction (the package docstring says what a
capability sees; this is how the batch goes through).

Transactions: the whole batch is one database transaction and each event runs in its own
SAVEPOINT. A rejected event rolls back to its savepoint (its receipt and any rows it wrote
vanish, so it can be sent again once fixed) while its neighbours stand; one commit per
batch is what lets a 1,000-event batch land in a fraction of a second, and the phone gets
its answers only after that commit, so "accepted" always means "durable". Before any
handler runs, every level row the batch may write is created and locked once, in (item,
location) order, whatever the mix of types (each type's ``streams`` says which rows its events
touch, found in bulk); settling then writes rows the batch already holds, so two batches
never take the same rows in different orders. Should PostgreSQL still pick the batch as a
deadlock victim (a row no ``streams`` foresaw), the batch is retried from the start:
duplicates make a retry harmless.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.util import identity_key

from webapp.bulk_sql import insert_many_ignoring
from webapp.catalog.models import Item
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory import merge
from webapp.inventory.ledger import Ledger
from webapp.sync.fields import INT_MAX, INT_MIN, check_location, int_field, parse_time, str_field
from webapp.sync.models import DeviceSync, SyncReceipt
from webapp.sync.registry import DeviceEvent, EventRegistry, EventType, SyncContext
from webapp.types import utcnow

log = logging.getLogger(__name__)
RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure
ID_LOCK_SPACE = 0x5C5E  # first key of the two-key advisory locks taken on event ids


@dataclass(frozen=True)
class Backlog:
    count: int  # events the device still holds besides this batch
    oldest_at: datetime | None  # the oldest one's time, on the device's clock


@dataclass(frozen=True)
class Batch:
    device_id: str
    device_time: datetime
    events: list[Any]
    backlog: Backlog | None = None


class _BulkFailed(Exception):
    """A run broke a constraint (or raised) in bulk: the batch is redone one event at a time."""

    def __init__(self, kind: EventType, size: int, cause: Exception) -> None:
        reason = getattr(cause, "orig", cause)
        super().__init__(f"a run of {size} {kind.name} events failed in bulk ({reason})")


def sync(batch: Batch, user, registry: EventRegistry, *, skew_allowance: timedelta,
         attempts: int = 5) -> dict:
    """Apply a batch; one transaction, retried whole on a deadlock. Returns the contract's answer.

    Runs go in bulk without a savepoint of their own (two round trips fewer per run); should
    one fail in bulk, the whole transaction is rolled back and the batch applied again one
    event at a time, each in its savepoint, which keeps every answer exact."""
    bulk, attempt = True, 1
    while True:
        server_time = utcnow()
        ctx = SyncContext(user.id, user.store_id, user.role, batch.device_id, batch.device_time,
                          server_time, skew_allowance, Ledger(actor_user_id=user.id, source="device"))
        try:
            _lock_event_ids(batch.events)
            results = _apply(batch.events, ctx, registry, bulk=bulk)
            ctx.ledger.settle()
            _note_device(batch, ctx)
            db.session.commit()
        except _BulkFailed as exc:
            db.session.rollback()
            log.warning("%s; the batch is applied again one event at a time", exc)
            bulk = False
            continue
        except OperationalError as exc:
            db.session.rollback()
            if getattr(exc.orig, "sqlstate", None) not in RETRYABLE or attempt == attempts:
                raise
            log.warning("sync batch retried after %s (attempt %d)", exc.orig.sqlstate, attempt)
            time.sleep(random.uniform(0.005, 0.05) * attempt)
            attempt += 1
            continue
        return {"server_time": _iso(server_time), "results": results}


def _hold_levels(parsed: list[tuple[int, DeviceEvent, EventType]], ctx: SyncContext) -> None:
    """Lock every level row the batch may write, once and in (item, location) order, before any
    handler runs. Types settled event by event (damage, closes, submits) otherwise locked rows
    in arrival order, and two batches taking the same rows in opposite orders deadlocked."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time, no row locks to order (see ``Ledger.hold``)
    by_kind: dict[str, tuple[EventType, list[DeviceEvent]]] = {}
    for _, event, kind in parsed:
        if kind.streams is not None:
            by_kind.setdefault(kind.name, (kind, []))[1].append(event)
    streams: set[tuple[int, int]] = set()
    for _, (kind, events) in sorted(by_kind.items()):
        with contextlib.suppress(DomainError):  # its events are rejected by their handler, as here
            streams |= kind.streams(events, ctx)
    if not streams:
        return
    # Only the store's own items and locations: the others' events will be rejected, and their
    # level rows cannot exist.
    places = set()
    for location_id in {loc for _, loc in streams if isinstance(loc, int) and INT_MIN <= loc <= INT_MAX}:
        try:
            check_location(location_id, ctx)
            places.add(location_id)
        except DomainError:
            pass
    items = set(db.session.scalars(select(Item.id).where(
        Item.store_id == ctx.store_id, Item.id.in_(sorted({i for i, _ in streams})))))
    ctx.ledger.hold({(i, loc) for i, loc in streams if i in items and loc in places}, ctx.store_id)


def _apply(raws: list[Any], ctx: SyncContext, registry: EventRegistry, *, bulk: bool = True) -> list[dict]:
    """Each event's answer, in the batch's order. Between two events that go alone (a type with
    no bulk handler, or every event when ``bulk`` is off, each in its savepoint), the events of
    each batchable type go in bulk together, whatever their interleaving (see ``_segment``)."""
    results: list[dict] = [{}] * len(raws)
    parsed: list[tuple[int, DeviceEvent, EventType]] = []
    for index, raw in enumerate(raws):
        try:
            parsed.append((index, *_parse(raw, ctx, registry)))
        except DomainError as err:
            results[index] = _rejected(raw.get("id") if isinstance(raw, dict) else None, err)
    ctx.events = [event for _, event, _ in parsed]
    _hold_levels(parsed, ctx)
    pending: list[tuple[int, DeviceEvent, EventType]] = []
    kinds: dict[str, EventType] = {}  # the pending events' ids
    for item in parsed:
        index, event, kind = item
        # An id a pending event of another type holds: that one must be claimed first.
        crosses = kinds.get(event.id, kind) is not kind
        if bulk and kind.batch is not None and not crosses:
            pending.append(item)
            kinds.setdefault(event.id, kind)
            continue
        _segment(pending, ctx, results)
        pending, kinds = [], {}
        if bulk and kind.batch is not None:
            pending.append(item)
            kinds[event.id] = kind
            continue
        if ctx.ledger.has_work():
            ctx.ledger.settle()  # a handler that reads levels sees the events sent before it
        results[index] = _one(event, kind, ctx)
    _segment(pending, ctx, results)
    _duplicates_of_rejected(results)
    return results


def _segment(pending: list[tuple[int, DeviceEvent, EventType]], ctx: SyncContext,
             results: list[dict]) -> None:
    """Batchable events with no lone event between them, in runs: an event joins the last run of
    its type unless that run holds its id (the first copy is claimed first) or a run of a type it
    keeps its order with (``EventType.order_with``) was started after it. A store's batches are
    shuffled mixes, so runs of consecutive events were two or three long; other types do not
    read each other's writes (stock levels follow the events' times, not their arrival), so
    grouping them changes no answer."""
    runs: list[tuple[EventType, list[tuple[int, DeviceEvent]], set[str]]] = []
    last: dict[str, int] = {}  # type -> its last run's position in ``runs``
    for index, event, kind in pending:
        at = last.get(kind.name)
        if at is None or event.id in runs[at][2] or any(
                k.ordered_with(kind) for k, _, _ in runs[at + 1:]):
            last[kind.name] = at = len(runs)
            runs.append((kind, [], set()))
        runs[at][1].append((index, event))
        runs[at][2].add(event.id)
    for kind, run, _ in runs:
        for at, answer in _run(run, kind, ctx):
            results[at] = answer


_NOTE_DEVICE = text(
    "INSERT INTO device_syncs (store_id, device_id, user_id, last_sync_at, backlog, backlog_oldest_at)"
    " VALUES (:store_id, :device_id, :user_id, :last_sync_at, :backlog, :backlog_oldest_at)"
    " ON CONFLICT (store_id, device_id) DO UPDATE SET user_id = excluded.user_id,"
    " last_sync_at = excluded.last_sync_at, backlog = excluded.backlog,"
    " backlog_oldest_at = excluded.backlog_oldest_at"
).bindparams(bindparam("last_sync_at", type_=DeviceSync.__table__.c.last_sync_at.type),
             bindparam("backlog_oldest_at", type_=DeviceSync.__table__.c.backlog_oldest_at.type))


def _note_device(batch: Batch, ctx: SyncContext) -> None:
    """Keep the device's last sync and, when it says, what it still holds (its backlog's
    oldest time moved onto the server's clock like its events'). One statement."""
    backlog = oldest_at = None
    if batch.backlog is not None:
        backlog = batch.backlog.count
        oldest = batch.backlog.oldest_at
        try:
            oldest_at = (merge.corrected_time(oldest, ctx.device_time, ctx.server_time)
                         if oldest is not None and backlog else None)
        except OverflowError:
            oldest_at = None
    db.session.execute(_NOTE_DEVICE, dict(store_id=ctx.store_id, device_id=batch.device_id,
                                          user_id=ctx.user_id, last_sync_at=ctx.server_time,
                                          backlog=backlog, backlog_oldest_at=oldest_at))
    held = db.session.identity_map.get(identity_key(DeviceSync, (ctx.store_id, batch.device_id)))
    if held is not None:  # a row this session holds must not show the old figures
        db.session.expire(held)


def _rejected(event_id: Any, err: DomainError) -> dict:
    return {"id": event_id, "status": "rejected", "error": err.to_dict()}


def _duplicates_of_rejected(results: list[dict]) -> None:
    """A rejected event whose id was accepted before (in an earlier batch or earlier in this
    one) is a duplicate: what it says now no longer matters. One query for the batch."""
    ids = {r["id"] for r in results if r["status"] == "rejected" and _storable_id(r["id"])}
    if not ids:
        return
    seen = set(db.session.scalars(select(SyncReceipt.event_id).where(SyncReceipt.event_id.in_(sorted(ids)))))
    for r in results:
        if r["status"] == "rejected" and r["id"] in seen:
            r.pop("error")
            r["status"] = "duplicate"


def _storable_id(event_id: Any) -> bool:
    return isinstance(event_id, str) and "\x00" not in event_id and len(event_id) <= 64


def _lock_event_ids(events: list[Any]) -> None:
    """On PostgreSQL, take a transaction lock per event id, all at once and in one global order.

    Two phones sending the same events in different orders would otherwise each hold a receipt
    the other waits for: a deadlock, found only after a second and retried. With the ids locked
    up front in hash order, the later batch simply waits for the earlier to commit and then
    sees its events as duplicates. Levels are locked later, in (item, location) order, by
    transactions that no longer wait for ids, so the two kinds of lock cannot form a cycle.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite has a single writer
    # An id with NUL is rejected per event later; PostgreSQL would refuse the whole batch over it here.
    ids = sorted({raw["id"] for raw in events
                  if isinstance(raw, dict) and isinstance(raw.get("id"), str) and "\x00" not in raw["id"]})
    if ids:
        db.session.execute(text(
            "SELECT pg_advisory_xact_lock(:space, h) FROM (SELECT DISTINCT hashtext(k) AS h"
            " FROM unnest(CAST(:ids AS text[])) AS k) AS s ORDER BY h"), {"space": ID_LOCK_SPACE, "ids": ids})


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _one(event: DeviceEvent, kind: EventType, ctx: SyncContext) -> dict:
    """One event in its own SAVEPOINT: a rejection undoes its receipt and its writes."""
    mark = ctx.ledger.mark()
    try:
        with db.session.begin_nested():
            if not _claim([event], ctx):
                return {"id": event.id, "status": "duplicate"}
            kind.handler(event, ctx)
    except DomainError as err:
        ctx.ledger.rewind(mark)
        return _rejected(event.id, err)
    except IntegrityError as exc:
        ctx.ledger.rewind(mark)
        log.warning("sync event %s broke a constraint: %s", event.id, exc.orig)
        return _rejected(event.id, DomainError("conflict", "The event contradicts data already stored."))
    return {"id": event.id, "status": "accepted"}


def _run(run: list[tuple[int, DeviceEvent]], kind: EventType, ctx: SyncContext) -> list[tuple[int, dict]]:
    """A run of one batchable type: claimed in one statement, handled in bulk.

    Event ids within a run are distinct (the caller starts a new run on a repeat). A failure
    in bulk raises ``_BulkFailed``: the transaction cannot be trusted past it."""
    try:
        claimed = _claim([e for _, e in run], ctx)
        fresh = [e for _, e in run if e.id in claimed]
        errors = kind.batch(fresh, ctx) if fresh else {}
        if errors:
            db.session.execute(delete(SyncReceipt).where(SyncReceipt.event_id.in_(sorted(errors))))
    except (IntegrityError, DomainError) as exc:
        raise _BulkFailed(kind, len(run), exc) from exc
    out = []
    for at, event in run:
        if event.id in errors:
            out.append((at, _rejected(event.id, errors[event.id])))
        elif event.id in claimed:
            out.append((at, {"id": event.id, "status": "accepted"}))
        else:
            out.append((at, {"id": event.id, "status": "duplicate"}))
    return out


def _parse(raw: Any, ctx: SyncContext, registry: EventRegistry) -> tuple[DeviceEvent, EventType]:
    if not isinstance(raw, dict):
        raise DomainError("bad_event", "Each event must be a JSON object.")
    event_id = str_field(raw, "id")
    raw_type = raw.get("type")
    kind = registry.get(raw_type) if isinstance(raw_type, str) else None  # a list or object is unhashable
    if kind is None:
        raise DomainError("unknown_type", f"No event type {raw.get('type')!r}.", "type")
    if not ctx.has_role(kind.min_role):
        raise DomainError("forbidden", f"Only a {kind.min_role} or above may send {kind.name}.", "type")
    device_occurred = parse_time(raw.get("occurred_at"), "occurred_at")
    try:
        occurred = merge.corrected_time(device_occurred, ctx.device_time, ctx.server_time)
    except OverflowError:  # clocks thousands of years apart: the corrected time is not a date
        raise DomainError("bad_time", "The device's clock is too far off to place this event; check the "
                          "phone's date and time.", "occurred_at") from None
    if merge.too_far_ahead(occurred, ctx.server_time, ctx.skew_allowance):
        raise DomainError("future_time", "The event is stamped later than now, even allowing for "
                          "the device's clock; check the phone's date and time.", "occurred_at")
    store_id = int_field(raw, "store_id", default=ctx.store_id)
    if store_id != ctx.store_id:
        raise DomainError("wrong_store", "You can only record events for your own store.", "store_id")
    location_id = raw.get("location_id")
    if location_id is None:
        if kind.needs_location:
            raise DomainError("missing_field", "The event needs location_id.", "location_id")
    else:
        location_id = int_field(raw, "location_id")
        check_location(location_id, ctx)
    return DeviceEvent(event_id, kind.name, occurred, device_occurred, store_id, location_id, raw), kind


_RECEIPT_COLUMNS = ("event_id", "type", "store_id", "user_id", "device_id", "device_occurred_at",
                    "occurred_at", "device_time", "received_at")


def _claim(events: list[DeviceEvent], ctx: SyncContext) -> set[str]:
    """Insert the receipts; the ids claimed now (an id accepted before is not among them)."""
    rows = [dict(event_id=e.id, type=e.type, store_id=ctx.store_id, user_id=ctx.user_id,
                 device_id=ctx.device_id, device_occurred_at=e.device_occurred_at, occurred_at=e.occurred_at,
                 device_time=ctx.device_time, received_at=ctx.server_time) for e in events]
    # RETURNING rather than rowcount: psycopg reports -1 for a soft-closed INSERT result.
    return set(insert_many_ignoring(SyncReceipt.__tablename__, _RECEIPT_COLUMNS, ("event_id",), rows,
                                    returning="event_id"))
