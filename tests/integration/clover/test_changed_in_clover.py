"""Stock edits made in Clover outside Shelfcount: held, shown to a manager as "changed in Clover",
accepted as a count or overwritten, never overwritten silently (webapp/clover/drift.py)."""

from __future__ import annotations

import requests
from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.clover.models import CloverStockChange


def _edit_in_clover(emulator, clover_id: str, quantity: float) -> None:
    """What the merchant's dashboard or another app does: an absolute write to item_stocks."""
    answer = requests.post(f"{emulator.url}/v3/merchants/{MERCHANT}/item_stocks/{clover_id}",
                           json={"quantity": quantity}, headers={"Authorization": f"Bearer {TOKEN}"},
                           timeout=10)
    assert answer.status_code == 200, answer.text


def _clover(emulator, clover_id: str) -> float | None:
    return emulator.stock(MERCHANT, clover_id).get("quantity")


def _changes(db) -> list[tuple[str, float]]:
    db.session.expire_all()
    return list(db.session.execute(select(CloverStockChange.status, CloverStockChange.clover_quantity)
                                   .order_by(CloverStockChange.id)).tuples())


def _pending_edit(sync, emulator, record, clover_items, db) -> str:
    sync()
    oat = clover_items["Oat Milk 1L"]
    record(oat, "count", 20)  # ours moves to 20; Clover still holds 24, as we last knew
    _edit_in_clover(emulator, oat, 30)
    first = sync()
    assert (first.push.held, first.push.pushed) == (1, 0)  # suspect: a sale not pulled yet could explain it
    assert _changes(db) == [("suspect", 30.0)]
    second = sync()  # a full pull later it is still unexplained: shown to a manager
    assert (second.push.held, second.push.pushed) == (1, 0)
    assert _changes(db) == [("pending", 30.0)]
    assert _clover(emulator, oat) == 30.0  # never overwritten silently
    return oat


def test_an_edit_in_clover_is_shown_to_a_manager_and_accepted_as_a_count(
        sync, emulator, record, clover_items, db, login_as, level):
    oat = _pending_edit(sync, emulator, record, clover_items, db)
    manager = login_as("manager")
    page = manager.get("/clover/changes").get_data(as_text=True)
    assert "Oat Milk 1L" in page and "30.0" in page
    dashboard = manager.get("/reports/").get_data(as_text=True)
    assert 'id="changed-in-clover"><a href="/clover/changes">1<' in dashboard
    change_id = db.session.scalars(select(CloverStockChange.id)).one()
    assert manager.post_form(f"/clover/changes/{change_id}/accept").status_code == 302
    assert level(oat) == 30
    assert _changes(db) == [("accepted", 30.0)]
    assert sync().push.pushed == 0  # both hold 30 now
    assert _clover(emulator, oat) == 30.0


def test_an_edit_in_clover_overwritten_by_a_manager_gets_our_level_at_the_next_push(
        sync, emulator, record, clover_items, db, login_as, level):
    oat = _pending_edit(sync, emulator, record, clover_items, db)
    manager = login_as("manager")
    change_id = db.session.scalars(select(CloverStockChange.id)).one()
    assert manager.post_form(f"/clover/changes/{change_id}/overwrite").status_code == 302
    assert sync().push.pushed == 1
    assert _clover(emulator, oat) == 20.0
    assert level(oat) == 20
    # Dealt with once: a second decision is a clear 409, not a second count.
    again = manager.post_form(f"/clover/changes/{change_id}/accept")
    assert again.status_code == 409


def test_staff_and_other_stores_cannot_decide_a_change(sync, emulator, record, clover_items, db, login_as,
                                                       make_store, make_user):
    _pending_edit(sync, emulator, record, clover_items, db)
    change_id = db.session.scalars(select(CloverStockChange.id)).one()
    assert login_as("staff").post_form(f"/clover/changes/{change_id}/accept").status_code == 403
    other = make_store("Other Market")
    stranger = login_as(user=make_user("manager", store_id=other.id))
    assert stranger.post_form(f"/clover/changes/{change_id}/overwrite").status_code == 404
    assert "Oat Milk" not in stranger.get("/clover/changes").get_data(as_text=True)
    assert _changes(db) == [("pending", 30.0)]


def test_sales_pulled_from_clover_explain_its_own_decrement(sync, emulator, clover_items, record, db):
    emulator.merchant_settings(MERCHANT, auto_decrement=True)
    sync()
    oat = clover_items["Oat Milk 1L"]
    record(oat, "count", 20)
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])  # Clover counts itself down to 22
    report = sync()  # 24 when we last knew, less 2 pulled sales: explained, so ours is written
    assert (report.push.held, report.push.pushed) == (0, 1)
    assert _changes(db) == []
    assert _clover(emulator, oat) == 18.0


def test_an_inventory_webhook_naming_an_edited_item_records_the_change(
        sync, emulator, served_app, app, clover_items, record, db):
    auth = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = auth
    emulator.settings(webhooks={"url": f"{served_app}/clover/webhook", "auth_code": auth, "mode": "manual",
                                "stock_change_events": True})
    # The emulator sends I: for a bare stock change only for an autoManage item with its decrement on.
    emulator.merchant_settings(MERCHANT, auto_decrement=True)
    cola = clover_items["Cola 12 oz Can"]
    emulator.control("POST", f"/merchants/{MERCHANT}/items/{cola}", {"autoManage": True})
    sync()
    _edit_in_clover(emulator, cola, 40)  # Clover sends I:<cola> for it
    assert emulator.flush_webhooks()["failed"] == 0
    from webapp.clover.connection import client_for, connection_for_store
    from webapp.clover.orders import SaleRecorder
    from webapp.clover.webhooks import process_hints

    connection = connection_for_store(connected_store_id(db))
    client = client_for(connection)
    assert process_hints(client, connection, SaleRecorder(client, connection)) >= 1
    client.close()
    assert _changes(db) == [("suspect", 40.0)]  # seen through the webhook alone, no push yet
    sync()
    assert _changes(db) == [("pending", 40.0)]
    assert _clover(emulator, cola) == 40.0


def connected_store_id(db) -> int:
    from webapp.clover.models import CloverConnection

    return db.session.scalars(select(CloverConnection.store_id)).one()
