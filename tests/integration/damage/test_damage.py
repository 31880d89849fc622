"""Flagging damage: a reason from the store's list, at once below the threshold, approved above it."""

import io

import pytest
from sqlalchemy import select

from tests.integration.receiving.syncing import ev, level, minutes_ago, sync
from webapp.damage.models import DamageRecord
from webapp.inventory.models import StockEvent


@pytest.fixture
def app_config(tmp_path):
    return {"PHOTO_DIR": str(tmp_path / "photos")}


@pytest.fixture
def floor(store):
    return store.selling_location


@pytest.fixture
def stocked(make_item, floor, login_as):
    """An item worth $4 a unit with 20 on the floor, received through the dock."""
    item = make_item("Olive Oil", cost_cents=400)
    receiver = login_as("receiver")
    sync(receiver, ev("receive_scan", minutes_ago(120), session_id="s-1", code=item.barcodes[0].code,
                      quantity=20, location_id=floor.id),
         ev("receive_close", minutes_ago(119), session_id="s-1"))
    assert level(item, floor) == 20
    return item


def flag(item, floor, quantity, reason="damaged", at=None, **fields):
    return ev("damage", at or minutes_ago(5), code=item.barcodes[0].code, location_id=floor.id,
              quantity=quantity, reason=reason, **fields)


def test_damage_below_the_threshold_applies_at_once_at_the_time_of_the_flag(login_as, stocked, floor, db):
    staff = login_as("staff")
    at = minutes_ago(30)
    sync(staff, flag(stocked, floor, 3, "expired", at=at, note="best before last week"))  # $12 < $50
    assert level(stocked, floor) == 17
    record = db.session.scalar(select(DamageRecord))
    assert (record.status, record.value_cents, record.reason) == ("applied", 1200, "expired")
    event = db.session.scalar(select(StockEvent).where(StockEvent.kind == "damage"))
    assert event.quantity == -3 and abs((event.occurred_at - at).total_seconds()) < 5


def test_damage_above_the_threshold_waits_for_a_manager(login_as, stocked, floor, db):
    staff = login_as("staff")
    at = minutes_ago(30)
    sync(staff, flag(stocked, floor, 15, "theft or missing", at=at))  # $60 > $50
    assert level(stocked, floor) == 20
    record = db.session.scalar(select(DamageRecord))
    assert record.status == "pending"
    manager = login_as("manager")
    queue = manager.get("/damage/queue").get_data(as_text=True)
    assert "Olive Oil" in queue and "$60.00" in queue
    assert manager.post_form(f"/damage/{record.id}/approve").status_code == 302
    assert level(stocked, floor) == 5
    event = db.session.scalar(select(StockEvent).where(StockEvent.kind == "damage"))
    assert abs((event.occurred_at - at).total_seconds()) < 5  # at the flag, not the approval
    assert f"damage-{record.id}" not in manager.get("/damage/queue").get_data(as_text=True)
    assert manager.post_form(f"/damage/{record.id}/approve").status_code == 409


def test_a_rejected_flag_leaves_stock_alone(login_as, stocked, floor, db):
    sync(login_as("staff"), flag(stocked, floor, 15))
    record = db.session.scalar(select(DamageRecord))
    response = login_as("manager").post_form(f"/damage/{record.id}/reject", {"note": "found them"})
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.status == "rejected" and level(stocked, floor) == 20


def test_a_receiver_cannot_approve(login_as, stocked, floor, db):
    sync(login_as("staff"), flag(stocked, floor, 15))
    record = db.session.scalar(select(DamageRecord))
    receiver = login_as("receiver")
    assert receiver.post_form(f"/damage/{record.id}/approve").status_code == 403
    assert receiver.get("/damage/queue").status_code == 403
    assert level(stocked, floor) == 20


def test_a_manager_of_another_store_cannot_see_or_approve(login_as, stocked, floor, db, other_store_manager):
    sync(login_as("staff"), flag(stocked, floor, 15))
    record = db.session.scalar(select(DamageRecord))
    rival = login_as(user=other_store_manager)
    assert "Olive Oil" not in rival.get("/damage/queue").get_data(as_text=True)
    assert rival.post_form(f"/damage/{record.id}/approve").status_code == 404


@pytest.mark.parametrize(("reason", "code"), [("", "missing_field"), ("bored", "bad_reason")])
def test_a_reason_from_the_store_list_is_mandatory(login_as, stocked, floor, reason, code):
    results = sync(login_as("staff"), flag(stocked, floor, 1, reason), expect="rejected")
    assert results[0]["error"]["code"] == code
    assert results[0]["error"]["field"] == "reason"


def test_the_reason_list_and_threshold_are_store_settings(login_as, stocked, floor, store, db):
    store.damage_reasons = "dented,leaking"
    store.damage_approval_cents = 0
    db.session.commit()
    staff = login_as("staff")
    refused = sync(staff, flag(stocked, floor, 1, "expired"), expect="rejected")
    assert refused[0]["error"]["code"] == "bad_reason"
    sync(staff, flag(stocked, floor, 1, "leaking"))
    assert db.session.scalar(select(DamageRecord.status)) == "pending"  # any value is above $0


def test_a_flag_carries_its_photos_and_only_this_stores(login_as, stocked, floor, db, other_store_manager):
    from PIL import Image

    staff = login_as("staff")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG")
    uploaded = staff.post("/photos", data={"photo": (io.BytesIO(buffer.getvalue()), "p.jpg")},
                          headers={"X-CSRFToken": staff.csrf_token()}, content_type="multipart/form-data")
    photo_id = uploaded.json["id"]
    rival = login_as(user=other_store_manager)
    assert sync(rival, ev("damage", minutes_ago(1), code=stocked.barcodes[0].code,
                          location_id=rival.user.store.selling_location.id, quantity=1, reason="damaged",
                          photo_ids=[photo_id]), expect="rejected")[0]["error"]["code"] in (
        "unknown_code", "unknown_photo")
    sync(staff, flag(stocked, floor, 1, photo_ids=[photo_id]))
    record = db.session.scalar(select(DamageRecord))
    assert [p.id for p in record.photos] == [photo_id]
    assert f"/photos/{photo_id}" in login_as("manager").get("/damage/").get_data(as_text=True)


def test_the_recent_list_shows_value_to_managers_only(login_as, stocked, floor):
    sync(login_as("staff"), flag(stocked, floor, 2))
    assert "$8.00" not in login_as("staff").get("/damage/").get_data(as_text=True)
    assert "$8.00" in login_as("manager").get("/damage/").get_data(as_text=True)


def test_anyone_may_open_the_flag_screen(login_as):
    page = login_as("staff").get("/damage/new").get_data(as_text=True)
    assert "theft or missing" in page and 'type="file"' in page
