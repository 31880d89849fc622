"""List conventions of clover-api.md section 3, over real HTTP."""

import time

import pytest

from clover_emulator.tests.conftest import MID

DAY_MS = 86_400_000


def test_lists_come_in_an_envelope_and_page_through_2500_orders_with_limit_1000(emu, api):
    summary = emu.generate(MID, seed=7, orders=2500, hours=12)
    assert summary["orders"] == 2500

    first = api.get("/orders", limit=1000)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"elements", "href"}
    assert body["href"].endswith(f"/v3/merchants/{MID}/orders?limit=1000")
    sizes = [
        len(api.get("/orders", limit=1000, offset=offset).json()["elements"]) for offset in (0, 1000, 2000)
    ]
    assert sizes == [1000, 1000, 500]
    ids = [o["id"] for o in api.all_pages("/orders", limit=1000)]
    assert len(ids) == len(set(ids)) == 2500


def test_limit_defaults_to_100_and_is_clamped_to_1000(emu, api):
    emu.generate(MID, seed=1, orders=1100, hours=10)
    assert len(api.get("/orders").json()["elements"]) == 100
    clamped = api.get("/orders", limit=5000)
    assert len(clamped.json()["elements"]) == 1000
    assert clamped.json()["href"].endswith("limit=1000")


def test_an_empty_list_is_200_with_no_elements(api):
    response = api.get("/orders", offset=50)
    assert response.status_code == 200
    assert response.json()["elements"] == []


def test_repeated_filters_are_anded_and_the_allowed_fields_come_back_in_a_header(emu, api, items):
    for qty in (1, 2, 3):
        emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": qty}])
    totals = sorted(o["total"] for o in api.get("/orders").json()["elements"])
    assert totals == [499, 998, 1497]

    response = api.get("/orders", filter=["total>=998", "total<1497"])
    assert [o["total"] for o in response.json()["elements"]] == [998]
    allowed = [f.strip() for f in response.headers["X-Clover-Allowed-Filter-Fields"].split(",")]
    assert {"modifiedTime", "clientCreatedTime", "createdTime", "device.id", "state"} <= set(allowed)

    on_items = api.get("/items", filter="itemStock.quantity<=20")
    assert [i["sku"] for i in on_items.json()["elements"]] == ["BEAN-BULK", "STAFF"]


@pytest.mark.parametrize(
    ("path", "expression"),
    [("/orders", "lineItems.name=x"), ("/items", "categories.id=ABC"), ("/payments", "nonsense>1")],
)
def test_an_unsupported_filter_field_is_a_400_that_names_the_allowed_ones(api, path, expression):
    response = api.get(path, filter=expression)
    assert response.status_code == 400
    assert set(response.json()) >= {"message", "details"}
    assert "X-Clover-Allowed-Filter-Fields" in response.headers


def test_filter_brackets_form_is_not_the_filter_parameter(api):
    response = api.get("/items", **{"filter[]": "name=nothing"})
    assert len(response.json()["elements"]) == 4  # ignored, as Clover ignores it


def test_order_by_accepts_asc_and_desc_and_defaults_to_newest_created_first(emu, api, items):
    made = [emu.sale(MID, [{"item_id": items["MUF-BB"], "qty": n}])["id"] for n in (1, 2, 3)]
    assert [o["id"] for o in api.get("/orders").json()["elements"]] == made[::-1]
    assert [o["id"] for o in api.get("/orders", orderBy="createdTime ASC").json()["elements"]] == made
    assert [o["id"] for o in api.get("/orders", orderBy="total DESC").json()["elements"]] == made[::-1]
    assert [o["id"] for o in api.get("/orders", orderBy="modifiedTime").json()["elements"]] == made


def test_expanded_line_items_stop_at_100_and_line_items_pages_through_all_150(emu, api, items):
    order = emu.sale(MID, [{"item_id": items["MUF-BB"], "qty": 150}])
    assert len(order["lineItems"]["elements"]) == 150

    expanded = api.get(f"/orders/{order['id']}", expand="lineItems,payments").json()
    assert len(expanded["lineItems"]["elements"]) == 100
    assert expanded["total"] == 150 * 325
    assert len(expanded["payments"]["elements"]) == 1

    pages = [
        api.get(f"/orders/{order['id']}/line_items", limit=60, offset=o).json()["elements"]
        for o in (0, 60, 120)
    ]
    assert [len(p) for p in pages] == [60, 60, 30]
    assert len({line["id"] for page in pages for line in page}) == 150


def test_unknown_expansions_are_ignored_and_items_expand_stock_categories_and_tags(emu, api, items):
    order = emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    body = api.get(f"/orders/{order['id']}", expand="voidedLineItems,lineItems.modifications").json()
    assert "voidedLineItems" not in body
    assert body["lineItems"]["elements"][0]["modifications"] == {"elements": []}

    item = api.get(f"/items/{items['OAT-1L']}", expand="itemStock,categories,tags").json()
    assert item["itemStock"]["quantity"] == 24.0
    assert [c["name"] for c in item["categories"]["elements"]] == ["Dairy"]
    assert item["tags"] == {"elements": []}
    assert "itemStock" not in api.get(f"/items/{items['OAT-1L']}").json()


def test_orders_older_than_90_days_drop_out_only_for_the_listed_filter_fields(emu, api, items):
    old = int(time.time() * 1000) - 100 * DAY_MS
    emu.sale(MID, [{"item_id": items["MUF-BB"]}], created_time=old)
    emu.sale(MID, [{"item_id": items["MUF-BB"]}])

    assert len(api.get("/orders").json()["elements"]) == 2
    assert len(api.get("/orders", filter="total>0").json()["elements"]) == 1
    assert len(api.get("/orders", filter=f"createdTime>={old - 1}").json()["elements"]) == 1
    assert len(api.get("/orders", filter=f"modifiedTime>={old - 1}").json()["elements"]) == 2
    assert len(api.get("/orders", filter=f"clientCreatedTime>={old - 1}").json()["elements"]) == 2


def test_payments_are_narrowed_to_the_most_recent_90_days_of_the_range(emu, api, items):
    now = int(time.time() * 1000)
    for days_ago in (150, 100, 30):
        emu.sale(MID, [{"item_id": items["MUF-BB"]}], created_time=now - days_ago * DAY_MS)
    assert len(api.get("/payments").json()["elements"]) == 1
    window = api.get(
        "/payments", filter=[f"createdTime>={now - 200 * DAY_MS}", f"createdTime<={now - 90 * DAY_MS}"]
    )
    assert len(window.json()["elements"]) == 2  # 150 and 100 days ago, both within 90 days of the upper end


def test_the_90_day_rule_can_be_switched_off(emu, api, items):
    emu.settings(ninety_day_rule=False)
    emu.sale(MID, [{"item_id": items["MUF-BB"]}], created_time=int(time.time() * 1000) - 200 * DAY_MS)
    assert len(api.get("/orders", filter="total>0").json()["elements"]) == 1
    assert len(api.get("/payments").json()["elements"]) == 1
