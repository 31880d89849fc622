"""Managers read times on their store's clock and values with its currency sign (issue #14, 5).

Storage stays UTC: the same instants render differently only because the store's setting does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.damage.models import DamageRecord
from webapp.inventory.models import StockEvent
from webapp.receiving.models import Receipt

WINTER = datetime(2026, 1, 15, 16, 2, 5, tzinfo=UTC)  # New York on EST, UTC-5: 11:02
SUMMER = datetime(2026, 7, 15, 16, 2, 5, tzinfo=UTC)  # New York on EDT, UTC-4: 12:02


@pytest.fixture
def new_york(db, store):
    store.timezone, store.currency = "America/New_York", "USD"
    db.session.commit()
    return store


@pytest.fixture
def pricey(make_item, record, floor, new_york):
    item = make_item("Saffron tin", cost_cents=5617)
    record("receive", item, floor, 10, WINTER - timedelta(days=2))
    return item


@pytest.mark.parametrize(("at", "local", "zone"), [(WINTER, "11:02", "EST"), (SUMMER, "12:02", "EDT")])
def test_a_new_york_manager_sees_approval_times_on_new_york_clocks(
        pricey, floor, count_of, login_as, at, local, zone):
    line = count_of(pricey, floor, 9, at)
    assert line.counted_at == at  # stored as the instant it was, in UTC
    manager = login_as("manager")

    queue = manager.get("/approvals/").get_data(as_text=True)
    assert f"{local} {zone}" in queue and "16:02" not in queue
    assert "-$56.17" in queue

    page = manager.get(f"/approvals/{line.id}").get_data(as_text=True)
    assert f"{at.date().isoformat()} {local}:05 {zone}" in page and "16:02" not in page
    assert "-$56.17" in page and " UTC" not in page


def test_the_session_and_ledger_pages_follow_the_store_clock(pricey, floor, count_of, login_as, record):
    line = count_of(pricey, floor, 9, WINTER)
    record("sale", pricey, floor, -1, WINTER + timedelta(hours=1))
    manager = login_as("manager")

    result = manager.get(f"/counting/{line.session_id}/summary").get_data(as_text=True)
    assert "2026-01-15 11:03 EST" in result  # submitted a minute after the scan

    stock = manager.get(f"/inventory/items/{pricey.id}").get_data(as_text=True)
    assert "01-15 12:02:05 EST" in stock and "17:02" not in stock  # the sale, in the item's ledger

    ledger = manager.get(f"/reports/ledger?item={pricey.id}&start=2026-01-01&end=2026-01-31")
    text = ledger.get_data(as_text=True)
    assert ledger.status_code == 200
    assert "2026-01-15 12:02:05 EST" in text and "17:02" not in text


def test_a_receipt_shows_its_times_on_the_store_clock(db, new_york, floor, make_user, login_as):
    manager = make_user("manager")
    receipt = Receipt(store_id=new_york.id, session_key=str(uuid.uuid4()), location_id=floor.id,
                      started_by=manager.id, started_at=WINTER, status="closed", closed_by=manager.id,
                      closed_at=WINTER + timedelta(minutes=30))
    db.session.add(receipt)
    db.session.commit()
    page = login_as("manager", user=manager).get(f"/receiving/receipts/{receipt.id}").get_data(as_text=True)
    assert "2026-01-15 11:02 EST" in page and "2026-01-15 11:32 EST" in page and "16:02" not in page


def test_a_receipt_shows_weighed_damage_in_pounds_on_the_page_and_in_its_csv(
        db, new_york, floor, make_user, make_item, login_as):
    cheese = make_item("Cheddar wheel", cost_cents=500, measure="weight", unit_name="lb")
    manager = make_user("manager")
    receipt = Receipt(store_id=new_york.id, session_key=str(uuid.uuid4()), location_id=floor.id,
                      started_by=manager.id, started_at=WINTER, status="open")
    db.session.add(receipt)
    db.session.flush()
    db.session.add(DamageRecord(store_id=new_york.id, event_id=str(uuid.uuid4()), item_id=cheese.id,
                                location_id=floor.id, quantity=2500, reason="crushed", value_cents=1250,
                                status="on_arrival", occurred_at=WINTER, flagged_by=manager.id,
                                receipt_id=receipt.id))
    db.session.commit()
    client = login_as("manager", user=manager)
    page = client.get(f"/receiving/receipts/{receipt.id}").get_data(as_text=True)
    assert "2.5 crushed" in page and "2500" not in page
    csv_text = client.get(f"/receiving/receipts/{receipt.id}.csv").get_data(as_text=True)
    assert "2.5 crushed" in csv_text and "2500 crushed" not in csv_text


def test_a_utc_store_still_reads_utc(db, new_york, pricey, floor, count_of, login_as):
    new_york.timezone = "UTC"
    db.session.commit()
    line = count_of(pricey, floor, 9, WINTER)
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "2026-01-15 16:02:05 UTC" in page


def test_a_lost_thousandth_of_a_weighed_item_shows_in_pounds_and_costs_a_cent(
        make_item, record, floor, new_york, count_of, login_as, db):
    cheese = make_item("Cheddar by the lb", cost_cents=500, measure="weight", unit_name="lb")
    record("receive", cheese, floor, 2000, WINTER - timedelta(days=1))  # 2 lb
    line = count_of(cheese, floor, 1999, WINTER)  # 1.999 lb
    assert (line.variance, line.value_cents) == (-1, -1)
    page = login_as("manager").get(f"/approvals/{line.id}").get_data(as_text=True)
    assert "<dd>2</dd>" in page and "<dd>1.999</dd>" in page and "<dd>-0.001</dd>" in page
    assert "-$0.01" in page and "<dd>1999</dd>" not in page
    stored = db.session.scalars(select(StockEvent.quantity).where(StockEvent.item_id == cheese.id)).all()
    assert 2000 in stored  # base units in storage, display units on the page


def test_a_count_scheduled_for_a_day_is_due_that_day_on_the_stores_clock(db, new_york, floor, login_as):
    from webapp.counting.models import CountSession

    manager = login_as("manager")
    answer = manager.post_form("/counting/sessions", {"location_id": floor.id, "scheduled_for": "2026-12-08"})
    assert answer.status_code == 303
    session = db.session.scalar(select(CountSession))
    assert session.scheduled_for == datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # New York's midnight
    assert "due 2026-12-08" in manager.get("/counting/").get_data(as_text=True)


def test_a_scheduled_day_that_is_not_a_date_is_a_400_that_says_the_format(new_york, floor, login_as):
    answer = login_as("manager").post_form("/counting/sessions", {"location_id": floor.id,
                                                                  "scheduled_for": "8/12/2026"})
    assert answer.status_code == 400 and "YYYY-MM-DD" in answer.get_data(as_text=True)
