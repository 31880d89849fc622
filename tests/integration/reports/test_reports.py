"""Reports with exact numbers: value at a past date, shrink over a month, IRA without netting,
audit coverage; and who may see them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.inventory.ledger import level_at
from webapp.inventory.models import StockLevel
from webapp.reports import accuracy, coverage, filters, shrink, valuation
from webapp.reports.filters import Filter


def t(day: int, hour: int = 12) -> datetime:
    """A moment in November 2026 (America/New_York is UTC-5 then)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def flt(store, start=date(2026, 11, 1), end=date(2026, 11, 30), **kw) -> Filter:
    return Filter(store.id, store.timezone, store.currency, start, end, **kw)


@pytest.fixture
def shop(store, make_item, record):
    """Three items, two locations, a month of events."""
    floor, back = store.locations
    milk = make_item("Milk", category="Dairy", cost_cents=250, price_cents=399)
    bread = make_item("Bread", category="Bakery", cost_cents=100, price_cents=299)
    cheese = make_item("Cheddar", category="Dairy", cost_cents=1200, price_cents=1999, measure="weight")
    record(milk, "opening", 40, at=t(1, 9))
    record(milk, "opening", 24, at=t(1, 9), location=back)
    record(bread, "opening", 30, at=t(1, 9))
    record(cheese, "opening", 5000, at=t(1, 9))  # 5 kg
    record(milk, "sale", -6, at=t(3), source="clover")
    record(bread, "sale", -10, at=t(4), source="clover")
    record(cheese, "sale", -1250, at=t(5), source="clover")
    record(milk, "receive", 12, at=t(10), location=back)
    record(milk, "sale", -4, at=t(12), source="clover")
    return {"milk": milk, "bread": bread, "cheese": cheese, "floor": floor, "back": back}


def test_a_worked_valuation_at_a_past_date(shop, store):
    # End of Nov 5 (New York): milk 34 floor + 24 back, bread 20, cheddar 3.750 kg.
    at = datetime(2026, 11, 6, 5, tzinfo=UTC)
    v = valuation.valuation(flt(store), at)
    assert v.total_cents == 58 * 250 + 20 * 100 + 4500
    assert [(g.name, g.units, g.value_cents) for g in v.by_category] == [
        ("Dairy", 58, 14500 + 4500), ("Bakery", 20, 2000)]
    assert [(g.name, g.value_cents) for g in v.by_location] == [("Sales floor", 8500 + 2000 + 4500),
                                                                ("Back room", 6000)]
    # Now: milk 30 floor + 36 back.
    assert valuation.valuation(flt(store), None).total_cents == 66 * 250 + 2000 + 4500
    assert valuation.total_value_now(store.id) == 66 * 250 + 2000 + 4500


def test_past_levels_agree_with_the_ledgers_level_at(db, shop, store, make_item, record):
    record(shop["milk"], "count", 31, at=t(11))  # a reset between the receipt and the last sale
    record(shop["milk"], "sale", -1, at=t(11, 11), source="clover")  # late: before the count
    record(shop["milk"], "count", 30, at=t(11))  # two counts at one instant: the larger key wins
    jam = make_item("Jam", cost_cents=300)  # never counted nor opened: deltas from nothing
    record(jam, "receive", 12, at=t(2), location=shop["back"])
    record(jam, "transfer_out", -5, at=t(6), location=shop["back"])
    for day in (2, 4, 11, 13):
        at = t(day, 23)
        levels = valuation.levels_at(store.id, at)
        streams = db.session.execute(select(StockLevel.item_id, StockLevel.location_id)).tuples().all()
        assert len(streams) == 5  # milk on the floor and in the back, bread, cheddar, jam
        for item_id, loc_id in streams:
            assert levels.get((item_id, loc_id), 0) == level_at(item_id, loc_id, at), (day, item_id, loc_id)


def test_valuation_filters_by_category_and_location(shop, store):
    v = valuation.valuation(flt(store, category="Dairy", location_id=shop["back"].id), None)
    assert v.total_cents == 36 * 250
    assert [r["item"] for r in v.rows] == ["Milk"]


@pytest.fixture
def month_of_shrink(store, make_item, record):
    eggs = make_item("Eggs", category="Dairy", cost_cents=300)
    jam = make_item("Jam", category="Pantry", cost_cents=450)
    record(eggs, "opening", 100, at=t(1, 9))
    record(jam, "opening", 50, at=t(1, 9))
    record(eggs, "damage", -4, at=t(2), note="damaged")
    record(eggs, "damage", -6, at=t(9), note="expired")
    record(jam, "damage", -2, at=t(15), note="damaged")
    record(eggs, "count", 85, at=t(20))  # expected 90: 5 short
    record(jam, "count", 49, at=t(21))  # expected 48: 1 found, never netted against the eggs
    record(jam, "damage", -1, at=datetime(2026, 12, 1, 6, tzinfo=UTC), note="damaged")  # December
    return eggs, jam


def test_a_shrink_report_over_a_seeded_month(month_of_shrink, store):
    s = shrink.shrink(flt(store))
    assert [(r.reason, r.events, r.units, r.value_cents) for r in s.by_reason] == [
        ("damaged", 2, 6, 1200 + 900), ("expired", 1, 6, 1800), ("count shortfall", 1, 5, 1500)]
    assert s.total_cents == 1800 + 1500 + 2100
    assert s.total_units == 17
    assert s.found_cents == 450
    assert [(i["item"], i["units"], i["value_cents"]) for i in s.top_items] == [
        ("Eggs", 15, 4500), ("Jam", 2, 900)]
    assert sum(s.trend_cents) == s.total_cents


def test_a_late_sale_corrects_a_counts_shortfall_instead_of_adding_a_find(month_of_shrink, store, record):
    eggs, _ = month_of_shrink
    record(eggs, "sale", -2, at=t(19), source="clover")  # rang up before the count, learnt after
    s = shrink.shrink(flt(store))
    assert ("count shortfall", 3, 900) in [(r.reason, r.units, r.value_cents) for r in s.by_reason]
    assert s.found_cents == 450


def test_accuracy_never_nets_overs_against_shorts(store, make_item, record):
    # Six item-locations counted; the variances +5 -5 +3 -3 0 +1 net to +1 in total.
    for n, variance in enumerate([5, -5, 3, -3, 0, 1]):
        item = make_item(f"Item {n}", category="Dairy" if n < 3 else "Pantry")
        record(item, "opening", 20, at=t(1))
        record(item, "count", 20 + variance, at=t(10 + n))
    r = accuracy.accuracy(flt(store), tolerance=1)
    assert (r.overall.counted, r.overall.accurate, r.overall.over, r.overall.short) == (6, 2, 2, 2)
    assert r.overall.share * 3 == 1
    assert (r.overall.gross_units, r.overall.net_units) == (17, 1)
    assert [(name, a.accurate, a.counted) for name, a in r.by_category] == [("Dairy", 0, 3), ("Pantry", 2, 3)]
    assert [row["expected"] for row in r.rows] == [20] * 6
    assert accuracy.accuracy(flt(store), tolerance=5).overall.accurate == 6


def test_accuracy_uses_the_stores_tolerance_by_default_and_trends_by_day(store, make_item, record):
    store.tolerance_units = 0
    item = make_item("Tea")
    record(item, "opening", 10, at=t(1))
    record(item, "count", 10, at=t(3))
    record(item, "count", 9, at=t(4))
    r = accuracy.accuracy(flt(store, start=date(2026, 11, 3), end=date(2026, 11, 5)))
    assert r.tolerance == 0
    assert [a.share for a in r.trend] == [1, 0, None]


def test_coverage_lists_what_nobody_counted_and_puts_a_items_first(store, make_item, record):
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    star = make_item("Star", price_cents=100)
    steady = make_item("Steady", price_cents=100)
    slow = make_item("Slow", price_cents=100)
    for item, qty in ((star, 100), (steady, 100), (slow, 100)):
        record(item, "opening", qty, at=now - timedelta(days=200))
    record(star, "sale", -80, at=now - timedelta(days=10))  # 80% of sales value: A
    record(steady, "sale", -15, at=now - timedelta(days=10))  # 80% before it: B
    record(slow, "sale", -5, at=now - timedelta(days=10))  # 95% before it: C
    record(star, "count", 20, at=now - timedelta(days=40))
    record(steady, "count", 80, at=now - timedelta(days=5))
    c = coverage.coverage(flt(store), now=now)
    assert (c.items, c.counted_recently) == (3, 1)
    assert [(r["item"], r["abc"]) for r in c.stale] == [("Slow", "C"), ("Star", "A")]
    assert [(r["item"], r["abc"], r["overdue_days"]) for r in c.suggested] == [
        ("Star", "A", 10), ("Slow", "C", None)]
    assert c.by_class == {"A": (1, 1), "B": (1, 0), "C": (1, 1)}


# ----- pages ------------------------------------------------------------------------------

PAGES = ["/reports/", "/reports/valuation", "/reports/valuation?at=2026-11-05", "/reports/shrink",
         "/reports/accuracy", "/reports/coverage", "/reports/ledger", "/alerts/"]
CSVS = ["/reports/valuation.csv", "/reports/shrink.csv", "/reports/accuracy.csv", "/reports/coverage.csv",
        "/reports/ledger.csv"]


@pytest.mark.parametrize("url", PAGES + CSVS)
def test_every_report_opens_for_a_manager(shop, login_as, url):
    response = login_as("manager").get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("url", ["/reports/", "/reports/valuation", "/reports/valuation.csv",
                                 "/reports/ledger.csv", "/alerts/"])
@pytest.mark.parametrize("role", ["staff", "receiver"])
def test_reports_with_cost_and_value_are_for_managers_only(login_as, role, url):
    assert login_as(role).get(url).status_code == 403


def test_a_manager_of_another_store_cannot_ask_for_ours(shop, store, login_as, other_store_manager):
    client = login_as(user=other_store_manager)
    assert client.get(f"/reports/valuation?store={store.id}").status_code == 404


def test_an_admin_may_look_at_any_store(shop, store, login_as, make_store, make_user):
    other = make_store("Uptown")
    admin = make_user("admin", store_id=other.id)
    page = login_as(user=admin).get(f"/reports/valuation?store={store.id}").get_data(as_text=True)
    assert "$230.00" in page  # 66 milk x $2.50 + 20 bread x $1 + 3.750 kg cheddar x $12


def test_the_valuation_csv_has_exact_money_and_defuses_formulas(store, make_item, record, login_as):
    evil = make_item("=HYPERLINK(\"http://x\")", category="Dairy", cost_cents=199)
    record(evil, "opening", 3)
    body = login_as("manager").get("/reports/valuation.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["item_id", "item", "sku", "category", "location", "quantity", "unit_cost", "value"]
    assert rows[1][1].startswith("'=")
    assert rows[1][5:] == ["3", "1.99", "5.97"]


def test_the_ledger_page_shows_who_when_device_and_source(store, make_item, record, login_as, make_user):
    counter = make_user("staff", username="dana")
    milk = make_item("Milk")
    record(milk, "opening", 5, actor=counter, device_id="9b1d0000-aaaa", source="device")
    page = login_as("manager").get(f"/reports/ledger?item={milk.id}").get_data(as_text=True)
    assert "dana" in page and "device 9b1d0000" in page and "opening" in page


def test_a_bad_filter_is_explained(login_as):
    response = login_as("manager").get("/reports/shrink?start=2026-12-01&end=2026-11-01",
                                       headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_period"


def test_filters_offer_the_stores_locations_and_categories(shop, store, app):
    choices = filters.choices(flt(store))
    assert [name for _, name in choices["locations"]] == ["Back room", "Sales floor"]
    assert choices["categories"] == ["Bakery", "Dairy"]
