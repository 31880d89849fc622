"""What a manager sees before deciding on a count line (issues 14 and 15): each counter's scans
with times and phones, the stock moves during the scans and since, the phones that may still
hold scans, a count far from the previous one, and a revised count judged once for accuracy."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from tests.integration.ledger.conftest import event, iso
from webapp.counting.models import CountLine
from webapp.display import time_text
from webapp.reports import accuracy
from webapp.reports.filters import Filter
from webapp.types import utcnow


def line_of(db, item) -> CountLine:
    db.session.expire_all()
    return db.session.scalars(select(CountLine).where(CountLine.item_id == item.id)
                              .order_by(CountLine.id.desc())).first()


def start(sid, floor, at):
    return event("count_start", at, session_id=sid, location_id=floor.id, store_id=floor.store_id)


def scan(sid, item, quantity, at):
    return event("count_scan", at, session_id=sid, code=item.barcodes[0].code, quantity=quantity)


def section(page: str, anchor: str) -> str:
    """The text of the page's <section id="anchor">."""
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_the_line_shows_each_counters_scans_with_store_times_and_phones_and_links_its_session(
        login_as, sync, make_item, record, floor, hours_ago, store, db):
    rice = make_item("Rice", cost_cents=100)
    record("receive", rice, floor, 40, hours_ago(9))
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana, ben = login_as("staff"), login_as("staff")
    sync(ana, [start(sid, floor, t), scan(sid, rice, 7, t), scan(sid, rice, 5, t + timedelta(minutes=1))],
         device_id="phone-ana-1")
    sync(ben, [scan(sid, rice, 6, t + timedelta(minutes=2)),
               event("count_submit", t + timedelta(minutes=3), session_id=sid)], device_id="phone-ben-2")
    line = line_of(db, rice)
    assert line.status == "pending", "18 of 40: far outside tolerance"
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    scans = section(page, "scans")
    assert f"{ana.user.username}: 12" in scans and f"{ben.user.username}: 6" in scans
    assert "phone phone-an" in scans and "phone phone-be" in scans
    for minute in (0, 1, 2):  # on the store's clock (New York), not UTC
        assert time_text(t + timedelta(minutes=minute), store.timezone, "clock") in scans
    assert f'href="/counting/{sid}/summary"' in page


def test_the_line_lists_the_sales_during_its_scans_and_what_moved_since_the_count(
        login_as, sync, make_item, record, floor, hours_ago, db):
    jam = make_item("Jam", cost_cents=100)
    record("receive", jam, floor, 20, hours_ago(9))
    sid, t = str(uuid.uuid4()), hours_ago(3)
    record("sale", jam, floor, -2, t + timedelta(minutes=4))
    record("transfer_in", jam, floor, 6, hours_ago(1))
    sync(login_as("staff"), [start(sid, floor, t), scan(sid, jam, 10, t),
                             scan(sid, jam, 9, t + timedelta(minutes=8)),
                             event("count_submit", t + timedelta(minutes=9), session_id=sid)])
    line = line_of(db, jam)
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "sale -2" in section(page, "during") and "transfer in" not in section(page, "during")
    assert "transfer in +6" in section(page, "since") and "sale" not in section(page, "since")


def test_before_approving_the_manager_is_told_2_phones_have_not_sent_everything_yet(
        login_as, sync, make_item, record, floor, hours_ago, db):
    oats = make_item("Oats", cost_cents=100)
    record("receive", oats, floor, 50, hours_ago(9))
    sid, t = str(uuid.uuid4()), hours_ago(1)
    ana, ben, cara = login_as("staff"), login_as("staff"), login_as("staff")
    sync(cara, [start(sid, floor, t), scan(sid, oats, 4, t)], device_id="phone-cara")
    sync(ben, [scan(sid, oats, 5, t + timedelta(minutes=1))], device_id="phone-ben",
         backlog={"count": 3, "oldest_at": iso(t + timedelta(minutes=2))})
    sync(ana, [scan(sid, oats, 6, t + timedelta(minutes=3)),
               event("count_submit", utcnow(), session_id=sid)], device_id="phone-ana")
    manager = login_as("manager")
    line = line_of(db, oats)
    page = manager.get(f"/approvals/{line.id}").get_data(as_text=True)
    phones = section(page, "phones-behind")
    assert "2 phones have not sent everything yet" in phones
    assert f"{ben.user.username}'s phone" in phones and "3 events still waiting on it" in phones
    assert f"{cara.user.username}'s phone" in phones and "before the count was submitted" in phones
    assert ana.user.username not in phones, "the phone that submitted sent everything with it"
    queue = section(manager.get("/approvals/").get_data(as_text=True), "phones-behind")
    assert "2 phones have not sent everything yet" in queue, "bulk approval skips the line page"
    assert ben.user.username in queue and cara.user.username in queue

    sync(ben, [scan(sid, oats, 3, t + timedelta(minutes=2))], device_id="phone-ben",
         backlog={"count": 0})
    page = manager.get(f"/approvals/{line_of(db, oats).id}").get_data(as_text=True)
    assert "1 phone has not sent everything yet" in section(page, "phones-behind")
    sync(cara, [scan(sid, oats, 1, t + timedelta(minutes=1))], device_id="phone-cara", backlog={"count": 0})
    line = line_of(db, oats)
    assert line.counted == 19
    assert 'id="phones-behind"' not in manager.get(f"/approvals/{line.id}").get_data(as_text=True)
    assert 'id="phones-behind"' not in manager.get("/approvals/").get_data(as_text=True)


def test_a_count_of_90_after_a_count_of_30_waits_for_a_manager_though_it_matches_what_was_expected(
        count_of, make_item, record, floor, hours_ago, login_as, store, db):
    flour = make_item("Flour", cost_cents=100)
    record("receive", flour, floor, 30, hours_ago(9))
    first = count_of(flour, floor, 30, hours_ago(8))
    assert (first.status, first.flag_list) == ("approved", [])
    record("receive", flour, floor, 60, hours_ago(6))
    line = count_of(flour, floor, 90, hours_ago(2))
    assert (line.variance, line.flag_list, line.status) == (0, ["far_from_last_count"], "pending")
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "This count is far from the previous count of Flour here (30 on" in page
    assert ": +60), by more than the store allows without a look (50 %)" in page


def test_a_count_near_the_previous_one_or_in_a_store_that_turned_the_check_off_is_approved_as_before(
        count_of, make_item, record, floor, hours_ago, login_as, db):
    salt = make_item("Salt", cost_cents=100)
    record("receive", salt, floor, 30, hours_ago(9))
    count_of(salt, floor, 30, hours_ago(8))
    record("sale", salt, floor, -2, hours_ago(7))
    assert count_of(salt, floor, 28, hours_ago(6)).status == "approved", "2 of 30 is not far"
    manager = login_as("manager")
    assert 'name="jump_percent" inputmode="numeric" pattern="[0-9]*" required value="50"' in \
        manager.get("/approvals/").get_data(as_text=True)
    for bad in ("", "fifty", "-5", "\u00b2", "1" * 7):
        answer = manager.post_form("/approvals/count-check", {"jump_percent": bad})
        assert answer.status_code == 400 and "whole percentage" in answer.get_data(as_text=True)
    assert login_as("staff").post_form("/approvals/count-check", {"jump_percent": "0"}).status_code == 403
    assert manager.post_form("/approvals/count-check", {"jump_percent": "0"}).status_code == 303
    record("receive", salt, floor, 60, hours_ago(5))
    line = count_of(salt, floor, 88, hours_ago(4))
    assert (line.flag_list, line.status) == ([], "approved")


def test_a_count_approved_again_after_late_scans_is_one_record_check_in_the_accuracy_report(
        login_as, sync, make_item, record, floor, hours_ago, store, db):
    beans = make_item("Beans", cost_cents=100)
    record("receive", beans, floor, 30, hours_ago(6))
    sid, t = str(uuid.uuid4()), hours_ago(2)
    ana, ben, manager = login_as("staff"), login_as("staff"), login_as("manager")
    sync(ana, [start(sid, floor, t), scan(sid, beans, 12, t + timedelta(minutes=1)),
               event("count_submit", t + timedelta(minutes=5), session_id=sid)])
    manager.post_form(f"/approvals/{line_of(db, beans).id}/decide", {"action": "approve"})
    sync(ben, [scan(sid, beans, 17, t + timedelta(minutes=2))], device_id="phone-2")
    manager.post_form(f"/approvals/{line_of(db, beans).id}/decide", {"action": "approve"})
    today = utcnow().date()
    report = accuracy.accuracy(Filter(store.id, store.timezone, store.currency,
                                      today - timedelta(days=2), today + timedelta(days=1)), tolerance=1)
    assert report.overall.counted == 1, "one count line, approved twice, is one record check"
    assert [(row["counted"], row["expected"], row["variance"]) for row in report.rows] == [(29, 30, -1)]
    assert report.overall.accurate == 1


def test_the_session_page_lists_its_unknown_codes_and_what_became_of_them(
        login_as, sync, make_item, record, floor, hours_ago, db):
    tea = make_item("Tea", cost_cents=100)
    record("receive", tea, floor, 5, hours_ago(9))
    sid, t = str(uuid.uuid4()), hours_ago(1)
    staff = login_as("staff")
    sync(staff, [start(sid, floor, t), scan(sid, tea, 5, t),
                 event("unknown_barcode", t + timedelta(minutes=1), code="4006381333931", quantity=2,
                       session_id=sid, location_id=floor.id),
                 event("count_submit", t + timedelta(minutes=2), session_id=sid)])
    for client in (staff, login_as("manager")):
        page = client.get(f"/counting/{sid}/summary").get_data(as_text=True)
        codes = section(page, "unknown-codes")
        assert "4006381333931 · 2 scanned" in codes and "waits for a manager" in codes

