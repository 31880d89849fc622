"""The count's result page and the approval line page follow late events (issue 15): a sale
that happened before the count but synced after it changes what the count expected, and the
pages show the figure now beside the one the line was decided on."""

import pytest

from tests.integration.ledger.conftest import adjustments


@pytest.fixture
def stocked(make_item, record, floor, hours_ago):
    item = make_item("Crackers", cost_cents=100)
    record("receive", item, floor, 30, hours_ago(6))
    return item


def test_a_sale_of_2_before_an_approved_count_synced_later_shows_expected_28_and_variance_0(
        stocked, count_of, record, floor, hours_ago, login_as, db):
    line = count_of(stocked, floor, 28, hours_ago(2))
    manager = login_as("manager")
    manager.post_form(f"/approvals/{line.id}/decide", {"action": "approve"})
    assert adjustments(db, f"count:{line.id}") == [-2]

    record("sale", stocked, floor, -2, hours_ago(3))
    assert sum(adjustments(db, f"count:{line.id}")) == 0, "the ledger corrected the variance"
    page = manager.get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "<dt>Expected</dt><dd>28</dd>" in page and "<dt>Variance</dt><dd>0</dd>" in page
    assert "Expected 30 at approval; a sale of 2 at" in page and "synced later: now 28, variance 0" in page

    result = manager.get(f"/counting/{line.session_id}/summary").get_data(as_text=True)
    row = result.split("Crackers", 1)[1].split("</li>", 1)[0]
    assert "Counted 28 · Expected 28 · Variance 0 · approved" in row
    assert "Expected 30 at approval" in row


def test_a_pending_count_shows_what_it_expects_now_before_the_manager_decides(
        stocked, count_of, record, floor, hours_ago, login_as):
    line = count_of(stocked, floor, 25, hours_ago(2))
    record("sale", stocked, floor, -3, hours_ago(4))
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "<dt>Expected</dt><dd>27</dd>" in page and "<dt>Variance</dt><dd>-2</dd>" in page
    assert "Expected 30 at submit; a sale of 3 at" in page


def test_a_count_no_late_event_touched_says_nothing_about_moving(stocked, count_of, floor, hours_ago,
                                                                 login_as):
    line = count_of(stocked, floor, 25, hours_ago(2))
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "<dt>Expected</dt><dd>30</dd>" in page and "synced later" not in page
