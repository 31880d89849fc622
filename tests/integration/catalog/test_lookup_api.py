"""GET /api/v1/items/lookup: any spelling of a code finds the item and the pack it means."""

import pytest

UPC = "036000291452"  # a UPC-A; its EAN-13 spelling is 0036000291452
CASE = "10036000291459"  # the case GTIN-14 of the same product, 12 units


@pytest.fixture
def tissue(make_item):
    return make_item("Soft Tissue", sku="TIS-1", cost_cents=210, price_cents=399,
                     barcodes=[(UPC, 1), (CASE, 12)])


@pytest.mark.parametrize(
    ("code", "pack_qty"),
    [
        (UPC, 1),  # UPC-A as printed
        ("0" + UPC, 1),  # EAN-13, as zbar reports a UPC-A
        ("00" + UPC, 1),  # GTIN-14 form of the unit
        (CASE, 12),  # the case
        (f" {UPC}\r\n", 1),  # a keyboard-wedge scanner's trailing CR/LF
        ("TIS-1", 1),  # the SKU, as a Code 39 shelf label carries it
        ("tis-1", 1),
    ],
)
def test_any_spelling_of_a_code_finds_the_item_and_its_pack(login_as, tissue, code, pack_qty):
    client = login_as("staff")
    response = client.get("/api/v1/items/lookup", query_string={"code": code})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["item"]["id"] == tissue.id
    assert body["item"]["name"] == "Soft Tissue"
    assert body["pack_qty"] == pack_qty


def test_a_upc_e_finds_the_item_stored_under_its_upc_a(login_as, make_item):
    item = make_item("Small Can", barcodes=[("042100005264", 1)])
    body = login_as("staff").get("/api/v1/items/lookup?code=04252614").get_json()
    assert body["item"]["id"] == item.id
    assert body["gtin14"] == "00042100005264"


def test_a_non_gtin_code_is_matched_as_printed(login_as, make_item):
    item = make_item("Bananas", barcodes=[("4011", 1)], measure="weight", unit_name="lb")
    body = login_as("staff").get("/api/v1/items/lookup?code=4011").get_json()
    assert body["item"]["id"] == item.id
    assert body["item"]["measure"] == "weight"


def test_an_unknown_code_answers_404_unknown_code(login_as, tissue):
    response = login_as("staff").get("/api/v1/items/lookup?code=4006381333931")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "unknown_code"
    assert "4006381333931" in error["message"]
    assert error["field"] == "code"


def test_a_missing_code_is_a_400(login_as):
    response = login_as("staff").get("/api/v1/items/lookup")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "missing_code"


@pytest.mark.parametrize(("role", "sees_cost"), [("staff", False), ("receiver", False),
                                                  ("manager", True), ("admin", True)])
def test_cost_reaches_managers_only(login_as, tissue, role, sees_cost):
    item = login_as(role).get(f"/api/v1/items/lookup?code={UPC}").get_json()["item"]
    assert ("cost_cents" in item) is sees_cost
    if sees_cost:
        assert item["cost_cents"] == 210


def test_another_stores_codes_are_unknown(login_as, tissue, other_store_manager):
    client = login_as(user=other_store_manager)
    response = client.get(f"/api/v1/items/lookup?code={UPC}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_code"


def test_an_anonymous_lookup_answers_401_json(client, tissue):
    response = client.get(f"/api/v1/items/lookup?code={UPC}")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "login_required"
