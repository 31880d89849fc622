"""OAuth v2 against the emulator: connecting, refreshing during a sync, and one refresher at a time."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from tests.integration.clover.conftest import MERCHANT
from webapp.clover.connection import connection_for_store
from webapp.clover.models import CloverConnection
from webapp.clover.token_crypto import cipher
from webapp.clover.tokens import DatabaseTokens
from webapp.inventory.models import StockEvent
from webapp.types import utcnow


def _connect_by_oauth(login_as, emulator):
    admin = login_as("admin")
    start = admin.get("/clover/connect")
    assert start.status_code == 302
    assert start.location.startswith(f"{emulator.url}/oauth/v2/authorize?client_id=SHELFCOUNTAPP")
    back = requests.get(start.location, allow_redirects=False, timeout=5)  # the merchant's browser at Clover
    assert back.status_code == 302
    parts = urlsplit(back.headers["Location"])
    assert parts.path == "/clover/oauth/callback"
    done = admin.get(f"{parts.path}?{parts.query}")
    assert done.status_code == 302, done.get_data(as_text=True)
    return admin


def test_an_admin_connects_through_clovers_oauth_pages(login_as, emulator, store, sync, level, clover_items):
    _connect_by_oauth(login_as, emulator)
    row = connection_for_store(store.id)
    assert row.auth_mode == "oauth" and row.merchant_id == MERCHANT
    assert row.refresh_token and row.access_expires_at is not None
    assert row.access_token not in repr(row) and row.refresh_token not in repr(row)
    sync()
    assert level(clover_items["Oat Milk 1L"]) == 24


def test_a_callback_without_the_state_we_issued_is_refused(login_as, emulator, store, db):
    admin = login_as("admin")
    response = admin.get(f"/clover/oauth/callback?merchant_id={MERCHANT}&code=abc&state=forged")
    assert response.status_code == 400
    assert connection_for_store(store.id) is None


def test_only_an_admin_may_start_a_connection(login_as):
    assert login_as("manager").get("/clover/connect").status_code == 403


@pytest.mark.parametrize("emulator_settings", [{"tokens": {"access_lifetime": 1.0}}])
def test_tokens_expiring_during_a_sync_are_refreshed_and_nothing_is_lost(
        login_as, emulator, app, db, store, sync, clover_items, level, emulator_settings):
    _connect_by_oauth(login_as, emulator)
    app.config["CLOVER_TOKEN_REFRESH_MARGIN_SECONDS"] = 0  # only a refusal (401) triggers a refresh
    sync()
    cola = clover_items["Cola 12 oz Can"]
    for _ in range(4):  # each needs its own line_items pages, so the sync runs for seconds
        emulator.sale(MERCHANT, [{"item_id": cola, "qty": 101}])
    emulator.settings(rate_limits={"enabled": True}, response_delay=0.15)
    report = sync()
    assert report.orders.events == 404
    assert level(cola) == 48 - 404
    assert emulator.counters()["refreshes"].get(MERCHANT, 0) >= 1


def test_two_workers_refreshing_at_once_refresh_once(login_as, emulator, app, db, store):
    _connect_by_oauth(login_as, emulator)
    row = connection_for_store(store.id)
    old, connection_id = cipher().open(row.access_token), row.id
    db.session.commit()
    barrier = threading.Barrier(3)
    got: list[str | None] = []

    def worker():
        with app.app_context():
            tokens = DatabaseTokens(connection_id, emulator.url, "SHELFCOUNTAPP")
            barrier.wait()
            got.append(tokens.refresh(old))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert emulator.counters()["refreshes"] == {MERCHANT: 1}
    db.session.expire_all()
    stored = cipher().open(db.session.get(CloverConnection, connection_id).access_token)
    assert got == [stored] * 3 and stored != old


def _needs_postgres(app):
    if app.extensions["sqlalchemy"].engines[None].dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite lets one writer in at a time, so two "
                    "app servers racing on row locks cannot happen there")


@pytest.mark.postgres
@pytest.mark.parametrize("emulator_settings", [{"tokens": {"access_lifetime": 60.0}, "response_delay": 0.02}])
def test_two_syncs_at_once_on_postgresql_count_nothing_twice_and_refresh_once(
        login_as, emulator, app, db, store, clover_items, emulator_settings):
    from webapp.clover.sync import run_sync

    _needs_postgres(app)
    _connect_by_oauth(login_as, emulator)
    oat = clover_items["Oat Milk 1L"]
    for _ in range(30):
        emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    row = connection_for_store(store.id)
    row.access_expires_at = utcnow() - timedelta(seconds=1)  # expired: whoever syncs first must refresh
    store_id = store.id  # read here: the test's session must not be touched from the threads
    db.session.commit()
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def server():
        with app.app_context():
            barrier.wait()
            try:
                reports.append(run_sync(store_id))
            except Exception as exc:  # surfaced below with its type
                errors.append(exc)

    threads = [threading.Thread(target=server) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.ran for r in reports) == [False, True]
    assert emulator.counters()["refreshes"] == {MERCHANT: 1}
    db.session.expire_all()
    sales = db.session.scalar(select(func.count()).select_from(StockEvent).where(StockEvent.kind == "sale"))
    assert sales == 60
