"""CSV exports in the store's own terms (issue #14): times on the store's clock, numbers with
the store's decimal sign (Babel), and semicolons where that sign is a comma."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime


def _rows(text: str, delimiter: str = ","):
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_ledger_csv_times_are_on_the_stores_clock(db, store, make_item, record, login_as):
    item = make_item("Tea", cost_cents=150)
    at = datetime(2026, 12, 7, 16, 2, tzinfo=UTC)                  # 11:02 in New York
    record(item, "opening", 5, at=at)
    answer = login_as("manager").get("/reports/ledger.csv?start=2026-12-01&end=2026-12-08")
    text = answer.get_data(as_text=True)
    header, row = _rows(text)[:2]
    assert row[header.index("occurred_at")] == "2026-12-07T11:02:00-05:00"


def test_a_german_store_gets_decimal_commas_semicolons_and_grouped_numbers_on_pages(
        db, store, make_item, record, login_as):
    from webapp.catalog.models import StoreLocale

    db.session.add(StoreLocale(store_id=store.id, locale="de_DE"))
    db.session.commit()
    item = make_item("Tea", cost_cents=150)
    record(item, "opening", 1234, at=datetime(2026, 12, 1, 12, tzinfo=UTC))
    manager = login_as("manager")
    page = manager.get("/reports/valuation").get_data(as_text=True)
    assert "1.851,00" in page                                    # 1234 x 1.50 in de_DE money
    text = manager.get("/reports/valuation.csv").get_data(as_text=True)
    header, row = _rows(text, ";")[:2]
    assert header[:3] == ["item_id", "item", "sku"]
    assert row[header.index("quantity")] == "1234"
    assert row[header.index("unit_cost")] == "1,5"
    assert row[header.index("value")] == "1851"
