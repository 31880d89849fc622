"""The issue's worked examples, end to end: phone batches through the sync API, the manager's
pages, and the ledger underneath."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.integration.ledger.conftest import adjustments, event
from webapp.counting.models import CountLine
from webapp.inventory import ledger


def count_batch(session_id, location, scans, submit_at, **submit_fields):
    """A phone's whole offline count: start, scans [(code, quantity, at)], submit."""
    first = min(at for _, _, at in scans) if scans else submit_at
    return [event("count_start", first - timedelta(minutes=1), session_id=session_id,
                  location_id=location.id, store_id=location.store_id)] + [
        event("count_scan", at, session_id=session_id, code=code, quantity=n) for code, n, at in scans
    ] + [event("count_submit", submit_at, session_id=session_id, **submit_fields)]


def line_for(db, item):
    db.session.expire_all()
    return db.session.scalars(select(CountLine).where(CountLine.item_id == item.id)
                              .order_by(CountLine.id.desc())).first()


def test_an_offline_count_of_20_synced_4_hours_late_lands_at_its_time_and_the_5_sales_since_follow(
        login_as, sync, record, floor, make_item, hours_ago, level_of, db):
    oat = make_item("Oat Milk", cost_cents=300)
    record("opening", oat, floor, 30, hours_ago(6))
    record("sale", oat, floor, -2, hours_ago(4, 30))
    counted_at = hours_ago(4)
    for h, m, units in [(3, 30, 1), (2, 0, 3), (0, 15, 1)]:
        record("sale", oat, floor, -units, hours_ago(h, m))
    assert level_of(oat, floor) == 23

    staff = login_as("staff")
    answer = sync(staff, count_batch(str(uuid.uuid4()), floor, [(oat.barcodes[0].code, 20, counted_at)],
                                     counted_at + timedelta(minutes=1)))
    assert {r["status"] for r in answer["results"]} == {"accepted"}
    line = line_for(db, oat)
    assert abs(line.counted_at - counted_at) < timedelta(seconds=2), "only the network's latency apart"
    assert (line.expected, line.variance, line.status) == (28, -8, "pending")
    assert level_of(oat, floor) == 23, "a pending count changes nothing"

    manager = login_as("manager")
    assert manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve"}).status_code == 303
    assert level_of(oat, floor) == 20 - 5
    assert adjustments(db, f"count:{line.id}") == [-8]
    assert ledger.level_at(oat.id, floor.id, line.counted_at) == 20
    assert ledger.level_at(oat.id, floor.id, line.counted_at - timedelta(seconds=1)) == 28


def test_a_sale_2_minutes_after_the_last_scan_is_flagged_and_one_8_minutes_after_is_not(
        login_as, sync, record, floor, make_item, hours_ago, db):
    near, far = make_item("Near"), make_item("Far")
    for item in (near, far):
        record("receive", item, floor, 10, hours_ago(5))
    t = hours_ago(1)
    record("sale", near, floor, -1, t + timedelta(minutes=4))
    record("sale", far, floor, -1, t + timedelta(minutes=10))
    scans = [(near.barcodes[0].code, 5, t), (near.barcodes[0].code, 5, t + timedelta(minutes=2)),
             (far.barcodes[0].code, 10, t + timedelta(minutes=2))]
    sync(login_as("staff"), count_batch(str(uuid.uuid4()), floor, scans, t + timedelta(minutes=3)))
    flagged = line_for(db, near)
    assert "sale_during_count" in flagged.flag_list
    assert flagged.last_scan_at - flagged.first_scan_at == timedelta(minutes=2)
    assert "sale_during_count" not in line_for(db, far).flag_list


def test_two_counters_scanning_7_and_5_in_one_session_give_one_count_of_12(
        login_as, sync, record, floor, make_item, hours_ago, db):
    soap = make_item("Soap", cost_cents=100)
    record("receive", soap, floor, 12, hours_ago(9))
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana, ben = login_as("staff"), login_as("staff")
    code = soap.barcodes[0].code
    sync(ana, count_batch(sid, floor, [(code, 4, t), (code, 3, t + timedelta(minutes=1))], t)[:-1])
    sync(ben, [event("count_scan", t + timedelta(minutes=2), session_id=sid, code=code, quantity=5)])
    sync(ben, [event("count_submit", t + timedelta(minutes=3), session_id=sid)])
    line = line_for(db, soap)
    assert (line.counted, line.variance) == (12, 0)
    assert line.counters == ", ".join(sorted([ana.user.username, ben.user.username]))
    assert "several_counters" in line.flag_list
    assert line.status == "approved", "a variance of 0 is inside tolerance"


def test_a_counter_fixing_a_miscount_replaces_only_their_own_total_of_9_with_6(
        login_as, sync, floor, make_item, hours_ago, db):
    tea = make_item("Tea")
    sid, t = str(uuid.uuid4()), hours_ago(1)
    ana, ben = login_as("staff"), login_as("staff")
    code = tea.barcodes[0].code
    sync(ana, count_batch(sid, floor, [(code, 9, t)], t)[:-1])
    sync(ben, [event("count_scan", t + timedelta(minutes=1), session_id=sid, code=code, quantity=4)])
    sync(ana, [event("count_line_edit", t + timedelta(minutes=2), session_id=sid, code=code, quantity=6),
               event("count_submit", t + timedelta(minutes=3), session_id=sid)])
    assert line_for(db, tea).counted == 6 + 4


@pytest.mark.parametrize("a_syncs_first", [True, False], ids=["a-synced-first", "a-synced-last"])
def test_a_fix_on_one_phone_keeps_the_7_the_same_login_scanned_on_another_phone(
        login_as, sync, floor, make_item, hours_ago, db, a_syncs_first):
    """A shared login on two phones: phone B shows only its own 1 scan, its person types 3;
    phone A's 7 stay, whichever phone reaches the server first, and a resent batch changes nothing."""
    jam = make_item("Jam")
    sid, t = str(uuid.uuid4()), hours_ago(1)
    shared = login_as("staff")
    code = jam.barcodes[0].code
    start = event("count_start", t - timedelta(minutes=1), session_id=sid, location_id=floor.id,
                  store_id=floor.store_id)
    phone_a = [event("count_scan", t + timedelta(seconds=s), session_id=sid, code=code) for s in range(7)]
    phone_b = [event("count_scan", t + timedelta(minutes=1), session_id=sid, code=code),
               event("count_line_edit", t + timedelta(minutes=2), session_id=sid, code=code, quantity=3)]
    sync(shared, [start], device_id="phone-a")
    for events, device in ([(phone_a, "phone-a"), (phone_b, "phone-b")] if a_syncs_first
                           else [(phone_b, "phone-b"), (phone_a, "phone-a")]):
        answer = sync(shared, events, device_id=device)
        assert {r["status"] for r in answer["results"]} == {"accepted"}
    resent = sync(shared, phone_b, device_id="phone-b")
    assert {r["status"] for r in resent["results"]} == {"duplicate"}
    sync(shared, [event("count_submit", t + timedelta(minutes=3), session_id=sid)], device_id="phone-a")
    assert line_for(db, jam).counted == 7 + 3


def test_a_fix_replaces_what_that_phone_sent_before_it_even_when_those_scans_arrive_after_it(
        login_as, sync, floor, make_item, hours_ago, db):
    """The phone's 4 scans sat in its outbox while the fix (to 2) was sent first: the fix still
    covers them, since the phone showed 4 when its person typed 2."""
    gum = make_item("Gum")
    sid, t = str(uuid.uuid4()), hours_ago(1)
    staff = login_as("staff")
    code = gum.barcodes[0].code
    sync(staff, [event("count_start", t - timedelta(minutes=1), session_id=sid, location_id=floor.id,
                       store_id=floor.store_id)])
    sync(staff, [event("count_line_edit", t + timedelta(minutes=1), session_id=sid, code=code, quantity=2)])
    sync(staff, [event("count_scan", t + timedelta(seconds=s), session_id=sid, code=code) for s in range(4)])
    sync(staff, [event("count_submit", t + timedelta(minutes=2), session_id=sid)])
    assert line_for(db, gum).counted == 2


def test_a_full_zone_count_lists_the_item_nobody_scanned_and_zeroes_it_only_when_told(
        login_as, record, floor, make_item, hours_ago, level_of, db):
    seen, missed, absent = make_item("Seen"), make_item("Missed", cost_cents=500), make_item("Absent")
    record("receive", seen, floor, 10, hours_ago(8))
    record("receive", missed, floor, 4, hours_ago(8))
    manager = login_as("manager")
    created = manager.post_form("/counting/sessions", {"location_id": floor.id, "full": "1", "blind": "1"})
    screen = created.headers["Location"]
    manager.post_form(f"{screen}/scan", {"code": seen.barcodes[0].code, "quantity": "10"})
    summary = manager.get(f"{screen}/summary").get_data(as_text=True)
    assert "Missed" in summary and "Absent" not in summary.split("Not scanned")[1]
    assert manager.post_form(f"{screen}/submit", {"unscanned": "not_counted"}).status_code == 303
    assert line_for(db, missed).status == "not_counted"
    assert level_of(missed, floor) == 4

    again = manager.post_form("/counting/sessions", {"location_id": floor.id, "full": "1", "blind": "1"})
    screen = again.headers["Location"]
    manager.post_form(f"{screen}/scan", {"code": seen.barcodes[0].code, "quantity": "10"})
    manager.post_form(f"{screen}/submit", {"unscanned": "not_counted", f"decision-{missed.id}": "zero"})
    zeroed = line_for(db, missed)
    assert (zeroed.counted, zeroed.expected, zeroed.variance, zeroed.value_cents) == (0, 4, -4, -2000)
    assert zeroed.status == "pending" and "not_scanned" in zeroed.flag_list
    manager.post_form(f"/approvals/{zeroed.id}/decide", {"action": "approve"})
    assert level_of(missed, floor) == 0
    assert level_of(absent, floor) == 0


def test_a_phone_7_minutes_fast_puts_its_count_before_a_sale_rung_up_6_minutes_after_it(
        login_as, sync, record, floor, make_item, hours_ago, level_of, db):
    milk = make_item("Milk")
    record("opening", milk, floor, 10, hours_ago(3))
    true_count_time = hours_ago(0, 30)
    record("sale", milk, floor, -1, true_count_time + timedelta(minutes=6))
    fast = timedelta(minutes=7)
    events = count_batch(str(uuid.uuid4()), floor, [(milk.barcodes[0].code, 10, true_count_time + fast)],
                         true_count_time + fast + timedelta(seconds=30))
    from webapp.types import utcnow

    sync(login_as("staff"), events, device_time=utcnow() + fast)
    line = line_for(db, milk)
    assert abs(line.counted_at - true_count_time) < timedelta(seconds=5)
    assert (line.expected, line.variance, line.status) == (10, 0, "approved")
    assert level_of(milk, floor) == 9, "the sale came after the count, so it still counts"


def test_a_sale_at_9_55_reaching_us_after_the_10_02_count_was_approved_adds_a_correction_not_a_change(
        count_of, record, floor, make_item, hours_ago, level_of, db, login_as):
    jam = make_item("Jam", cost_cents=400)
    record("opening", jam, floor, 30, hours_ago(5))
    counted_at = hours_ago(3)
    line = count_of(jam, floor, 20, counted_at)
    login_as("manager").post_form(f"/approvals/{line.id}/decide", {"action": "approve"})
    assert (level_of(jam, floor), adjustments(db, f"count:{line.id}")) == (20, [-10])

    record("sale", jam, floor, -1, counted_at - timedelta(minutes=7))
    assert level_of(jam, floor) == 20
    assert adjustments(db, f"count:{line.id}") == [-10, 1]
    record("sale", jam, floor, -2, counted_at + timedelta(minutes=7))
    assert level_of(jam, floor) == 18
    assert adjustments(db, f"count:{line.id}") == [-10, 1]
