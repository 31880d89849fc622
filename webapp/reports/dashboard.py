"""The manager's dashboard: what needs attention now, on one phone screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from webapp.alerts import reorder
from webapp.catalog.models import Item, Store
from webapp.clover.models import CloverConnection, CloverStockChange, CloverWebhookHint
from webapp.counting.models import CountLine
from webapp.damage.models import DamageRecord
from webapp.extensions import db
from webapp.inventory import live
from webapp.inventory.models import StockEvent
from webapp.quantity import value_cents
from webapp.receiving.onorder import on_order
from webapp.reports import calc, valuation
from webapp.sync.models import DeviceSync, SyncReceipt

DEVICE_PENDING = timedelta(hours=1)


@dataclass
class Today:
    counts: int = 0
    receipts: int = 0
    received_units: int = 0
    damage: int = 0
    damage_cents: int = 0


@dataclass
class SyncHealth:
    connected: bool = False
    last_pull_at: datetime | None = None
    last_push_at: datetime | None = None
    last_error: str | None = None
    last_webhook_at: datetime | None = None
    webhook_lag: timedelta | None = None  # Clover's event time to our receipt, for the last webhook
    oldest_unprocessed: timedelta | None = None
    changed_in_clover: int = 0  # stock edits made in Clover, waiting for a manager (clover/drift.py)
    devices: list[dict] = field(default_factory=list)  # devices whose last sync carried old events


@dataclass
class Dashboard:
    low: list[dict]
    low_total: int
    pending_counts: int
    pending_damage: int
    today: Today
    sync: SyncHealth
    value_cents: int


def today_activity(store: Store, now: datetime) -> Today:
    start, end = calc.day_bounds(calc.local_today(now, store.timezone), store.timezone)
    out = Today()
    rows = db.session.execute(
        select(StockEvent.kind, StockEvent.quantity, Item.cost_cents, Item.measure)
        .join(Item, Item.id == StockEvent.item_id)
        .where(StockEvent.store_id == store.id, StockEvent.occurred_at >= start,
               StockEvent.occurred_at < end, StockEvent.kind.in_(("count", "receive", "damage"))))
    for kind, quantity, cost, measure in rows:
        if kind == "count":
            out.counts += 1
        elif kind == "receive":
            out.receipts += 1
            out.received_units += quantity if measure == "each" else 0
        else:
            out.damage += 1
            out.damage_cents += value_cents(-quantity, cost, measure)
    return out


def version(store_id: int) -> str:
    """What the dashboard shows moved when this moved (its live poll, inventory/live.py)."""
    conn = db.session.execute(select(CloverConnection.last_pull_at, CloverConnection.last_push_at,
                                     CloverConnection.last_error)
                              .where(CloverConnection.store_id == store_id)).first()
    waiting = db.session.execute(select(
        select(func.count(CountLine.id)).where(CountLine.store_id == store_id,
                                               CountLine.status == "pending").scalar_subquery(),
        select(func.count(DamageRecord.id)).where(DamageRecord.store_id == store_id,
                                                   DamageRecord.status == "pending").scalar_subquery(),
        select(func.count(CloverStockChange.id)).where(
            CloverStockChange.store_id == store_id, CloverStockChange.status == "pending").scalar_subquery(),
    )).first()
    return live.etag("dashboard", store_id, live.store_facts(store_id), tuple(conn or ()), tuple(waiting))


def sync_health(store: Store, now: datetime) -> SyncHealth:
    out = SyncHealth()
    conn = db.session.scalar(select(CloverConnection).where(CloverConnection.store_id == store.id))
    if conn is not None:
        out.connected = True
        out.last_pull_at, out.last_push_at, out.last_error = conn.last_pull_at, conn.last_push_at, \
            conn.last_error
        hint = db.session.scalar(select(CloverWebhookHint).where(
            CloverWebhookHint.merchant_id == conn.merchant_id)
            .order_by(CloverWebhookHint.received_at.desc()).limit(1))
        if hint is not None:
            out.last_webhook_at = hint.received_at
            out.webhook_lag = hint.received_at - datetime.fromtimestamp(hint.ts / 1000, UTC)
        oldest = db.session.scalar(select(func.min(CloverWebhookHint.received_at)).where(
            CloverWebhookHint.merchant_id == conn.merchant_id, CloverWebhookHint.processed_at.is_(None)))
        if oldest is not None:
            out.oldest_unprocessed = now - oldest
        out.changed_in_clover = db.session.scalar(select(func.count(CloverStockChange.id)).where(
            CloverStockChange.store_id == store.id, CloverStockChange.status == "pending")) or 0
    out.devices = pending_devices(store.id, now)
    return out


def pending_devices(store_id: int, now: datetime) -> list[dict]:
    """Devices that still held events over an hour old at their last sync.

    A device reports what it still holds besides the batch it sends (``backlog`` in the sync
    request); its last report is what counts, so a phone that went quiet with a backlog
    stays listed, with how long ago it last synced. A device that never reported (an older
    app) is judged by what its last batch shows: how stale its oldest event was."""
    reported = {r.device_id: r for r in db.session.scalars(
        select(DeviceSync).where(DeviceSync.store_id == store_id, DeviceSync.backlog.is_not(None)))}
    out = [{"device_id": r.device_id, "last_sync_at": r.last_sync_at, "waited": now - r.backlog_oldest_at,
            "events": r.backlog, "since_sync": now - r.last_sync_at, "still_held": True}
           for r in reported.values()
           if r.backlog and r.backlog_oldest_at is not None and now - r.backlog_oldest_at > DEVICE_PENDING]
    last = (select(SyncReceipt.device_id, func.max(SyncReceipt.received_at).label("at"))
            .where(SyncReceipt.store_id == store_id).group_by(SyncReceipt.device_id).subquery())
    rows = db.session.execute(
        select(SyncReceipt.device_id, SyncReceipt.received_at, func.min(SyncReceipt.occurred_at),
               func.count())
        .join(last, (last.c.device_id == SyncReceipt.device_id) & (last.c.at == SyncReceipt.received_at))
        .group_by(SyncReceipt.device_id, SyncReceipt.received_at))
    for device_id, received_at, oldest, events in rows:
        waited = received_at - oldest
        if device_id not in reported and waited > DEVICE_PENDING:
            out.append({"device_id": device_id, "last_sync_at": received_at, "waited": waited,
                        "events": events, "since_sync": now - received_at, "still_held": False})
    return sorted(out, key=lambda d: -d["waited"])


def dashboard(store_id: int, now: datetime, low_limit: int = 20) -> Dashboard:
    store = db.session.get(Store, store_id)
    low_infos = reorder.low_infos(store_id, now=now)
    names = {r.id: r for r in db.session.execute(select(Item.id, Item.name, Item.measure).where(
        Item.id.in_([i.item_id for i in low_infos[:low_limit]])))} if low_infos else {}
    due = on_order(store_id, [i.item_id for i in low_infos[:low_limit]])
    low = [{"item_id": i.item_id, "item": names[i.item_id].name if i.item_id in names else "?",
            "measure": names[i.item_id].measure if i.item_id in names else "each",
            "level": i.level, "point": i.point,
            "cover_days": i.cover_days, "velocity": i.suggestion.velocity, "manual": i.manual is not None,
            "on_order": due.get(i.item_id)}
           for i in low_infos[:low_limit]]
    pending_counts = db.session.scalar(select(func.count()).select_from(CountLine).where(
        CountLine.store_id == store_id, CountLine.status == "pending"))
    pending_damage = db.session.scalar(select(func.count()).select_from(DamageRecord).where(
        DamageRecord.store_id == store_id, DamageRecord.status == "pending"))
    return Dashboard(low, len(low_infos), pending_counts, pending_damage, today_activity(store, now),
                     sync_health(store, now), valuation.total_value_now(store_id))
