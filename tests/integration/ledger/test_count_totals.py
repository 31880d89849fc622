"""GET /api/v1/count-sessions/<id>/totals: the server's totals the phone's count screen shows.

Per item: this user's total over all their devices (mine), the asking device's part (here)
and, for a manager only, the session's total (everyone). Issue #14 bug 2.
"""

from __future__ import annotations

from datetime import timedelta

from tests.integration.ledger.conftest import event
from webapp.types import utcnow


def _session(client, sync, location_id):
    import uuid

    sid = str(uuid.uuid4())
    sync(client, [event("count_start", utcnow(), session_id=sid, location_id=location_id)])
    return sid


def _scan(client, sync, sid, location_id, code, device, quantity=1, at=None, type_="count_scan"):
    sync(client, [event(type_, at or utcnow(), session_id=sid, location_id=location_id, code=code,
                        quantity=quantity)], device_id=device)


def test_totals_per_user_and_device_and_the_session_for_a_manager(store, make_item, login_as, make_user,
                                                                    sync):
    back = [loc for loc in store.locations if loc.name == "Back room"][0]
    crackers = make_item("Rye Crackers")
    chips = make_item("Sea Salt Chips")
    code, other_code = crackers.barcodes[0].code, chips.barcodes[0].code
    sam = make_user("staff")
    phone_a, phone_b = login_as(user=sam), login_as(user=sam)
    ria = login_as("staff")
    mia = login_as("manager")
    sid = _session(phone_a, sync, back.id)
    t0 = utcnow() - timedelta(minutes=5)
    for i in range(3):
        _scan(phone_a, sync, sid, back.id, code, "phone-a", at=t0 + timedelta(seconds=i))
    _scan(phone_b, sync, sid, back.id, code, "phone-b", at=t0 + timedelta(seconds=10))
    _scan(ria, sync, sid, back.id, code, "ria-phone", quantity=4, at=t0 + timedelta(seconds=11))
    _scan(ria, sync, sid, back.id, other_code, "ria-phone", at=t0 + timedelta(seconds=12))
    # A fix from phone B replaces phone B's part only.
    _scan(phone_b, sync, sid, back.id, code, "phone-b", quantity=2, at=t0 + timedelta(seconds=20),
          type_="count_line_edit")

    body = phone_b.get(f"/api/v1/count-sessions/{sid}/totals?device=phone-b").get_json()
    assert body["lines"] == [{"item_id": crackers.id, "name": "Rye Crackers", "mine": 5, "here": 2}]
    body = phone_a.get(f"/api/v1/count-sessions/{sid}/totals?device=phone-a").get_json()
    assert body["lines"] == [{"item_id": crackers.id, "name": "Rye Crackers", "mine": 5, "here": 3}]
    answer = mia.get(f"/api/v1/count-sessions/{sid}/totals?device=mia-phone")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.get_json()["lines"] == [
        {"item_id": crackers.id, "name": "Rye Crackers", "mine": 0, "here": 0, "everyone": 9},
        {"item_id": chips.id, "name": "Sea Salt Chips", "mine": 0, "here": 0, "everyone": 1},
    ]


def test_another_stores_session_is_not_found(store, make_store, make_user, login_as, sync):
    back = [loc for loc in store.locations if loc.name == "Back room"][0]
    sid = _session(login_as("staff"), sync, back.id)
    other = make_store("Rival Grocers")
    rival = login_as(user=make_user("manager", store_id=other.id, username="rival"))
    response = rival.get(f"/api/v1/count-sessions/{sid}/totals")
    assert response.status_code == 404
    assert "No count session" in response.get_json()["error"]["message"]
