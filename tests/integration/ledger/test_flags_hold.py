"""A flagged line is never approved automatically, however small its variance (DESIGN.md, issue 15)."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from tests.integration.ledger.conftest import event
from webapp.counting.models import CountLine


def line_of(db, item) -> CountLine:
    db.session.expire_all()
    return db.session.scalars(select(CountLine).where(CountLine.item_id == item.id)).one()


def start(sid, floor, at):
    return event("count_start", at, session_id=sid, location_id=floor.id, store_id=floor.store_id)


def scan(sid, item, quantity, at):
    return event("count_scan", at, session_id=sid, code=item.barcodes[0].code, quantity=quantity)


def test_an_exact_count_with_a_sale_2_minutes_after_its_last_scan_waits_for_a_manager(
        login_as, sync, make_item, record, floor, hours_ago, level_of, db):
    jam = make_item("Jam", cost_cents=100)
    record("receive", jam, floor, 10, hours_ago(5))
    sid, t = str(uuid.uuid4()), hours_ago(1)
    record("sale", jam, floor, -1, t + timedelta(minutes=2))
    sync(login_as("staff"), [start(sid, floor, t), scan(sid, jam, 10, t),
                             event("count_submit", t + timedelta(minutes=3), session_id=sid)])
    line = line_of(db, jam)
    assert (line.variance, line.flag_list, line.status) == (0, ["sale_during_count"], "pending")
    assert level_of(jam, floor) == 9, "nothing approved: the level is the ledger's"
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "A sale was rung up while this item was being counted" in page


def test_two_counters_whose_7_and_6_make_13_of_12_expected_disagree_and_wait_for_a_manager(
        login_as, sync, make_item, record, floor, hours_ago, db):
    soap = make_item("Soap", cost_cents=100)
    record("receive", soap, floor, 12, hours_ago(9))
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana, ben = login_as("staff"), login_as("staff")
    sync(ana, [start(sid, floor, t), scan(sid, soap, 7, t)])
    sync(ben, [scan(sid, soap, 6, t + timedelta(minutes=1)),
               event("count_submit", t + timedelta(minutes=3), session_id=sid)])
    line = line_of(db, soap)
    assert (line.variance, line.value_cents) == (1, 100), "inside the store's tolerance"
    assert {"several_counters", "counters_disagree"} <= set(line.flag_list)
    assert line.status == "pending"
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "their units add up to something else than expected" in page


def test_one_counter_off_by_1_inside_tolerance_is_still_approved_automatically(
        login_as, sync, make_item, record, floor, hours_ago, db):
    tea = make_item("Tea", cost_cents=100)
    record("receive", tea, floor, 12, hours_ago(9))
    sid, t = str(uuid.uuid4()), hours_ago(2)
    sync(login_as("staff"), [start(sid, floor, t), scan(sid, tea, 11, t),
                             event("count_submit", t + timedelta(minutes=3), session_id=sid)])
    line = line_of(db, tea)
    assert (line.variance, line.flag_list, line.status) == (-1, [], "approved")


def test_a_count_approved_within_tolerance_keeps_its_counter_phone_and_phone_clock_in_the_ledger(
        login_as, sync, make_item, record, floor, hours_ago, db):
    from webapp.inventory.models import StockEvent

    oil = make_item("Oil", cost_cents=100)
    record("receive", oil, floor, 12, hours_ago(9))
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana = login_as("staff")
    sync(ana, [start(sid, floor, t), scan(sid, oil, 11, t),
               event("count_submit", t + timedelta(minutes=3), session_id=sid)], device_id="phone-7")
    line = line_of(db, oil)
    assert line.status == "approved"
    count = db.session.scalars(select(StockEvent).where(StockEvent.key == line.ledger_key)).one()
    assert (count.source, count.actor_user_id, count.device_id) == ("device", ana.user.id, "phone-7")
    assert count.device_time is not None and abs(count.device_time - t) < timedelta(seconds=2)
    assert ana.user.username in count.note
