"""POST /api/v1/sync and GET /api/v1/catalog, held to DESIGN.md "The sync contract"."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.integration.ledger.conftest import batch, event, iso
from webapp.counting.models import CountScan
from webapp.sync.models import SyncReceipt
from webapp.types import utcnow


@pytest.fixture
def session_id(staff, sync, floor):
    sid = str(uuid.uuid4())
    answer = sync(staff, [event("count_start", utcnow(), session_id=sid, location_id=floor.id,
                                store_id=floor.store_id)])
    assert answer["results"][0]["status"] == "accepted", answer
    return sid


def scan(session_id, code, at=None, **fields):
    return event("count_scan", at or utcnow() - timedelta(minutes=1), session_id=session_id, code=code,
                 **({"quantity": 1} | fields))


def test_each_event_is_answered_in_order_accepted_duplicate_or_rejected(staff, sync, session_id, make_item):
    code = make_item().barcodes[0].code
    first = scan(session_id, code)
    answer = sync(staff, [first, dict(first), scan(session_id, "999"), scan(session_id, code)])
    assert [r["status"] for r in answer["results"]] == ["accepted", "duplicate", "rejected", "accepted"]
    assert [r["id"] for r in answer["results"]][:2] == [first["id"], first["id"]]
    assert answer["results"][2]["error"] == {"code": "unknown_code", "message": "No item has barcode 999.",
                                             "field": "code"}
    assert answer["server_time"].endswith("Z")


def test_sending_the_same_batch_twice_changes_nothing(staff, sync, session_id, make_item, db):
    code = make_item().barcodes[0].code
    events = [scan(session_id, code) for _ in range(5)]
    assert {r["status"] for r in sync(staff, events)["results"]} == {"accepted"}
    assert {r["status"] for r in sync(staff, events)["results"]} == {"duplicate"}
    assert db.session.scalar(select(func.count()).select_from(CountScan)) == 5


def test_an_unknown_type_is_rejected_and_its_neighbours_still_land(staff, sync, session_id, make_item):
    code = make_item().barcodes[0].code
    answer = sync(staff, [scan(session_id, code), event("teleport", utcnow()), scan(session_id, code)])
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "accepted"]
    assert answer["results"][1]["error"]["code"] == "unknown_type"


def test_a_rejected_event_leaves_no_receipt_and_is_accepted_once_fixed(staff, sync, session_id, make_item):
    bad = scan(session_id, "0036000291452")
    assert sync(staff, [bad])["results"][0]["status"] == "rejected"
    make_item(barcodes=[("0036000291452", 1)])
    assert sync(staff, [bad])["results"][0]["status"] == "accepted"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"quantity": -2}, "negative_quantity"),
        ({"quantity": 0}, "bad_field"),
        ({"quantity": "3"}, "bad_field"),
        ({"code": "nope"}, "unknown_code"),
        ({"store_id": 999}, "wrong_store"),
        ({"session_id": "no-such-session"}, "unknown_session"),
        ({"occurred_at": "yesterday"}, "bad_time"),
        ({"occurred_at": "2026-11-28T10:02:11"}, "bad_time"),
        ({"id": None}, "missing_field"),
        ({"location_id": 424242}, "unknown_location"),
    ],
)
def test_a_scan_with_a_bad_field_is_rejected_with_its_code(staff, sync, session_id, make_item, change, code):
    good = scan(session_id, make_item().barcodes[0].code)
    answer = sync(staff, [good | change, scan(session_id, good["code"])])
    assert answer["results"][0]["status"] == "rejected"
    assert answer["results"][0]["error"]["code"] == code
    assert answer["results"][1]["status"] == "accepted"


def test_a_location_of_another_store_is_rejected_as_wrong_store(staff, sync, session_id, make_item,
                                                                 make_store):
    rival = make_store("Rival Grocers").selling_location
    bad = scan(session_id, make_item().barcodes[0].code, location_id=rival.id)
    assert sync(staff, [bad])["results"][0]["error"]["code"] == "wrong_store"


def test_an_event_more_than_the_allowance_in_the_future_is_rejected(staff, sync, session_id, make_item, app):
    allowance = app.config["CLOCK_SKEW_ALLOWANCE_SECONDS"]
    code = make_item().barcodes[0].code
    now = utcnow()
    answer = sync(staff, [scan(session_id, code, at=now + timedelta(seconds=allowance + 60)),
                          scan(session_id, code, at=now + timedelta(seconds=allowance - 60))],
                  device_time=now)
    assert [r["status"] for r in answer["results"]] == ["rejected", "accepted"]
    assert answer["results"][0]["error"]["code"] == "future_time"


def test_a_device_clock_7_minutes_fast_lands_a_scan_7_minutes_earlier_keeping_both_times(
        staff, sync, session_id, make_item, db):
    fast = timedelta(minutes=7)
    true_scan_time = utcnow().replace(microsecond=0) - timedelta(minutes=2)
    sent = scan(session_id, make_item().barcodes[0].code, at=true_scan_time + fast)
    sync(staff, [sent], device_time=utcnow() + fast)
    row = db.session.scalars(select(CountScan)).one()
    receipt = db.session.get(SyncReceipt, sent["id"])
    assert abs(row.occurred_at - true_scan_time) < timedelta(seconds=5)
    assert row.device_time == true_scan_time + fast
    assert receipt.device_occurred_at == true_scan_time + fast
    assert receipt.occurred_at == row.occurred_at


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "bad_request"),
        ({"device_time": iso(utcnow()), "events": [{}]}, 400, "bad_request"),
        ({"device_id": "p", "events": [{}]}, 400, "bad_time"),
        ({"device_id": "p", "device_time": iso(utcnow()), "events": []}, 400, "no_events"),
        ({"device_id": "p", "device_time": iso(utcnow()), "events": [{}] * 1001}, 413, "too_many_events"),
    ],
)
def test_a_malformed_request_is_refused_whole(staff, body, status, code):
    if isinstance(body, str):
        response = staff.post("/api/v1/sync", data=body, content_type="application/json",
                              headers={"X-CSRFToken": staff.csrf_token()})
    else:
        response = staff.post_json("/api/v1/sync", body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_sync_without_a_login_is_401_and_without_the_csrf_header_is_400(client, staff):
    assert client.post("/api/v1/sync", json=batch([{}])).status_code in (400, 401)
    anonymous = client.post("/api/v1/sync", json=batch([{}]), headers={"X-CSRFToken": client.csrf_token()})
    assert anonymous.status_code == 401
    no_token = staff.post("/api/v1/sync", json=batch([event("count_scan", utcnow())]))
    assert no_token.status_code == 400
    assert no_token.get_json()["error"]["code"] == "csrf_failed"


def test_the_catalog_answers_304_to_its_own_etag_and_only_changes_after_since(login_as, make_item):
    oat = make_item("Oat Milk", cost_cents=310, barcodes=[("0036000291452", 1), ("10036000291459", 12)])
    staff = login_as("staff")
    first = staff.get("/api/v1/catalog")
    body = first.get_json()
    assert [i["name"] for i in body["items"]] == ["Oat Milk"]
    assert body["items"][0]["barcodes"][1] == {"code": "10036000291459", "gtin14": "10036000291459",
                                               "pack_qty": 12}
    assert "cost_cents" not in body["items"][0]
    again = staff.get("/api/v1/catalog", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    later = staff.get("/api/v1/catalog", query_string={"since": body["next_since"]}).get_json()
    assert later["items"] == []
    assert oat.id == body["items"][0]["id"]
    assert login_as("manager").get("/api/v1/catalog").get_json()["items"][0]["cost_cents"] == 310


def test_the_catalog_is_gzipped_for_a_phone_that_accepts_it_and_its_etag_still_answers_304(
        login_as, make_item):
    import gzip

    make_item("Oat Milk", barcodes=[("0036000291452", 1)])
    make_item("Rye Bread")
    staff = login_as("staff")
    plain = staff.get("/api/v1/catalog")
    zipped = staff.get("/api/v1/catalog", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert [i["name"] for i in plain.get_json()["items"]] == ["Oat Milk", "Rye Bread"]
    # Each encoding has its own ETag (RFC 9110), and either names the same catalog.
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    for etag in (zipped.headers["ETag"], plain.headers["ETag"]):
        again = staff.get("/api/v1/catalog", headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
        assert again.status_code == 304


def test_the_catalog_after_since_holds_the_changed_items_with_all_their_codes(login_as, make_item, db):
    from webapp.types import utcnow

    kept = make_item("Kept", barcodes=[("0036000291452", 1)])
    changed = make_item("Changed", barcodes=[("0012345678905", 1), ("10012345678902", 6)])
    staff = login_as("staff")
    since = staff.get("/api/v1/catalog").get_json()["next_since"]
    changed.name = "Changed again"
    changed.modified_at = utcnow()
    db.session.commit()
    later = staff.get("/api/v1/catalog", query_string={"since": since}).get_json()
    assert [(i["name"], [b["code"] for b in i["barcodes"]]) for i in later["items"]] == [
        ("Changed again", ["0012345678905", "10012345678902"])]
    assert kept.id not in {i["id"] for i in later["items"]}


def test_the_catalog_never_shows_another_stores_items(login_as, make_item, make_store):
    rival = make_store("Rival Grocers")
    make_item("Theirs", store_id=rival.id)
    make_item("Ours")
    assert [i["name"] for i in login_as("staff").get("/api/v1/catalog").get_json()["items"]] == ["Ours"]
