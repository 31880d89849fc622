"""Low-stock alerts: evaluate crossings in the transaction that moved the level, deliver after it.

``evaluate`` runs inside the caller's transaction (the session hook in ``hooks.py`` calls
it just before any commit that changed a level), so the alert and the level it reacts to
commit together or not at all. Delivery leaves the process (SMTP, Web Push) and so happens
only after the commit (STYLE.md 3). ``flask alerts check`` is the safety net: it evaluates
every item of every store (levels rebuilt in bulk bypass the hook) and retries deliveries
that failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from webapp.alerts import delivery, reorder, rules
from webapp.alerts.models import AlertState, StockAlert
from webapp.auth.models import User, role_rank
from webapp.bulk_sql import insert_many_ignoring
from webapp.catalog.models import Item, Store
from webapp.extensions import db
from webapp.quantity import quantity_text
from webapp.receiving.onorder import describe, on_order
from webapp.types import utcnow

MAX_ATTEMPTS = 5


def _locked_states(store_id: int, item_ids: list[int]) -> dict[int, AlertState]:
    """The state rows of these items, created if missing, locked in item order (PostgreSQL
    FOR UPDATE; SQLite has one writer) so two transactions cannot both raise one alert."""
    now = utcnow()
    # One cached multi-row statement: compiling a fresh VALUES list per call cost more than
    # the insert when a batch of a thousand sales touches a thousand items.
    rows = [dict(item_id=i, store_id=store_id, state=rules.OK, level=0, changed_at=now) for i in item_ids]
    insert_many_ignoring("alert_states", ("item_id", "store_id", "state", "level", "changed_at"),
                         ("item_id",), rows)
    out: dict[int, AlertState] = {}
    for chunk in range(0, len(item_ids), 500):
        rows = db.session.scalars(
            select(AlertState).where(AlertState.item_id.in_(item_ids[chunk:chunk + 500]))
            .order_by(AlertState.item_id).with_for_update().execution_options(populate_existing=True))
        out.update((row.item_id, row) for row in rows)
    return out


def evaluate(store_id: int, item_ids: Iterable[int]) -> list[StockAlert]:
    """Step each item's alert state; return the alerts raised. Does not commit."""
    ids = sorted(set(item_ids))
    if not ids:
        return []
    infos = reorder.reorder_infos(store_id, ids)
    ids = sorted(infos)  # items of another store or deleted ones drop out here
    # An item without a reorder point is never low: only one still marked low has a step to
    # take (its recovery). Most items of a busy store have no point, and locking and
    # rewriting their states on every sync batch was a third of the batch's time.
    pointless = [i for i in ids if infos[i].point is None]
    if pointless:
        still_low = set(db.session.scalars(select(AlertState.item_id).where(
            AlertState.item_id.in_(pointless), AlertState.state == rules.LOW)))
        ids = [i for i in ids if infos[i].point is not None or i in still_low]
    if not ids:
        return []
    states = _locked_states(store_id, ids)
    raised: list[StockAlert] = []
    now = utcnow()
    for item_id in ids:
        info, row = infos[item_id], states[item_id]
        step = rules.crossing(row.state, info.level, info.point)
        if step.state != row.state:
            row.changed_at = now
        row.state, row.level, row.reorder_point = step.state, info.level, info.point
        if step.raised:
            alert = StockAlert(store_id=store_id, item_id=item_id, level=info.level,
                               reorder_point=info.point, raised_at=now)
            db.session.add(alert)
            raised.append(alert)
        if step.recovered:
            for alert in db.session.scalars(select(StockAlert).where(
                    StockAlert.item_id == item_id, StockAlert.recovered_at.is_(None))):
                alert.recovered_at = now
    db.session.flush()
    return raised


@dataclass(frozen=True, slots=True)
class AlertLine:
    alert_id: int
    item_name: str
    level: str
    reorder_point: str
    unit: str
    on_order: str = ""  # "12 on order, due Thu"; blank when nothing is on a sent PO


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Everything delivery needs as plain values, gathered before the commit so that sending
    after it needs no database session."""

    store_name: str
    lines: tuple[AlertLine, ...]
    emails: tuple[str, ...]
    subscriptions: tuple[delivery.Subscriber, ...]


def prepare(alerts: list[StockAlert]) -> list[Outgoing]:
    by_store: dict[int, list[StockAlert]] = {}
    for alert in alerts:
        by_store.setdefault(alert.store_id, []).append(alert)
    out = []
    for store_id, group in sorted(by_store.items()):
        store = db.session.get(Store, store_id)
        managers = [u for u in db.session.scalars(select(User).where(User.store_id == store_id,
                                                                      User.active.is_(True)))
                    if role_rank(u.role) >= role_rank("manager")]
        lines = []
        items = {i.id: i for i in db.session.scalars(
            select(Item).where(Item.id.in_(sorted({a.item_id for a in group}))))}
        due = on_order(store_id, items)
        for alert in group:
            item = items[alert.item_id]
            unit = item.unit_name or ("kg" if item.measure == "weight" else "units")
            coming = due.get(item.id)
            lines.append(AlertLine(alert.id, item.name, quantity_text(alert.level, item.measure),
                                   quantity_text(alert.reorder_point, item.measure), unit,
                                   describe(coming, quantity_text(coming.quantity, item.measure))
                                   if coming else ""))
        out.append(Outgoing(store.name, tuple(lines), tuple(sorted({u.email for u in managers if u.email})),
                            tuple(delivery.subscribers([u.id for u in managers]))))
    return out


def send(batch: list[Outgoing]) -> dict[int, tuple[bool, str]]:
    """Send each batch over every configured channel; the result per alert id: (sent, note)."""
    results: dict[int, tuple[bool, str]] = {}
    for outgoing in batch:
        subject, body = delivery.compose(outgoing.store_name, [
            (line.item_name, line.level, line.reorder_point, line.unit, line.on_order)
            for line in outgoing.lines])
        sent, notes = delivery.send_all(subject, body, outgoing.emails, outgoing.subscriptions)
        for line in outgoing.lines:
            results[line.alert_id] = (sent, "; ".join(notes))
    return results


def record_delivery(results: dict[int, tuple[bool, str]], connection) -> None:
    """Note the outcome on each alert, on a connection of the caller's choosing (the hook
    uses a fresh one: after a commit the session cannot run SQL)."""
    table = StockAlert.__table__
    now = utcnow()
    for alert_id, (sent, note) in results.items():
        connection.execute(table.update().where(table.c.id == alert_id).values(
            delivered_at=now if sent else None, delivery_attempts=table.c.delivery_attempts + 1,
            delivery_note=note[:500]))


def check_crossings(store_id: int, item_ids: Iterable[int]) -> list[StockAlert]:
    """Evaluate, commit, then deliver: for callers outside a level-changing transaction."""
    raised = evaluate(store_id, item_ids)
    outgoing = prepare(raised)
    db.session.commit()
    _deliver_now(outgoing)
    return raised


def _deliver_now(outgoing: list[Outgoing]) -> None:
    if not outgoing or not delivery.any_channel():
        return
    results = send(outgoing)
    with db.engine.begin() as connection:
        record_delivery(results, connection)


def sweep() -> tuple[int, int]:
    """Retry undelivered alerts, then evaluate every active item of every store.

    Retried: alerts whose delivery failed, and those never attempted for a while (the process
    died between the commit and the send). Returns (alerts raised, alerts retried)."""
    retried = 0
    if delivery.any_channel():
        stale = utcnow() - timedelta(minutes=5)
        pending = db.session.scalars(select(StockAlert).where(
            StockAlert.delivered_at.is_(None), StockAlert.recovered_at.is_(None),
            StockAlert.delivery_attempts < MAX_ATTEMPTS,
            or_(StockAlert.delivery_attempts > 0, StockAlert.raised_at < stale))).all()
        outgoing = prepare(list(pending))
        db.session.commit()
        _deliver_now(outgoing)
        retried = len(pending)
    raised = 0
    for store_id in db.session.scalars(select(Store.id).order_by(Store.id)).all():
        item_ids = db.session.scalars(select(Item.id).where(Item.store_id == store_id,
                                                            Item.active.is_(True))).all()
        for start in range(0, len(item_ids), 1000):
            raised += len(check_crossings(store_id, item_ids[start:start + 1000]))
    return raised, retried


def open_alerts(store_id: int, limit: int = 200) -> list[StockAlert]:
    return list(db.session.scalars(
        select(StockAlert).where(StockAlert.store_id == store_id, StockAlert.recovered_at.is_(None))
        .order_by(StockAlert.raised_at.desc(), StockAlert.id.desc()).limit(limit)))


def recent_alerts(store_id: int, limit: int = 50) -> list[StockAlert]:
    return list(db.session.scalars(
        select(StockAlert).where(StockAlert.store_id == store_id)
        .order_by(StockAlert.raised_at.desc(), StockAlert.id.desc()).limit(limit)))
