"""Price- and weight-embedded labels (GS1 prefix 02 / 20-29) counted, received and damaged.

The store states where its labels keep item reference and value (POST
/api/v1/store/label-rules); every scan path then adds the label's exact quantity.
"""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from scanner.codes import gtin_check_digit
from scanner.variable import verifier_digit
from tests.integration.ledger.conftest import event
from webapp.counting.models import CountScan
from webapp.damage.models import DamageRecord
from webapp.receiving.models import ReceiptScan
from webapp.types import utcnow

US_WEIGHT = {"prefix": "02", "kind": "weight", "item_digits": 5, "value_digits": 5, "decimals": 2}
EU_PRICE = {"prefix": "22", "kind": "price", "item_digits": 5, "value_digits": 4, "decimals": 2,
            "verifier": True}


def upca(body11: str) -> str:
    return body11 + gtin_check_digit(body11)


def ean13(body12: str) -> str:
    return body12 + gtin_check_digit(body12)


@pytest.fixture
def rules(manager):
    response = manager.post_json("/api/v1/store/label-rules", {"rules": [US_WEIGHT, EU_PRICE]})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["rules"]


@pytest.fixture
def brisket(make_item):
    # Sold by the pound at $8.99/lb, PLU 40001 as its SKU, no barcode of its own.
    return make_item("Brisket", barcodes=[], sku="40001", measure="weight", unit_name="lb", price_cents=899)


def test_the_rules_read_back_as_saved(rules, staff):
    assert staff.get("/api/v1/store/label-rules").get_json()["rules"] == [
        US_WEIGHT | {"verifier": False}, EU_PRICE]


def test_a_weight_label_over_ten_pounds_counts_its_exact_weight(rules, brisket, staff, sync, floor, db):
    label = upca("2" + "40001" + "01234")  # 12.34 lb on a UPC-A deli label
    found = staff.get(f"/api/v1/items/lookup?code={label}").get_json()
    assert (found["item"]["id"], found["pack_qty"]) == (brisket.id, 12340)
    sid = str(uuid.uuid4())
    at = utcnow() - timedelta(minutes=2)
    answer = sync(staff, [
        event("count_start", at, session_id=sid, location_id=floor.id, store_id=floor.store_id),
        event("count_scan", at, session_id=sid, code=label, quantity=1),
        event("count_scan", at, session_id=sid, code=upca("2" + "40001" + "00075"), quantity=1),
    ])
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 3, answer
    scans = db.session.scalars(select(CountScan.quantity).where(CountScan.session_id == sid)).all()
    assert sorted(scans) == [750, 12340]  # thousandths of a pound: 0.75 lb and 12.34 lb, exactly


def test_a_price_label_on_a_weighed_item_gives_its_weight_to_the_thousandth(rules, make_item, staff):
    ham = make_item("Ham", barcodes=[], sku="12345", measure="weight", unit_name="kg", price_cents=1999)
    value = "2499"  # 24.99 at 19.99 a kilogram: 1.25012... kg
    label = ean13("22" + "12345" + verifier_digit(value) + value)
    found = staff.get(f"/api/v1/items/lookup?code={label}").get_json()
    assert (found["item"]["id"], found["pack_qty"]) == (ham.id, 1250)


def test_an_item_registered_by_its_zeroed_label_is_found_by_any_of_its_labels(rules, make_item, staff):
    cheese = make_item("Cheddar", barcodes=[(upca("2" + "77777" + "00000"), 1)], measure="weight",
                       unit_name="lb", price_cents=1200)
    found = staff.get(f"/api/v1/items/lookup?code={upca('2' + '77777' + '10500')}").get_json()
    assert (found["item"]["id"], found["pack_qty"]) == (cheese.id, 105000)  # 105 lb wheel


def test_a_label_whose_price_verifier_fails_is_refused_not_counted(rules, make_item, staff):
    make_item("Ham", barcodes=[], sku="12345", measure="weight", price_cents=1999)
    wrong = str((int(verifier_digit("2499")) + 1) % 10)
    response = staff.get(f"/api/v1/items/lookup?code={ean13('22' + '12345' + wrong + '2499')}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_check_digit"


def test_a_weight_label_on_an_item_sold_each_says_what_to_fix(rules, make_item, staff):
    make_item("Pie", barcodes=[], sku="55555")
    response = staff.get(f"/api/v1/items/lookup?code={upca('2' + '55555' + '00150')}")
    assert response.status_code == 400
    assert "counted each" in response.get_json()["error"]["message"]


def test_receiving_a_weight_label_receives_its_weight(rules, brisket, receiver, sync, db):
    label = upca("2" + "40001" + "02250")  # 22.5 lb
    answer = sync(receiver, [event("receive_scan", utcnow() - timedelta(minutes=1),
                                   session_id=str(uuid.uuid4()), code=label)])
    assert answer["results"][0]["status"] == "accepted", answer
    assert db.session.scalars(select(ReceiptScan.quantity)).all() == [22500]


def test_damaging_a_labelled_pack_flags_its_weight(rules, brisket, staff, sync, floor, db):
    label = upca("2" + "40001" + "00312")  # 3.12 lb gone off
    answer = sync(staff, [event("damage", utcnow() - timedelta(minutes=1), location_id=floor.id,
                                code=label, reason="expired")])
    assert answer["results"][0]["status"] == "accepted", answer
    assert db.session.scalars(select(DamageRecord.quantity)).all() == [3120]


@pytest.mark.parametrize(("rules_body", "says"), [
    ([{"prefix": "30", "kind": "price", "item_digits": 5, "value_digits": 5, "decimals": 2}], "prefix"),
    ([{"prefix": "02", "kind": "price", "item_digits": 5, "value_digits": 4, "decimals": 2}], "10 digits"),
    ([US_WEIGHT, US_WEIGHT], "One rule per prefix"),
    ([{"prefix": "02", "kind": "weight"}], "missing"),
    ("02", "list"),
])
def test_a_rule_that_cannot_be_laid_out_is_a_400_that_says_why(manager, rules_body, says):
    response = manager.post_json("/api/v1/store/label-rules", {"rules": rules_body})
    assert response.status_code == 400
    assert says in response.get_json()["error"]["message"]


def test_without_rules_a_prefix_2_code_is_an_ordinary_gtin(make_item, staff):
    item = make_item("Shelf-stable")  # make_item's codes start with 20
    found = staff.get(f"/api/v1/items/lookup?code={item.barcodes[0].code}").get_json()
    assert (found["item"]["id"], found["pack_qty"]) == (item.id, 1)


def test_a_label_the_phone_did_not_know_counts_its_weight_at_sync(rules, brisket, staff, sync, floor, db):
    """The phone's catalog has no rule: it sends the label as an unknown scan; the server applies it."""
    sid = str(uuid.uuid4())
    at = utcnow() - timedelta(minutes=2)
    answer = sync(staff, [
        event("count_start", at, session_id=sid, location_id=floor.id, store_id=floor.store_id),
        event("unknown_barcode", at, code=upca("2" + "40001" + "01500"), quantity=1, session_id=sid,
              location_id=floor.id, context="count"),
    ])
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 2, answer
    assert db.session.scalars(select(CountScan.quantity).where(CountScan.session_id == sid)).all() == [15000]
