"""Every scan counts, whenever it arrives (DESIGN.md, issue 15): a second counter's offline scans
that reach the server after the session was submitted join their line and send it back to a
manager, whether the line was pending or already approved."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.integration.ledger.conftest import event
from webapp.counting.models import CountLine
from webapp.inventory.models import StockEvent


@pytest.fixture
def shelf(make_item, record, floor, hours_ago):
    """An item with 30 on the floor since 6 hours ago, 100 cents each at cost."""
    item = make_item("Beans", cost_cents=100)
    record("receive", item, floor, 30, hours_ago(6))
    return item


def line_of(db, item) -> CountLine:
    db.session.expire_all()
    return db.session.scalars(select(CountLine).where(CountLine.item_id == item.id)).one()


def adjustments_of(db, line) -> int:
    """The line's variance as the ledger explains it: the adjustments of every revision of its count."""
    return db.session.scalar(select(func.coalesce(func.sum(StockEvent.quantity), 0)).where(
        StockEvent.kind == "adjustment",
        (StockEvent.count_key == f"count:{line.id}") | StockEvent.count_key.like(f"count:{line.id}:%")))


def start(sid, floor, at):
    return event("count_start", at, session_id=sid, location_id=floor.id, store_id=floor.store_id)


def scan(sid, item, quantity, at, **fields):
    return event("count_scan", at, session_id=sid, code=item.barcodes[0].code, quantity=quantity, **fields)


def test_counter_bs_17_offline_scans_synced_after_the_submit_join_counter_as_12_as_29(
        login_as, sync, shelf, floor, hours_ago, level_of, db):
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana, ben = login_as("staff"), login_as("staff")
    sync(ana, [start(sid, floor, t), scan(sid, shelf, 12, t + timedelta(minutes=1)),
               event("count_submit", t + timedelta(minutes=5), session_id=sid)])
    assert (line_of(db, shelf).counted, line_of(db, shelf).variance) == (12, -18)

    answer = sync(ben, [scan(sid, shelf, 17, t + timedelta(minutes=2))], device_id="phone-2")
    assert [r["status"] for r in answer["results"]] == ["accepted"]
    line = line_of(db, shelf)
    assert (line.counted, line.expected, line.variance, line.status) == (29, 30, -1, "pending")
    assert "late_scans" in line.flag_list
    assert line.counters == ", ".join(sorted([ana.user.username, ben.user.username]))
    assert level_of(shelf, floor) == 30, "a pending count changes nothing"

    manager = login_as("manager")
    assert manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve"}).status_code == 303
    assert level_of(shelf, floor) == 29
    assert adjustments_of(db, line) == -1


def test_late_scans_after_an_approval_send_the_line_back_and_leave_the_approved_count_untouched(
        login_as, sync, shelf, floor, hours_ago, level_of, db):
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana, ben, manager = login_as("staff"), login_as("staff"), login_as("manager")
    sync(ana, [start(sid, floor, t), scan(sid, shelf, 12, t + timedelta(minutes=1)),
               event("count_submit", t + timedelta(minutes=5), session_id=sid)])
    first = line_of(db, shelf)
    manager.post_form(f"/approvals/{first.id}/decide", {"action": "approve"})
    assert (level_of(shelf, floor), adjustments_of(db, first)) == (12, -18)

    sync(ben, [scan(sid, shelf, 17, t + timedelta(minutes=2))], device_id="phone-2")
    line = line_of(db, shelf)
    assert (line.counted, line.variance, line.status) == (29, -1, "pending")
    assert "late_scans" in line.flag_list
    assert (level_of(shelf, floor), adjustments_of(db, line)) == (12, -18), \
        "the approved count stands until a manager approves the new figure"
    page = manager.get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "after the count was submitted" in page

    manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve"})
    assert (level_of(shelf, floor), adjustments_of(db, line)) == (29, -1)
    counts = db.session.scalars(select(StockEvent.quantity).where(
        StockEvent.kind == "count", StockEvent.item_id == shelf.id).order_by(StockEvent.id)).all()
    assert counts == [12, 29], "a correction is a new revision of the count, never an edit"


def test_a_late_batch_sent_twice_counts_once(login_as, sync, shelf, floor, hours_ago, db):
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana, ben = login_as("staff"), login_as("staff")
    sync(ana, [start(sid, floor, t), scan(sid, shelf, 12, t + timedelta(minutes=1)),
               event("count_submit", t + timedelta(minutes=5), session_id=sid)])
    late = [scan(sid, shelf, 10, t + timedelta(minutes=2)), scan(sid, shelf, 7, t + timedelta(minutes=3))]
    sync(ben, late, device_id="phone-2")
    again = sync(ben, late, device_id="phone-2")
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert line_of(db, shelf).counted == 29


def test_a_late_scan_of_an_item_nobody_else_counted_makes_a_new_line_for_a_manager(
        login_as, sync, shelf, make_item, record, floor, hours_ago, db):
    other = make_item("Rice", cost_cents=100)
    record("receive", other, floor, 5, hours_ago(6))
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana, ben = login_as("staff"), login_as("staff")
    sync(ana, [start(sid, floor, t), scan(sid, shelf, 30, t + timedelta(minutes=1)),
               event("count_submit", t + timedelta(minutes=5), session_id=sid)])
    sync(ben, [scan(sid, other, 5, t + timedelta(minutes=2))], device_id="phone-2")
    line = line_of(db, other)
    assert (line.counted, line.variance, line.status) == (5, 0, "pending")
    assert "late_scans" in line.flag_list, "flagged, so not approved automatically though exact"


def test_a_scan_into_a_cancelled_session_is_still_refused(login_as, sync, shelf, floor, hours_ago, db):
    from webapp.counting.models import CountSession

    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana = login_as("staff")
    sync(ana, [start(sid, floor, t)])
    db.session.get(CountSession, sid).status = "cancelled"
    db.session.commit()
    (result,) = sync(ana, [scan(sid, shelf, 3, t + timedelta(minutes=1))])["results"]
    assert (result["status"], result["error"]["code"]) == ("rejected", "session_closed")


# Where counter B's two batches reach the server relative to A's submit and the manager's
# approvals: "before" the submit, "pending" (after the submit, before any approval), or
# "approved" (after the manager approved what was there).
ARRIVALS = [("before", "before"), ("before", "pending"), ("pending", "pending"), ("pending", "approved"),
            ("approved", "approved"), ("before", "approved")]


@pytest.mark.parametrize("arrivals", ARRIVALS, ids=["-".join(a) for a in ARRIVALS])
def test_any_interleaving_of_submit_approval_and_late_scans_ends_as_if_every_scan_came_first(
        arrivals, login_as, sync, make_item, record, floor, hours_ago, level_of, db):
    ana, ben, manager = login_as("staff"), login_as("staff"), login_as("manager")
    t = hours_ago(3)

    def run(item, when):
        record("receive", item, floor, 30, hours_ago(8))
        record("sale", item, floor, -2, t + timedelta(minutes=30))  # after the count: applied after it
        sid = str(uuid.uuid4())
        b_batches = [[scan(sid, item, 9, t + timedelta(minutes=2))],
                     [scan(sid, item, 8, t + timedelta(minutes=4)),
                      event("count_line_edit", t + timedelta(minutes=6), session_id=sid,
                            code=item.barcodes[0].code, quantity=10)]]
        sync(ana, [start(sid, floor, t), scan(sid, item, 12, t + timedelta(minutes=1)),
                   scan(sid, item, 3, t + timedelta(minutes=3))])
        for stage in ("before", "pending", "approved"):
            if stage == "approved":
                for line in db.session.scalars(select(CountLine).where(CountLine.item_id == item.id,
                                                                       CountLine.status == "pending")):
                    manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve"})
            for batch, arrival in zip(b_batches, when, strict=True):
                if arrival == stage:
                    sync(ben, batch, device_id="phone-2")
            if stage == "before":
                sync(ana, [event("count_submit", t + timedelta(minutes=10), session_id=sid)])
        line = line_of(db, item)
        if line.status == "pending":
            manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve"})
        line = line_of(db, item)
        return ((line.counted, line.expected, line.variance, line.value_cents, line.status),
                level_of(item, floor), adjustments_of(db, line)), line.counted_at

    interleaved, at = run(make_item("Interleaved", cost_cents=100), arrivals)
    first, first_at = run(make_item("All first", cost_cents=100), ("before", "before"))
    assert interleaved == first
    assert abs(at - first_at) < timedelta(seconds=2), "only the network's latency apart"
