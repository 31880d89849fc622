"""Manager decisions: tolerance, approve, reject, recount, bulk approve, and who may do what."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.integration.ledger.conftest import adjustments
from webapp.approvals.models import Decision
from webapp.counting.models import CountSession
from webapp.inventory.models import StockEvent


@pytest.fixture
def stocked(make_item, record, floor, hours_ago):
    """An item with 10 on the floor since 5 hours ago, worth 250 cents each at cost."""
    item = make_item("Granola", cost_cents=250)
    record("receive", item, floor, 10, hours_ago(5))
    return item


def decisions(db, line):
    db.session.expire_all()
    return db.session.scalars(select(Decision).where(Decision.line_id == line.id)).all()


def test_a_variance_of_1_unit_worth_250_cents_is_approved_by_tolerance_and_recorded(
        stocked, count_of, floor, hours_ago, level_of, db):
    line = count_of(stocked, floor, 9, hours_ago(1))
    assert (line.variance, line.value_cents, line.status) == (-1, -250, "approved")
    assert level_of(stocked, floor) == 9
    assert adjustments(db, f"count:{line.id}") == [-1]
    (decision,) = decisions(db, line)
    assert (decision.action, decision.user_id, decision.variance) == ("auto_approve", None, -1)


def test_a_variance_of_2_units_waits_for_a_manager_who_approves_it_with_a_note(
        stocked, count_of, floor, hours_ago, level_of, db, login_as):
    line = count_of(stocked, floor, 8, hours_ago(1))
    assert line.status == "pending" and level_of(stocked, floor) == 10
    manager = login_as("manager")
    page = manager.get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "Granola" in page and "-$5.00" in page and "receive" in page
    manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve", "note": "shelf was messy"})
    assert level_of(stocked, floor) == 8
    (decision,) = decisions(db, line)
    assert (decision.action, decision.user_id) == ("approve", manager.user.id)
    assert decision.note == "shelf was messy"


def test_a_rejected_count_of_3_leaves_the_level_at_10(stocked, count_of, floor, hours_ago, level_of, db,
                                                         login_as):
    line = count_of(stocked, floor, 3, hours_ago(1))
    login_as("manager").post_form(f"/approvals/{line.id}/decide", {"action": "reject"})
    db.session.refresh(line)
    assert (line.status, level_of(stocked, floor)) == ("rejected", 10)
    assert db.session.scalars(select(StockEvent).where(StockEvent.kind == "count")).all() == []


def test_a_recount_opens_a_blind_count_of_that_item_at_that_location(stocked, count_of, floor, hours_ago,
                                                                      db, login_as):
    line = count_of(stocked, floor, 3, hours_ago(1))
    login_as("manager").post_form(f"/approvals/{line.id}/decide", {"action": "recount", "note": "again"})
    task = db.session.scalars(select(CountSession).where(CountSession.recount_of_id == line.id)).one()
    assert (task.item_id, task.location_id, task.blind, task.status) == (stocked.id, floor.id, True, "open")
    db.session.refresh(line)
    assert line.status == "recount"


def test_a_decided_line_cannot_be_decided_twice(stocked, count_of, floor, hours_ago, login_as):
    line = count_of(stocked, floor, 3, hours_ago(1))
    manager = login_as("manager")
    manager.post_form(f"/approvals/{line.id}/decide", {"action": "reject"})
    again = manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve"})
    assert again.status_code == 409


def test_bulk_approve_up_to_5_dollars_takes_the_4_dollar_variance_and_leaves_the_20_dollar_one(
        make_item, record, count_of, floor, hours_ago, level_of, login_as):
    small, big = make_item("Small", cost_cents=200), make_item("Big", cost_cents=1000)
    for item in (small, big):
        record("receive", item, floor, 10, hours_ago(5))
    small_line = count_of(small, floor, 8, hours_ago(1))
    big_line = count_of(big, floor, 8, hours_ago(1))
    assert (small_line.status, big_line.status) == ("pending", "pending")
    manager = login_as("manager")
    assert "Small" in manager.get("/approvals/").get_data(as_text=True)
    manager.post_form("/approvals/bulk", {"max_value": "5"})
    assert (level_of(small, floor), level_of(big, floor)) == (8, 10)
    assert "Big" in manager.get("/approvals/").get_data(as_text=True)


def test_staff_may_not_see_the_queue_and_another_stores_manager_gets_404(
        stocked, count_of, floor, hours_ago, login_as, other_store_manager):
    line = count_of(stocked, floor, 3, hours_ago(1))
    assert login_as("staff").get("/approvals/").status_code == 403
    rival = login_as(user=other_store_manager)
    assert rival.get(f"/approvals/{line.id}").status_code == 404
    assert rival.post_form(f"/approvals/{line.id}/decide", {"action": "approve"}).status_code == 404


def test_a_blind_session_never_shows_expected_quantities_to_staff_but_does_to_a_manager(
        stocked, login_as, floor, db):
    staff = login_as("staff")
    created = staff.post_form("/counting/sessions", {"location_id": floor.id, "blind": "1"})
    screen = created.headers["Location"]
    staff.post_form(f"{screen}/scan", {"code": stocked.barcodes[0].code, "quantity": "2"})
    for page in (f"{screen}", f"{screen}/summary"):
        assert "Level now" not in staff.get(page).get_data(as_text=True)
    staff.post_form(f"{screen}/submit", {})
    result = staff.get(f"{screen}/summary").get_data(as_text=True)
    assert "Expected" not in result and "Variance" not in result
    assert "Expected" in login_as("manager").get(f"{screen}/summary").get_data(as_text=True)


def test_staff_cannot_open_a_count_that_shows_expected_quantities(login_as, floor):
    staff = login_as("staff")
    assert staff.post_form("/counting/sessions", {"location_id": floor.id}).status_code == 403
    manager = login_as("manager")
    screen = manager.post_form("/counting/sessions", {"location_id": floor.id}).headers["Location"]
    assert manager.get(screen).status_code == 200


def test_the_item_page_shows_the_level_per_location_the_store_total_and_the_ledger(
        stocked, record, floor, store, login_as, hours_ago):
    back = next(loc for loc in store.locations if not loc.is_selling)
    record("receive", stocked, back, 24, hours_ago(2))
    record("sale", stocked, floor, -3, hours_ago(1))
    page = login_as("manager").get(f"/inventory/items/{stocked.id}").get_data(as_text=True)
    assert "Store total" in page and ">31<" in page and ">7<" in page and ">24<" in page
    assert "sale" in page
    assert login_as("staff").get(f"/inventory/items/{stocked.id}").status_code == 403


def test_counting_a_location_of_another_store_is_refused(login_as, make_store):
    rival = make_store("Rival Grocers").selling_location
    response = login_as("manager").post_form("/counting/sessions", {"location_id": rival.id})
    assert response.status_code == 400
    assert "another" in response.get_data(as_text=True) or "own store" in response.get_data(as_text=True)


def test_a_late_count_approved_after_a_later_one_corrects_the_later_ones_variance(
        stocked, count_of, floor, hours_ago, level_of, db, login_as):
    early = count_of(stocked, floor, 6, hours_ago(3))
    late = count_of(stocked, floor, 5, hours_ago(1))
    manager = login_as("manager")
    manager.post_form(f"/approvals/{late.id}/decide", {"action": "approve"})
    assert adjustments(db, f"count:{late.id}") == [-5]
    manager.post_form(f"/approvals/{early.id}/decide", {"action": "approve"})
    assert adjustments(db, f"count:{early.id}") == [-4]
    assert adjustments(db, f"count:{late.id}") == [-5, 4], "5 - 6 = -1 once the earlier count stands"
    assert level_of(stocked, floor) == 5
    assert timedelta(0) < late.counted_at - early.counted_at


def test_a_count_of_many_lines_pages_in_the_queue_costliest_first(make_item, make_user, floor, hours_ago,
                                                                   login_as):
    from webapp.approvals.service import QUEUE_PAGE, submit_count
    from webapp.counting import service

    counter = make_user("staff")
    items = [make_item(f"Tin {n:03d}", cost_cents=100 + n) for n in range(QUEUE_PAGE + 5)]
    session = service.open_session(service.NewSession(store_id=floor.store_id, location_id=floor.id,
                                                      created_by_id=counter.id))
    for item in items:  # nothing was expected: each line is +5, worth 5 x its cost
        service.record_scan(service.Scan(session.id, counter.id, hours_ago(1), quantity=5, item_id=item.id),
                            floor.store_id)
    lines = submit_count(session.id, counter, hours_ago(0, 30))
    assert {line.status for line in lines} == {"pending"}
    manager = login_as("manager")
    first = manager.get("/approvals/").get_data(as_text=True)
    names = [f"Tin {n:03d}" for n in reversed(range(QUEUE_PAGE + 5))]  # the costliest first
    assert [name for name in names if name in first] == names[:QUEUE_PAGE]
    assert f"Page 1 of 2 · {QUEUE_PAGE + 5} lines waiting" in first and 'rel="next"' in first
    second = manager.get("/approvals/?page=2").get_data(as_text=True)
    assert [name for name in names if name in second] == names[QUEUE_PAGE:]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page past the end, or not a number, shows a page that exists rather than an error.
    assert "Tin 000" in manager.get("/approvals/?page=99").get_data(as_text=True)
    assert "Tin 054" in manager.get("/approvals/?page=x").get_data(as_text=True)
