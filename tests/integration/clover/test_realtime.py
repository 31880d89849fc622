"""Real time over real HTTP: a verified webhook pulls at once, a moved level is pushed at once,
without a sync cycle and without listing every item_stock (webapp/clover/realtime.py)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.integration.clover.conftest import MERCHANT
from webapp.clover import realtime

AUTH = "9b1c2d3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e"
STOCKS = f"GET /v3/merchants/{MERCHANT}/item_stocks"
ORDERS = f"GET /v3/merchants/{MERCHANT}/orders"


@pytest.fixture
def app_config(emulator) -> dict:
    return {"CLOVER_BASE_URL": emulator.url, "CLOVER_OAUTH_URL": emulator.url, "CLOVER_BACKOFF_BASE": 0.01,
            "CLOVER_WEBHOOK_AUTH_CODE": AUTH, "CLOVER_REALTIME": True, "CLOVER_REALTIME_DELAY": 0.05}


@pytest.fixture
def live(app, served_app, emulator, db):
    emulator.settings(webhooks={"url": f"{served_app}/clover/webhook", "auth_code": AUTH,
                                "mode": "background", "batch_window": 0.05})
    yield realtime.for_app(app)
    assert realtime.for_app(app).drain(15), "a real-time job was still running at the end of the test"


def wait_for(read, wanted, db, timeout: float = 20.0):
    """Poll until read() == wanted (the outcome is asserted, never how long it took)."""
    end = time.monotonic() + timeout
    while True:
        value = read()
        db.session.rollback()  # no read transaction held open against the app's writers
        if value == wanted or time.monotonic() > end:
            return value
        time.sleep(0.05)


def test_a_till_sale_reaches_our_level_through_its_webhook_without_a_sync_cycle(
        live, sync, emulator, clover_items, level, db):
    sync()
    assert live.drain(15)  # the cycle's own commits kicked pushes too: let them finish first
    oat = clover_items["Oat Milk 1L"]
    emulator.control("POST", "/counters/reset", {})
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}])
    assert wait_for(lambda: level(oat), 21, db) == 21
    assert live.drain(15)
    asked = emulator.counters()["requests_by_path"]
    assert ORDERS not in asked  # no orders list: the webhook named the order, it was fetched alone
    assert STOCKS not in asked  # and the push after it listed no item_stocks either


def test_an_approved_count_reaches_clover_alone_without_listing_every_item_stock(
        live, sync, emulator, clover_items, record, db):
    sync()
    assert live.drain(15)  # the cycle's own commits kicked pushes too: let them finish first
    oat = clover_items["Oat Milk 1L"]
    emulator.control("POST", "/counters/reset", {})
    record(oat, "count", 17)
    held = wait_for(lambda: emulator.stock(MERCHANT, oat).get("quantity"), 17.0, db)
    assert held == 17.0
    assert live.drain(15)
    asked = emulator.counters()["requests_by_path"]
    assert STOCKS not in asked
    assert asked.get(f"GET /v3/merchants/{MERCHANT}/item_stocks/{oat}") == 1
    assert asked.get(f"POST /v3/merchants/{MERCHANT}/item_stocks/{oat}") == 1
    assert sum(n for path, n in asked.items() if "/item_stocks/" in path) == 2  # the other items untouched


def test_a_burst_of_kicks_becomes_one_job_with_every_item(app):
    calls: list[tuple[str, int, set[int]]] = []
    done = threading.Event()

    def runner(kind: str, store_id: int, items: set[int]) -> bool:
        calls.append((kind, store_id, set(items)))
        done.set()
        return True

    app.config.update(CLOVER_REALTIME_DELAY=1.0, CLOVER_REALTIME_MAX_WAIT=30.0)
    kicks = realtime.Realtime(app, runner)
    for item_id in range(1, 11):
        kicks.kick("push", 7, {item_id})
    assert done.wait(20)
    assert kicks.drain(20)
    assert calls == [("push", 7, set(range(1, 11)))]


def test_a_job_that_finds_the_lease_taken_tries_again_with_kicks_that_came_meanwhile(app):
    calls: list[set[int]] = []

    def runner(kind: str, store_id: int, items: set[int]) -> bool:
        calls.append(set(items))
        if len(calls) == 1:
            kicks.kick("push", 7, {2})  # arrives while the lease is taken
            return False
        return True

    app.config.update(CLOVER_REALTIME_DELAY=0.01)
    kicks = realtime.Realtime(app, runner)
    kicks.kick("push", 7, {1})
    assert kicks.drain(20)
    assert calls[0] == {1}
    assert set().union(*calls[1:]) == {1, 2}
