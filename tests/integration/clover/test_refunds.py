"""Refunded Clover lines go back to stock only when the store's rule or a manager says so
(DESIGN.md, issue 15), pulled from the emulator over HTTP."""

from __future__ import annotations

from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT
from webapp.returns.models import HeldRefund


def refunded(emulator, sync, oat):
    """Sell 2 of oat, refund the first line; returns the refund's ledger key."""
    sync()
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    sync()
    line = order["lineItems"]["elements"][0]["id"]
    emulator.refund(MERCHANT, order["id"], [line])
    sync()
    return f"clover:{order['id']}:{line}:refund"


def held_rows(db):
    db.session.expire_all()
    return db.session.scalars(select(HeldRefund).order_by(HeldRefund.id)).all()


def test_by_default_a_refunded_line_is_held_for_a_manager_and_not_restocked(
        sync, emulator, clover_items, level, events, db, login_as):
    oat = clover_items["Oat Milk 1L"]
    key = refunded(emulator, sync, oat)
    sync()
    assert events(key) == {}
    assert level(oat) == 22, "24 less the 2 sold: the refunded one is not sellable until someone says so"
    (held,) = held_rows(db)
    assert (held.key, held.quantity, held.status) == (key, 1, "held")
    page = login_as("manager").get("/returns/").get_data(as_text=True)
    assert "Oat Milk 1L" in page and "held for a decision" in page


def test_a_manager_puts_a_held_refund_back_in_stock_once(sync, emulator, clover_items, level, events, db,
                                                         login_as):
    oat = clover_items["Oat Milk 1L"]
    key = refunded(emulator, sync, oat)
    (held,) = held_rows(db)
    manager = login_as("manager")
    assert manager.post_form(f"/returns/{held.id}/decide", {"action": "restock"}).status_code == 303
    assert events(key) == {key: 1} and level(oat) == 23
    sync()
    assert level(oat) == 23, "pulling the order again restocks nothing twice"
    assert manager.post_form(f"/returns/{held.id}/decide", {"action": "restock"}).status_code == 409


def test_a_damaged_return_is_written_off_with_its_reason_and_never_becomes_stock(
        sync, emulator, clover_items, level, events, db, login_as):
    oat = clover_items["Oat Milk 1L"]
    key = refunded(emulator, sync, oat)
    (held,) = held_rows(db)
    manager = login_as("manager")
    refused = manager.post_form(f"/returns/{held.id}/decide", {"action": "damage", "reason": "no such"})
    assert refused.status_code == 400
    manager.post_form(f"/returns/{held.id}/decide", {"action": "damage", "reason": "damaged"})
    assert events(key) == {key: 1, f"{key}:damage": -1}
    assert level(oat) == 22
    assert held_rows(db)[0].status == "damaged"


def test_a_return_set_aside_for_the_vendor_writes_no_stock_event(sync, emulator, clover_items, level, events,
                                                                  db, login_as):
    oat = clover_items["Oat Milk 1L"]
    key = refunded(emulator, sync, oat)
    (held,) = held_rows(db)
    login_as("manager").post_form(f"/returns/{held.id}/decide", {"action": "vendor_return"})
    assert events(key) == {} and level(oat) == 22
    assert held_rows(db)[0].status == "vendor_return"


def test_a_store_whose_rule_restocks_refunds_gets_the_refund_event_at_once(
        sync, emulator, clover_items, level, events, db, login_as):
    manager = login_as("manager")
    assert manager.post_form("/returns/rule", {"rule": "restock"}).status_code == 303
    oat = clover_items["Oat Milk 1L"]
    key = refunded(emulator, sync, oat)
    assert events(key) == {key: 1} and level(oat) == 23
    assert held_rows(db) == []


def test_a_store_that_never_restocks_lists_the_refund_as_kept_out(sync, emulator, clover_items, level, db,
                                                                   login_as):
    manager = login_as("manager")
    manager.post_form("/returns/rule", {"rule": "never"})
    oat = clover_items["Oat Milk 1L"]
    refunded(emulator, sync, oat)
    assert level(oat) == 22
    assert [h.status for h in held_rows(db)] == ["kept_out"]
    assert "kept out by the store" in manager.get("/returns/").get_data(as_text=True)


def test_only_a_manager_sees_or_decides_held_refunds_and_a_bad_rule_is_a_400(
        sync, emulator, clover_items, db, login_as):
    refunded(emulator, sync, clover_items["Oat Milk 1L"])
    (held,) = held_rows(db)
    staff = login_as("staff")
    assert staff.get("/returns/").status_code == 403
    assert staff.post_form(f"/returns/{held.id}/decide", {"action": "restock"}).status_code == 403
    answer = login_as("manager").post_form("/returns/rule", {"rule": "sometimes"},
                                           headers={"Accept": "application/json"})
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "rule"
