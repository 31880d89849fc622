""""Fix my total" on the keyboard count page takes what a person reads: pounds, not thousandths."""

from __future__ import annotations

from webapp.counting.models import CountLine


def test_a_weighed_items_total_is_typed_in_pounds_and_kept_exactly(db, make_item, floor, login_as):
    bananas = make_item("Bananas", measure="weight", unit_name="lb", barcodes=[("4011", 1)])
    counter = login_as("manager")
    screen = counter.post_form("/counting/sessions", {"location_id": floor.id}).headers["Location"]
    answer = counter.post_form(f"{screen}/scan", {"mode": "set", "item_id": bananas.id, "quantity": "12.75"},
                             follow_redirects=True)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Bananas: your total typed on these pages is now 12.75" in page
    assert 'step="0.001"' in page
    counter.post_form(f"{screen}/submit", {})
    assert db.session.query(CountLine).filter_by(item_id=bananas.id).one().counted == 12_750


def test_a_total_with_more_than_three_decimals_is_a_400_that_says_so(make_item, floor, login_as):
    bananas = make_item("Bananas", measure="weight", unit_name="lb", barcodes=[("4011", 1)])
    counter = login_as("manager")
    screen = counter.post_form("/counting/sessions", {"location_id": floor.id}).headers["Location"]
    answer = counter.post_form(f"{screen}/scan", {"mode": "set", "item_id": bananas.id, "quantity": "1.2345"})
    assert answer.status_code == 400 and "at most three decimal places" in answer.get_data(as_text=True)


def test_an_each_items_total_stays_a_whole_number(db, make_item, floor, login_as):
    soap = make_item("Soap")
    counter = login_as("manager")
    screen = counter.post_form("/counting/sessions", {"location_id": floor.id}).headers["Location"]
    half = counter.post_form(f"{screen}/scan", {"mode": "set", "item_id": soap.id, "quantity": "2.5"})
    assert half.status_code == 400 and "must be a whole number" in half.get_data(as_text=True)
    counter.post_form(f"{screen}/scan", {"mode": "set", "item_id": soap.id, "quantity": "7"})
    counter.post_form(f"{screen}/submit", {})
    assert db.session.query(CountLine).filter_by(item_id=soap.id).one().counted == 7
