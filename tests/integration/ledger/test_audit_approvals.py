"""Every approval reaches the audit trail: by tolerance, by a manager, and from a phone's sync."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from webapp.audit import chain
from webapp.audit.models import AuditEntry


def approvals(db, store_id):
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.store_id == store_id,
                                                       AuditEntry.entity == "approval")
                              .order_by(AuditEntry.seq)).all()


def test_an_automatic_and_a_manager_approval_are_both_in_the_trail(make_item, record, count_of, floor,
                                                                   hours_ago, login_as, db):
    item = make_item("Granola", cost_cents=250)
    record("receive", item, floor, 10, hours_ago(5))
    count_of(item, floor, 9, hours_ago(2))
    line = count_of(item, floor, 5, hours_ago(1))
    manager = login_as("manager")
    manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve", "note": "shelf was messy"})
    auto, manual = approvals(db, item.store_id)
    assert (auto.summary, auto.actor, auto.actor_id) == ("auto_approve", "system", None)
    assert (manual.summary, manual.actor, manual.actor_id) == (
        "approve", manager.user.username, manager.user.id)
    changes = json.loads(manual.changes)
    assert changes["line_id"] == [None, line.id] and changes["variance"] == [None, -4]
    assert chain.verify(item.store_id).ok


def test_an_approval_from_a_phones_sync_names_the_device(make_item, login_as, db, store):
    item = make_item("Tea", cost_cents=10)
    staff = login_as("staff")
    at = datetime.now(UTC) - timedelta(minutes=5)
    session_id = str(uuid.uuid4())
    events = [
        {"id": str(uuid.uuid4()), "type": "count_start", "occurred_at": at.isoformat(), "store_id": store.id,
         "location_id": store.selling_location.id, "session_id": session_id},
        {"id": str(uuid.uuid4()), "type": "count_scan", "occurred_at": at.isoformat(), "store_id": store.id,
         "location_id": store.selling_location.id, "session_id": session_id,
         "code": item.barcodes[0].code, "quantity": 1},
        {"id": str(uuid.uuid4()), "type": "count_submit",
         "occurred_at": (at + timedelta(minutes=1)).isoformat(),
         "store_id": store.id, "location_id": store.selling_location.id, "session_id": session_id},
    ]
    response = staff.post_json("/api/v1/sync", {"device_id": "phone-7", "device_time": datetime.now(UTC)
                                                .isoformat(), "events": events})
    assert [r["status"] for r in response.get_json()["results"]] == ["accepted"] * 3, response.get_json()
    (row,) = approvals(db, store.id)
    assert (row.summary, row.device, row.actor) == ("auto_approve", "device phone-7", staff.user.username)
