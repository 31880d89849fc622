"""Purchasing fixtures: the ledger writer and the local SMTP server of the reports tests, a
vendor with a catalog, and sales that give an item a known velocity."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.reports import conftest as reports
from webapp.types import utcnow

record = reports.record  # the ledger writer and the SMTP server of the reports tests
smtp_server = reports.smtp_server


@pytest.fixture
def app_config():
    # One order a week: the suggestion covers lead time + 7 days of sales, plus safety.
    return {"PURCHASE_REVIEW_DAYS": 7, "REORDER_WINDOW_DAYS": 28, "REORDER_SAFETY_DAYS": 2}


@pytest.fixture
def sell(record):
    """sell(item, units) spreads ``units`` of sales over the last 28 days, one event a day."""
    def write(item, units: int, days: int = 28):
        now = utcnow()
        per_day, rest = divmod(units, days)
        for day in range(days):
            qty = per_day + (1 if day < rest else 0)
            if qty:
                record(item, "sale", -qty, at=now - timedelta(days=day, hours=1))
    return write


@pytest.fixture
def vendor(db, store):
    from webapp.purchasing.vendors import VendorInput, create_vendor

    return create_vendor(store.id, VendorInput("Dairy Co", "Dana", "orders@dairy.example", "555-0100",
                                               lead_time_days=7, order_minimum_cents=0))
