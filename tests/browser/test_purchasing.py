"""A manager on a 360 px phone: suggested order -> PO -> sent; the dock then receives against it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_receiving import NO_CAMERA, wedge

WIDTH = 360
TEA = "96385074"


@pytest.fixture(scope="module")
def tea_vendor(live_server):
    from webapp.catalog.models import Item
    from webapp.extensions import db
    from webapp.purchasing.vendors import CatalogInput, VendorInput, create_vendor, set_catalog_line

    app, store_id = live_server["app"], live_server["store_id"]
    tea_id = live_server["items"]["Green Tea 20ct"]
    with app.app_context():
        # Far above anything on hand or on order (other tests share this server and order tea too).
        db.session.get(Item, tea_id).reorder_point = 100_000
        db.session.commit()
        vendor = create_vendor(store_id, VendorInput("Leafy Teas", lead_time_days=3))
        set_catalog_line(store_id, vendor.id, CatalogInput(tea_id, 12, 1440, "LT-20", True))
        return {"vendor_id": vendor.id, "tea_id": tea_id}


def _tea_level(live_server) -> int:
    from webapp.inventory.ledger import levels_for_item

    with live_server["app"].app_context():
        return sum(levels_for_item(live_server["items"]["Green Tea 20ct"]).values())


def _po(live_server, po_id: int):
    from webapp.extensions import db
    from webapp.receiving.models import PurchaseOrder

    with live_server["app"].app_context():
        po = db.session.get(PurchaseOrder, po_id)
        return po.status, [(ln.ordered_qty, ln.received_qty) for ln in po.lines]


def test_a_suggestion_becomes_a_sent_po_in_a_few_taps_and_is_received_at_the_dock(page, live_server,
                                                                                 tea_vendor):
    page.add_init_script(NO_CAMERA)
    log_in(page, "mia", next_path="/purchasing/")
    page.locator(f"a[data-vendor='{tea_vendor['vendor_id']}']").click()  # tap 1: the vendor's suggestion
    cases = page.locator(f"#cases-{tea_vendor['tea_id']}")
    expect(cases).to_be_visible()
    assert int(cases.input_value()) >= 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    cases.fill("2")  # the manager's own number of cases
    page.locator("#make-po").click()  # tap 2
    page.wait_for_url("**/purchasing/pos/*")
    po_id = int(page.url.rstrip("/").split("/")[-1])
    assert _po(live_server, po_id) == ("draft", [(24, 0)])
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    page.locator("#send-po").click()  # tap 3: no mail server here, so sent and recorded as not emailed
    expect(page.locator("#po-status")).to_contain_text("sent")
    expect(page.locator("main")).to_contain_text("not emailed")

    # The dock, from the PO's page: one scan of a unit of tea, then close.
    before = _tea_level(live_server)
    page.get_by_role("link", name="Receive it").click()
    page.wait_for_selector("body[data-receiving-ready='1']")
    wedge(page, TEA)
    expect(page.locator("#receive-status")).to_contain_text("1 scan")
    close = page.locator("#close-receipt")
    close.click()
    expect(close).to_contain_text("Tap again")
    close.click()
    page.wait_for_url("**/receiving/receipts/*", timeout=15_000)
    assert _tea_level(live_server) == before + 1
    assert _po(live_server, po_id) == ("partially_received", [(24, 1)])
