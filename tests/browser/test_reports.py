"""The dashboard and every report on a 360 x 640 phone: charts drawn, nothing wider than the screen."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

# Set SCREENSHOT_DIR=docs/screenshots to refresh the README's pictures.
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR")

PAGES = [
    ("dashboard", "/reports/"),
    ("valuation", "/reports/valuation"),
    ("shrink", "/reports/shrink"),
    ("accuracy", "/reports/accuracy"),
    ("coverage", "/reports/coverage"),
    ("ledger", "/reports/ledger"),
]


@pytest.fixture(scope="module")
def month_of_trading(live_server):
    """Items of their own (other browser tests own the seed's) with a month of ledger events."""
    from webapp.auth.models import User
    from webapp.catalog.models import Item
    from webapp.extensions import db
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    app, store_id = live_server["app"], live_server["store_id"]
    floor, back = live_server["floor_id"], live_server["back_id"]
    now = utcnow()
    # name, category, cost, price, reorder point, floor opening, back opening, sold a day,
    # what the floor count finds against the record, received into the back room.
    catalog = [("Espresso Beans 1kg", "Coffee", 1450, 2499, 16, 70, 6, 2, -3, 0),
               ("Oat Barista 1L", "Dairy", 190, 349, 20, 100, 24, 3, 1, 12),
               ("Sourdough Loaf", "Bakery", 210, 550, 10, 40, 0, 1, 0, 0),
               ("Greek Yogurt 500g", "Dairy", 160, 329, 12, 60, 10, 2, -1, 0),
               ("Dark Chocolate 70%", "Snacks", 120, 299, 5, 50, 20, 1, 2, 0)]
    with app.app_context():
        manager = db.session.query(User).filter_by(username="mia").one()
        ledger = Ledger(actor_user_id=manager.id, source="web")
        n = 0

        def add(item, kind, quantity, days_ago, location=floor, note=None, source="web", hours=0):
            nonlocal n
            n += 1
            ledger.append(NewEvent(f"report-test:{n}", kind, store_id, item.id, location, quantity,
                                   now - timedelta(days=days_ago, hours=hours), source=source,
                                   actor_user_id=manager.id, note=note, device_id="b7e1c0de-demo"))

        for name, category, cost, price, point, on_floor, in_back, daily, off, received in catalog:
            item = Item(store_id=store_id, name=name, category=category, cost_cents=cost, price_cents=price,
                        reorder_point=point)
            db.session.add(item)
            db.session.flush()
            add(item, "opening", on_floor, 29)
            if in_back:
                add(item, "opening", in_back, 29, location=back)
                add(item, "count", in_back - 1, 14, location=back)
            for day in range(28, 0, -1):
                add(item, "sale", -daily, day, source="clover")
            add(item, "damage", -2, 20, note="damaged")
            add(item, "damage", -1, 9, note="expired")
            add(item, "count", max(0, on_floor - 16 * daily - 2 + off), 12, hours=3)
            if received:
                add(item, "receive", received, 5, location=back)
        ledger.settle()
        db.session.commit()
    return live_server


@pytest.mark.parametrize(("name", "path"), PAGES)
def test_each_report_draws_its_charts_on_a_phone(page, month_of_trading, name, path):
    log_in(page, "mia", next_path=path)
    charts = page.locator("svg.chart")
    expect(charts.first).to_be_visible()
    drawn = page.locator("svg.chart rect.chart-bar, svg.chart circle.chart-dot")
    assert drawn.count() > 0, f"{name}: no bar or point drawn"
    box = charts.first.bounding_box()
    assert 280 <= box["width"] <= 360
    # Nothing pushes the page sideways on a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)


def test_the_alerts_page_lists_what_ran_low(page, month_of_trading):
    log_in(page, "mia", next_path="/alerts/")
    expect(page.get_by_role("heading", name="Low-stock alerts")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
