"""Items and item_stocks (clover-api.md 4.2, 4.3) and Clover's own stock decrement."""

import pytest

from clover_emulator.tests.conftest import MID


@pytest.mark.parametrize(
    ("quantity", "stock_count"),
    [(18, 18), (160.5, 161), (160.4, 160), (-3, -3), (-2.5, -2), (12.75, 13), (0, 0)],
)
def test_item_stocks_sets_an_absolute_double_and_rounds_stock_count_half_up(
    api, items, quantity, stock_count
):
    before = api.get(f"/item_stocks/{items['OAT-1L']}").json()["modifiedTime"]
    response = api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": quantity})
    assert response.status_code == 200
    body = response.json()
    assert body["item"] == {"id": items["OAT-1L"]}
    assert body["quantity"] == float(quantity)
    assert body["stockCount"] == stock_count
    assert body["modifiedTime"] > before
    assert api.get(f"/item_stocks/{items['OAT-1L']}").json() == body


def test_put_also_sets_stock_and_a_write_replaces_rather_than_adds(api, items):
    api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": 5})
    response = api.request("PUT", f"/item_stocks/{items['OAT-1L']}", json={"quantity": 7})
    assert response.status_code == 200
    assert api.get(f"/item_stocks/{items['OAT-1L']}").json()["quantity"] == 7.0


def test_a_stock_record_never_set_reads_as_the_item_reference_only(api, items):
    assert api.get(f"/item_stocks/{items['MUF-BB']}").json() == {"item": {"id": items["MUF-BB"]}}
    expanded = api.get(f"/items/{items['MUF-BB']}", expand="itemStock").json()
    assert expanded["itemStock"] == {"item": {"id": items["MUF-BB"]}}
    listed = {s["item"]["id"] for s in api.get("/item_stocks").json()["elements"]}
    assert items["MUF-BB"] not in listed and items["OAT-1L"] in listed


def test_stock_writes_are_validated_and_unknown_items_are_404(api, items):
    assert api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": "ten"}).status_code == 400
    missing = api.post("/item_stocks/ZZZZZZZZZZZZZ", {"quantity": 1})
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not Found"


def test_item_level_stock_count_is_the_deprecated_zero(api, items):
    assert api.get(f"/items/{items['OAT-1L']}").json()["stockCount"] == 0


def test_items_update_partially_with_post_and_put_needs_name_and_price(api, items):
    path = f"/items/{items['OAT-1L']}"
    before = api.get(path).json()
    updated = api.post(path, {"price": 549}).json()
    assert updated["price"] == 549 and updated["name"] == before["name"]
    assert updated["modifiedTime"] > before["modifiedTime"]
    assert api.request("PUT", path, json={"price": 1}).status_code == 400
    assert api.request("PATCH", path, json={"price": 1}).status_code == 405
    assert api.post(path, {"stockCount": 99}).status_code == 200
    assert (
        api.get(f"/item_stocks/{items['OAT-1L']}").json()["quantity"] == 24.0
    )  # only item_stocks moves stock


def test_created_items_get_13_character_base36_ids(api):
    created = api.post("/items", {"name": "Kombucha", "price": 399}).json()
    assert len(created["id"]) == 13 and created["id"].isalnum() and created["id"].upper() == created["id"]
    assert api.post("/items", {"name": "No price"}).status_code == 400


def test_a_deleted_item_disappears_but_lists_with_the_deleted_filter(api, items):
    assert api.request("DELETE", f"/items/{items['MUF-BB']}").status_code == 200
    assert api.get(f"/items/{items['MUF-BB']}").status_code == 404
    live = {i["id"] for i in api.get("/items").json()["elements"]}
    assert items["MUF-BB"] not in live
    deleted = api.get("/items", filter="deleted=true").json()["elements"]
    assert [i["id"] for i in deleted] == [items["MUF-BB"]]
    assert deleted[0]["deletedTime"] > 0


def test_hidden_items_are_listed_with_their_flag(api, items):
    assert [i["sku"] for i in api.get("/items", filter="hidden=true").json()["elements"]] == ["STAFF"]


def test_categories_list_and_link_to_items(api, items):
    categories = api.get("/categories").json()["elements"]
    assert {c["name"] for c in categories} == {"Dairy", "Coffee"}
    dairy = next(c["id"] for c in categories if c["name"] == "Dairy")
    assert [i["id"] for i in api.get(f"/categories/{dairy}/items").json()["elements"]] == [items["OAT-1L"]]
    assert len(api.get("/items", filter=f"categoryId={dairy}").json()["elements"]) == 1


def test_with_auto_decrement_off_a_sale_leaves_stock_alone(emu, items):
    emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 3}])
    assert emu.stock(MID, items["OAT-1L"])["quantity"] == 24.0


def test_with_auto_decrement_on_each_line_lowers_stock_and_weighed_lines_by_unit_qty(emu, items):
    emu.merchant_settings(MID, auto_decrement=True)
    emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 3}, {"item_id": items["BEAN-BULK"], "unit_qty": 250}])
    assert emu.stock(MID, items["OAT-1L"])["quantity"] == 21.0
    assert emu.stock(MID, items["BEAN-BULK"])["quantity"] == 12.5
    emu.sale(MID, [{"item_id": items["MUF-BB"]}])  # never set: Clover counts from zero
    assert emu.stock(MID, items["MUF-BB"])["quantity"] == -1.0


def test_auto_managed_items_go_unavailable_at_zero_and_back_at_one(emu, api, items):
    emu.merchant_settings(MID, auto_decrement=True)
    api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": 2})
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    assert api.get(f"/items/{items['OAT-1L']}").json()["available"] is True
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    assert api.get(f"/items/{items['OAT-1L']}").json()["available"] is False
    api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": 0.5})
    assert api.get(f"/items/{items['OAT-1L']}").json()["available"] is False
    api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": 1})
    assert api.get(f"/items/{items['OAT-1L']}").json()["available"] is True


def test_refunds_do_not_restock_unless_the_merchant_setting_says_so(emu, items):
    emu.merchant_settings(MID, auto_decrement=True)
    order = emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 2}])
    lines = [line["id"] for line in order["lineItems"]["elements"]]
    emu.refund(MID, order["id"], lines[:1])
    assert emu.stock(MID, items["OAT-1L"])["quantity"] == 22.0
    emu.merchant_settings(MID, refund_restocks=True)
    emu.refund(MID, order["id"], lines[1:])
    assert emu.stock(MID, items["OAT-1L"])["quantity"] == 23.0
