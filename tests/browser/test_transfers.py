"""Moving stock on a phone: a GS1-128 case label moves the count it carries, as receiving does."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import log_in, wait_until


def moved(live_server, item_id: int) -> list[tuple[int, int, int]]:
    from webapp.extensions import db
    from webapp.transfers.models import Transfer

    with live_server["app"].app_context():
        return [(t.quantity, t.from_location_id, t.to_location_id)
                for t in db.session.query(Transfer).filter(Transfer.item_id == item_id).order_by(Transfer.id)]


def test_a_gs1_label_with_count_12_moves_12(page, live_server):
    crackers = live_server["items"]["Rye Crackers"]
    before = moved(live_server, crackers)
    log_in(page, "mia", next_path="/transfers/new")
    field = page.get_by_label("Type a barcode")
    field.wait_for()
    # The label of a pallet layer: the unit's GTIN (01) and a count of 12 (37).
    field.fill("(01)00036000291452(37)12")
    field.press("Enter")
    expect(page.locator("#transfer-last")).to_have_text("Moved 12 × Rye Crackers", timeout=15_000)
    expect(page.locator("#transfer-log")).to_contain_text("12 × Rye Crackers: Back room → Sales floor")
    wait_until(page, "import('/static/js/outbox.js').then(async (o) => (await o.all()).length === 0)",
               timeout=20)
    assert moved(live_server, crackers) == [*before, (12, live_server["back_id"], live_server["floor_id"])]
