"""A device says at each sync what it still holds; the dashboard lists those holding events
over an hour old (issue #7, sync health), as their last sync said."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.integration.ledger.conftest import batch, event, iso
from webapp.reports import dashboard
from webapp.types import utcnow


@pytest.fixture
def session_id(staff, sync, floor):
    sid = str(uuid.uuid4())
    sync(staff, [event("count_start", utcnow(), session_id=sid, location_id=floor.id)])
    return sid


def send(client, sid, code, backlog, *, device_time=None, device_id="phone-late"):
    body = batch([event("count_scan", utcnow() - timedelta(minutes=1), session_id=sid, code=code)],
                 device_time=device_time, device_id=device_id)
    body["backlog"] = backlog
    return client.post_json("/api/v1/sync", body)


def listed(store):
    return {d["device_id"]: d for d in dashboard.pending_devices(store.id, utcnow())}


def test_a_phone_still_holding_events_2_hours_old_is_listed_until_it_sends_them(
        staff, session_id, make_item, store):
    code = make_item().barcodes[0].code
    clock_7_min_fast = utcnow() + timedelta(minutes=7)
    oldest_on_phone = clock_7_min_fast - timedelta(hours=2)
    answer = send(staff, session_id, code, {"count": 40, "oldest_at": iso(oldest_on_phone)},
                  device_time=clock_7_min_fast)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    device = listed(store)["phone-late"]
    assert device["events"] == 40 and device["still_held"]
    # The phone's clock is 7 minutes fast: its "2 hours ago" is 2 hours ago on ours, not 1:53.
    assert timedelta(hours=2) <= device["waited"] < timedelta(hours=2, minutes=1)

    assert send(staff, session_id, code, {"count": 0, "oldest_at": None}).status_code == 200
    assert "phone-late" not in listed(store)


def test_a_phone_holding_only_recent_events_is_not_listed(staff, session_id, make_item, store):
    code = make_item().barcodes[0].code
    recent = iso(utcnow() - timedelta(minutes=20))
    assert send(staff, session_id, code, {"count": 5, "oldest_at": recent}).status_code == 200
    assert "phone-late" not in listed(store)


def test_another_stores_devices_are_not_on_this_stores_dashboard(
        staff, session_id, make_item, store, other_store_manager):
    code = make_item().barcodes[0].code
    old = iso(utcnow() - timedelta(hours=3))
    assert send(staff, session_id, code, {"count": 2, "oldest_at": old}).status_code == 200
    theirs = dashboard.pending_devices(other_store_manager.store_id, utcnow())
    assert "phone-late" in listed(store) and "phone-late" not in {d["device_id"] for d in theirs}


@pytest.mark.parametrize("backlog, field", [
    ({"count": -1}, "backlog"),
    ({"count": "many"}, "backlog"),
    ({"count": 3}, "backlog"),
    ({"count": 3, "oldest_at": "yesterday"}, "backlog.oldest_at"),
    ([3], "backlog"),
])
def test_a_malformed_backlog_is_a_400_that_says_what_to_send(staff, session_id, make_item, backlog, field):
    code = make_item().barcodes[0].code
    answer = send(staff, session_id, code, backlog)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["field"] == field and error["message"]
