"""The rule for open, unpaid and hidden orders: a line is a sale once its order is paid or locked
(webapp/clover/open_orders.py); open orders older than the store's setting are listed for a manager."""

from __future__ import annotations

import requests
from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.clover.models import CloverConnection, CloverOpenOrder
from webapp.types import utcnow


def _set_state(emulator, order_id: str, state: str | None) -> None:
    answer = requests.post(f"{emulator.url}/v3/merchants/{MERCHANT}/orders/{order_id}", json={"state": state},
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert answer.status_code == 200, answer.text


def _open(db) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(CloverOpenOrder.order_id)))


def test_an_open_unpaid_order_takes_nothing_until_it_is_paid_then_counts_once(
        sync, emulator, clover_items, level, db):
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}], paid=False)
    report = sync()
    assert report.orders.open == [order["id"]]
    assert level(oat) == 24
    assert _open(db) == [order["id"]]
    emulator.control("POST", f"/merchants/{MERCHANT}/orders/{order['id']}/pay", {})
    sync()
    sync()
    assert level(oat) == 22
    assert _open(db) == []


def test_a_locked_order_counts_even_without_a_payment(sync, emulator, clover_items, level, db):
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}], paid=False)
    _set_state(emulator, order["id"], "locked")
    sync()
    assert level(oat) == 23
    assert _open(db) == []


def test_an_open_order_deleted_in_clover_leaves_the_list_and_never_counted(
        sync, emulator, served_app, app, clover_items, level, db):
    auth = "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = auth
    emulator.settings(webhooks={"url": f"{served_app}/clover/webhook", "auth_code": auth, "mode": "manual"})
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}], paid=False)
    sync()
    assert _open(db) == [order["id"]]
    emulator.delete_order(MERCHANT, order["id"])
    assert emulator.flush_webhooks()["failed"] == 0
    sync()
    assert _open(db) == []
    assert level(oat) == 24


def test_a_manager_sees_open_orders_older_than_the_store_setting(
        sync, emulator, clover_items, db, login_as, store):
    sync()
    oat = clover_items["Oat Milk 1L"]
    now_ms = int(utcnow().timestamp() * 1000)
    # Opened on the till three hours ago (its device's time); Clover shows it to the pull now.
    old = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}], paid=False,
                        client_created_time=now_ms - 3 * 3_600_000)
    fresh = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}], paid=False)
    sync()
    assert _open(db) == sorted([old["id"], fresh["id"]])
    manager = login_as("manager")
    page = manager.get("/clover/open-orders").get_data(as_text=True)
    assert old["id"] in page and fresh["id"] not in page  # the default: older than 60 minutes
    assert manager.post_form("/clover/open-orders/setting", {"minutes": "500"}).status_code == 302
    assert old["id"] not in manager.get("/clover/open-orders").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(CloverConnection.open_order_minutes)) == 500
    for bad in ("0", "abc", "99999"):
        refused = manager.post_form("/clover/open-orders/setting", {"minutes": bad})
        assert refused.status_code == 400 and "minutes" in refused.get_data(as_text=True)
    assert login_as("staff").get("/clover/open-orders").status_code == 403
