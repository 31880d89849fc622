"""One sync cycle per merchant at a time: catalog, orders, webhook hints, voids, then the push
(items made in Shelfcount are created in Clover just before it, new_items.py).

The order matters: sales are pulled before levels are pushed, so what we push already includes
every sale Clover has shown us (push.py explains why that makes Clover converge).

Safe to run from cron every minute on every app server: a lease on the merchant's connection
row (an UPDATE that only succeeds when no unexpired lease is held) lets one cycle in and
turns the others away. The UPDATE is atomic on PostgreSQL (row lock, the loser re-checks the
condition after the winner commits) and on SQLite (one writer). A lease, rather than a lock
held by an open transaction, because a cycle commits many times; it expires on its own if a
server dies mid-cycle, and the cycle renews it between steps. Even without it nothing would
count twice (the ledger's idempotency keys); the lease saves the duplicate work and the
second token refresh.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, update

from webapp.clover import realtime
from webapp.clover.catalog_import import ImportResult, import_items
from webapp.clover.client import CloverClient, CloverError
from webapp.clover.connection import client_for, connection_for_store, ensure_env_connection, seal_plaintext
from webapp.clover.merchant import adopt_merchant_settings
from webapp.clover.models import CloverConnection
from webapp.clover.new_items import NewItemsResult, create_missing
from webapp.clover.orders import OrdersResult, SaleRecorder, pull_orders
from webapp.clover.push import PushResult, push_items, push_levels
from webapp.clover.voids import pull_voids
from webapp.clover.webhooks import process_hints
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.types import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)
QUICK_LEASE = timedelta(minutes=2)


class LeaseLost(RuntimeError):
    pass


@dataclass
class SyncReport:
    ran: bool = True
    catalog: ImportResult | None = None
    orders: OrdersResult | None = None
    hints: int = 0
    voids: int = 0
    new_items: NewItemsResult | None = None
    push: PushResult | None = None
    settings: list[str] = field(default_factory=list)   # what the store took from the merchant
    requests: int = 0
    errors: list[str] = field(default_factory=list)


def take_lease(connection_id: int, owner: str, lease: timedelta = LEASE) -> bool:
    now = utcnow()
    taken = db.session.execute(
        update(CloverConnection)
        .where(CloverConnection.id == connection_id,
               or_(CloverConnection.sync_until.is_(None), CloverConnection.sync_until < now,
                   CloverConnection.sync_owner == owner))
        .values(sync_owner=owner, sync_until=now + lease)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return taken == 1


def renew_lease(connection_id: int, owner: str, lease: timedelta = LEASE) -> None:
    renewed = db.session.execute(
        update(CloverConnection)
        .where(CloverConnection.id == connection_id, CloverConnection.sync_owner == owner)
        .values(sync_until=utcnow() + lease).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if renewed != 1:
        raise LeaseLost("another sync took over this merchant's lease")


def release_lease(connection_id: int, owner: str) -> None:
    db.session.rollback()
    db.session.execute(
        update(CloverConnection)
        .where(CloverConnection.id == connection_id, CloverConnection.sync_owner == owner)
        .values(sync_owner=None, sync_until=None).execution_options(synchronize_session=False))
    db.session.commit()


def run_sync(store_id: int, *, client: CloverClient | None = None, push: bool = True,
             full_catalog: bool = False) -> SyncReport:
    """Run one cycle for a store; ``SyncReport(ran=False)`` when another cycle holds the lease."""
    connection = ensure_env_connection(store_id) or connection_for_store(store_id)
    if connection is None:
        raise NotFound("not_connected", "This store is not connected to Clover.")
    owner = uuid.uuid4().hex
    if not take_lease(connection.id, owner):
        log.info("clover sync for merchant %s already running elsewhere", connection.merchant_id)
        return SyncReport(ran=False)
    db.session.refresh(connection)
    own_client = client is None
    report = SyncReport()

    def beat() -> None:
        renew_lease(connection.id, owner)

    # The cycle pushes every level it moved itself: no real-time push for them (realtime.py).
    db.session.info[realtime.QUIET] = True
    try:
        # Inside the try: an unreadable token (SECRET_KEY changed) is recorded and the lease freed.
        if seal_plaintext(connection):  # tokens stored before they were encrypted at rest
            db.session.commit()
        client = client or client_for(connection)
        last = connection.last_sync_at
        if last is None or last.date() != utcnow().date():   # the first cycle, then once a day
            report.settings = adopt_merchant_settings(client, connection)
        report.catalog = import_items(client, connection, full=full_catalog)
        beat()
        report.orders = pull_orders(client, connection)
        beat()
        recorder = SaleRecorder(client, connection)
        report.hints = process_hints(client, connection, recorder)
        report.voids = pull_voids(client, connection, recorder)
        beat()
        if push:
            # Before the push, so an item created in Clover now has its level written this cycle.
            report.new_items = create_missing(client, connection, heartbeat=beat)
            report.push = push_levels(client, connection, heartbeat=beat)
        connection.last_sync_at = utcnow()
        connection.last_error = None
        problems = []
        if report.orders.failed:
            problems.append(f"{len(report.orders.failed)} orders could not be recorded")
        if report.new_items is not None and report.new_items.failed:
            problems.append(f"{report.new_items.failed} new items could not be created in Clover")
        if problems:
            connection.last_error = "; ".join(problems) + "; retrying next sync"
        db.session.commit()
    except (CloverError, DomainError, LeaseLost) as exc:
        db.session.rollback()
        connection.last_error = str(exc)[:500]
        db.session.commit()
        report.errors.append(str(exc))
        raise
    finally:
        db.session.info.pop(realtime.QUIET, None)
        if client is not None:
            report.requests = client.stats.requests
            if own_client:
                client.close()
        release_lease(connection.id, owner)
    return report


def run_quick(kind: str, store_id: int, items: set[int]) -> bool:
    """A real-time job (realtime.py): ``pull`` fetches what pending webhook hints name, then any
    ``items`` are pushed alone. False when another job holds the merchant's lease (try again)."""
    connection = connection_for_store(store_id)
    if connection is None:
        return True
    owner = uuid.uuid4().hex
    if not take_lease(connection.id, owner, QUICK_LEASE):
        return False
    db.session.refresh(connection)
    client = None
    try:
        client = client_for(connection)
        if kind == "pull":
            process_hints(client, connection, SaleRecorder(client, connection))
        if items:
            push_items(client, connection, items)
    except (CloverError, DomainError) as exc:
        db.session.rollback()
        log.warning("clover %s for store %s failed, the periodic cycle retries: %s", kind, store_id, exc)
    finally:
        if client is not None:
            client.close()
        release_lease(connection.id, owner)
    return True
