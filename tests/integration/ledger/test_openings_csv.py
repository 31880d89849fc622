"""Opening balances from a CSV with a time in the past (issue 15: openings have a past)."""

import io
from datetime import timedelta

from sqlalchemy import select

from webapp.inventory.models import StockEvent


def upload(client, text: str, as_of: str = ""):
    data = {"file": (io.BytesIO(text.encode()), "openings.csv"), "as_of": as_of}
    return client.post_form("/items/openings", data, content_type="multipart/form-data")


def test_an_opening_of_40_as_of_3_hours_ago_has_the_sale_of_5_since_applied_after_it(
        login_as, make_item, record, floor, hours_ago, level_of, db):
    rice = make_item("Rice", sku="RICE-1")
    record("sale", rice, floor, -2, hours_ago(5))  # before the balance: already in it
    record("sale", rice, floor, -5, hours_ago(1))
    as_of = hours_ago(3)
    page = upload(login_as("manager"), f"sku,quantity,as_of\nRICE-1,40,{as_of.isoformat()}\n")
    assert page.status_code == 200 and "1 opened, 0 refused" in page.get_data(as_text=True)
    assert level_of(rice, floor) == 40 - 5
    opening = db.session.scalars(select(StockEvent).where(StockEvent.kind == "opening")).one()
    assert (opening.occurred_at, opening.source) == (as_of, "import")


def test_the_uploads_as_of_applies_to_rows_without_their_own(login_as, make_item, record, floor, hours_ago,
                                                            level_of):
    oats = make_item("Oats", sku="OAT-1")
    record("sale", oats, floor, -1, hours_ago(2))
    upload(login_as("manager"), "sku,quantity\nOAT-1,10\n", as_of=hours_ago(4).isoformat())
    assert level_of(oats, floor) == 9


def test_bad_rows_are_refused_by_line_and_the_good_ones_land(login_as, make_item, count_of, floor, hours_ago,
                                                            level_of):
    good, counted = make_item("Good", sku="G-1"), make_item("Counted", sku="C-1", cost_cents=1)
    count_of(counted, floor, 1, hours_ago(6))  # inside tolerance: approved, in the ledger
    future = (hours_ago(0) + timedelta(hours=2)).isoformat()
    text = (f"sku,quantity,as_of\nG-1,7,\nNOPE,1,\nC-1,5,\nG-1,-1,\nG-1,2,{future}\nG-1,2,2026-12-01T06:00\n")
    page = upload(login_as("manager"), text).get_data(as_text=True)
    assert "1 opened, 5 refused" in page
    refused = [(3, "no item has sku"), (4, "this item was already counted or opened"),
               (5, "Quantity cannot be negative"), (6, "as_of is in the future"),
               (7, "as_of needs its offset")]
    for line, words in refused:
        assert f"row {line}: {words}" in page
    assert level_of(good, floor) == 7


def test_only_a_manager_opens_balances(login_as):
    assert upload(login_as("staff"), "sku,quantity\nX,1\n").status_code == 403
