"""Orders, refunds, voids, exchanges and offline devices (clover-api.md 4.5, 4.6, 7.2)."""

import time

import pytest

from clover_emulator.harness import EmulatorControlError
from clover_emulator.tests.conftest import MID


def _order(api, order_id):
    return api.get(f"/orders/{order_id}", expand="lineItems,payments,refunds").json()


def test_each_unit_is_its_own_line_and_weighed_lines_carry_unit_qty_in_thousandths(emu, api, items):
    order = emu.sale(
        MID, [{"item_id": items["OAT-1L"], "qty": 2}, {"item_id": items["BEAN-BULK"], "unit_qty": 250}]
    )
    body = _order(api, order["id"])
    lines = body["lineItems"]["elements"]
    assert [line["item"]["id"] for line in lines] == [items["OAT-1L"]] * 2 + [items["BEAN-BULK"]]
    assert "unitQty" not in lines[0]
    assert lines[2]["unitQty"] == 250 and lines[2]["unitName"] == "lb"
    assert body["total"] == 499 + 499 + 475  # 1899 x 0.25 = 474.75
    assert body["paymentState"] == "PAID"
    assert body["payments"]["elements"][0]["amount"] == body["total"]
    assert body["payments"]["elements"][0]["result"] == "SUCCESS"


def test_a_refund_is_a_separate_object_and_marks_its_lines_refunded(emu, api, items):
    order = emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 2}])
    before = _order(api, order["id"])
    line = before["lineItems"]["elements"][0]["id"]
    refund = emu.refund(MID, order["id"], [line])["refund"]
    after = _order(api, order["id"])

    assert refund["amount"] == 499 and refund["orderRef"] == {"id": order["id"]}
    assert refund["lineItems"]["elements"] == [{"id": line}]
    assert after["paymentState"] == "PARTIALLY_REFUNDED"
    assert after["modifiedTime"] > before["modifiedTime"]
    assert after["total"] == before["total"]  # refunds never delete lines
    refunded = [x for x in after["lineItems"]["elements"] if x["refunded"]]
    assert [x["id"] for x in refunded] == [line] and refunded[0]["refund"] == {"id": refund["id"]}
    assert [r["id"] for r in after["refunds"]["elements"]] == [refund["id"]]
    assert [r["id"] for r in api.get("/refunds").json()["elements"]] == [refund["id"]]

    emu.refund(MID, order["id"])
    assert _order(api, order["id"])["paymentState"] == "REFUNDED"


def test_a_deleted_line_leaves_the_order_for_voided_line_items(emu, api, items):
    order = emu.sale(MID, [{"item_id": items["OAT-1L"]}, {"item_id": items["MUF-BB"]}], paid=False)
    muffin = order["lineItems"]["elements"][1]["id"]
    emu.void(MID, order["id"], muffin, "Customer changed mind")
    body = _order(api, order["id"])
    assert [x["id"] for x in body["lineItems"]["elements"]] == [order["lineItems"]["elements"][0]["id"]]
    assert body["total"] == 499 and body["paymentState"] == "OPEN"

    voided = api.get("/voided_line_items").json()["elements"]
    assert len(voided) == 1
    assert voided[0]["lineItem"]["id"] == muffin
    assert voided[0]["reason"] == "Customer changed mind"
    assert voided[0]["clientEventType"] == "DELETED_LINE_ITEM"
    assert voided[0]["deletedTime"] >= body["createdTime"]
    assert api.get(f"/orders/{order['id']}/voided_line_items").status_code == 405


def test_deleting_a_line_through_the_api_voids_it_too(api, items):
    order = api.post("/orders", {"title": "seeded"}).json()
    line = api.post(f"/orders/{order['id']}/line_items", {"item": {"id": items["OAT-1L"]}}).json()
    assert api.get(f"/orders/{order['id']}").json()["total"] == 499
    assert api.request("DELETE", f"/orders/{order['id']}/line_items/{line['id']}").status_code == 200
    assert api.get(f"/orders/{order['id']}/line_items").json()["elements"] == []
    assert api.request("PUT", f"/orders/{order['id']}/line_items/{line['id']}", json={}).status_code == 405


def test_an_exchange_links_the_old_line_to_its_replacement(emu, api, items):
    order = emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    old = order["lineItems"]["elements"][0]["id"]
    new = emu.exchange(MID, order["id"], old, items["MUF-BB"])["new_line_item"]
    lines = {x["id"]: x for x in _order(api, order["id"])["lineItems"]["elements"]}
    assert lines[old]["exchanged"] is True
    assert lines[old]["exchangedLineItem"] == {"id": new["id"]}
    assert lines[new["id"]]["item"] == {"id": items["MUF-BB"]} and lines[new["id"]]["exchanged"] is False


def test_every_change_bumps_the_order_modified_time(emu, api, items):
    order = emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 3}], paid=False)
    seen = [api.get(f"/orders/{order['id']}").json()["modifiedTime"]]
    lines = [x["id"] for x in order["lineItems"]["elements"]]
    emu.void(MID, order["id"], lines[0])
    seen.append(api.get(f"/orders/{order['id']}").json()["modifiedTime"])
    emu.control("POST", f"/merchants/{MID}/orders/{order['id']}/pay", {})
    seen.append(api.get(f"/orders/{order['id']}").json()["modifiedTime"])
    emu.refund(MID, order["id"], lines[1:2])
    seen.append(api.get(f"/orders/{order['id']}").json()["modifiedTime"])
    api.post(f"/orders/{order['id']}", {"note": "checked"})
    seen.append(api.get(f"/orders/{order['id']}").json()["modifiedTime"])
    assert seen == sorted(seen) and len(set(seen)) == len(seen)


def test_offline_orders_appear_only_at_reconnect_with_their_old_client_created_time(emu, api, items):
    device = "5f1c2a9e-8d3b-4c61-9f0a-2b7e6d4c1a90"
    hours_ago = int(time.time() * 1000) - 3 * 3_600_000
    order = emu.sale(
        MID, [{"item_id": items["OAT-1L"]}], device_id=device, offline=True, client_created_time=hours_ago
    )
    assert api.get("/orders").json()["elements"] == []
    assert api.get(f"/orders/{order['id']}").status_code == 404
    assert api.get("/payments").json()["elements"] == []
    watermark = int(time.time() * 1000)

    assert emu.reconnect(MID, device) == [order["id"]]
    listed = api.get("/orders", filter=f"modifiedTime>={watermark}", expand="payments").json()["elements"]
    assert [o["id"] for o in listed] == [order["id"]]
    assert listed[0]["clientCreatedTime"] == hours_ago
    assert listed[0]["createdTime"] >= watermark and listed[0]["modifiedTime"] >= watermark
    assert listed[0]["device"] == {"id": device}
    assert listed[0]["payments"]["elements"][0]["offline"] is True
    assert api.get("/orders", filter=f"clientCreatedTime>={watermark}").json()["elements"] == []


def test_offline_sales_reach_clover_stock_only_when_the_device_reconnects(emu, items):
    emu.merchant_settings(MID, auto_decrement=True)
    order = emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 2}], offline=True)
    assert emu.stock(MID, items["OAT-1L"])["quantity"] == 24.0
    emu.reconnect(MID, order["device"]["id"])
    assert emu.stock(MID, items["OAT-1L"])["quantity"] == 22.0


def test_an_offline_card_payment_that_later_fails_reopens_the_order(emu, api, items):
    order = emu.sale(MID, [{"item_id": items["OAT-1L"]}], offline=True)
    emu.reconnect(MID, order["device"]["id"])
    before = _order(api, order["id"])
    assert before["paymentState"] == "PAID"
    emu.fail_payment(MID, order["id"])
    after = _order(api, order["id"])
    assert after["paymentState"] == "OPEN"
    assert after["payments"]["elements"][0]["result"] == "FAIL"
    assert after["modifiedTime"] > before["modifiedTime"]
    failed = api.get("/payments", filter="result=FAIL").json()["elements"]
    assert [p["order"]["id"] for p in failed] == [order["id"]]


def test_unknown_order_ids_are_404_with_clovers_error_body(api):
    response = api.get("/orders/ZZZZZZZZZZZZZ")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found", "details": "Order not found"}


def test_how_an_offline_device_merges_its_stock_is_a_setting(emu, api, items):
    emu.merchant_settings(MID, auto_decrement=True)
    for merge, expected in (("delta", 28.0), ("absolute", 22.0)):
        emu.merchant_settings(MID, offline_stock_merge=merge)
        api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": 24})
        order = emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 2}], offline=True)  # the device knew 24
        emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 3}])
        api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": 30})  # our server pushes a level
        emu.reconnect(MID, order["device"]["id"])
        assert emu.stock(MID, items["OAT-1L"])["quantity"] == expected, merge


def test_a_refused_sale_leaves_no_order_behind(emu, api, items):
    with pytest.raises(EmulatorControlError, match="404"):
        emu.sale(MID, [{"item_id": items["OAT-1L"]}, {"item_id": "ZZZZZZZZZZZZZ"}])
    assert api.get("/orders").json()["elements"] == []
