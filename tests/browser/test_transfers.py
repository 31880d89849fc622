"""Moving stock on a phone: a GS1-128 case label moves the count it carries, as receiving does."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, outbox_empty


def moved(live_server, item_id: int) -> list[tuple[int, int, int]]:
    from webapp.extensions import db
    from webapp.transfers.models import Transfer

    with live_server["app"].app_context():
        return [(t.quantity, t.from_location_id, t.to_location_id)
                for t in db.session.query(Transfer).filter(Transfer.item_id == item_id).order_by(Transfer.id)]


@pytest.mark.parametrize("label", ["(01)00036000291452(37)12", "01000360002914523712"],
                         ids=["printed", "bare digits from a wedge scanner"])
def test_a_gs1_label_with_count_12_moves_12(page, live_server, label):
    crackers = live_server["items"]["Rye Crackers"]
    before = moved(live_server, crackers)
    log_in(page, "mia", next_path="/transfers/new")
    field = page.get_by_label("Type a barcode")
    field.wait_for()
    # The label of a pallet layer: the unit's GTIN (01) and a count of 12 (37).
    field.fill(label)
    field.press("Enter")
    expect(page.locator("#transfer-last")).to_have_text("Moved 12 × Rye Crackers", timeout=15_000)
    expect(page.locator("#transfer-log")).to_contain_text("12 × Rye Crackers: Back room → Sales floor")
    outbox_empty(page, timeout=20)
    assert moved(live_server, crackers) == [*before, (12, live_server["back_id"], live_server["floor_id"])]


def test_the_phone_sends_every_form_of_a_label_so_the_server_reads_the_same_count_and_lot(page):
    from scanner.codes import normalise

    gs, case, unit = "\x1d", "10036000291459", "00036000291452"
    labels = [  # (as the scanner gives it, GTIN, (37) count, lot)
        ("(01)10036000291459(37)2(10)LOT7", case, 2, "LOT7"),       # printed, or typed from the print
        ("]C101100360002914593702" + gs + "10LOT7", case, 2, "LOT7"),  # with the symbology id
        (gs + "01100360002914593702" + gs + "10LOT7", case, 2, "LOT7"),  # FNC1 as a leading GS
        ("0110036000291459" "17271231" "10LOT7", case, None, "LOT7"),  # bare digits: id, FNC1 stripped
        ("0100036000291452" "3712", unit, 12, None),                   # bare digits, unit and a count
    ]
    page.goto("/offline")
    phone = page.evaluate("""async (labels) => {
        const codes = await import('/static/js/codes.js');
        return labels.map((text) => [codes.labelForServer(text), codes.gs1Parts(text).count]);
    }""", [text for text, *_ in labels])
    for (text, gtin14, count, lot), (sent, phone_count) in zip(labels, phone, strict=True):
        read = normalise(sent)
        assert (read.kind, read.gtin14, read.pack_hint, read.lot) == ("gs1", gtin14, count, lot), (text, sent)
        assert phone_count == count, text


def test_moving_the_last_scan_back_returns_what_the_scan_moved_once(page, live_server):
    crackers = live_server["items"]["Rye Crackers"]
    back, floor = live_server["back_id"], live_server["floor_id"]
    before = moved(live_server, crackers)
    log_in(page, "mia", next_path="/transfers/new")
    field = page.get_by_label("Type a barcode")
    field.wait_for()
    # The fake camera keeps showing Oat Milk: on a slow machine its scan could land between the
    # label and the undo and become "the last scan". This test is about the keyboard label, so
    # it lets the camera's first scan land, then stops the camera.
    expect(page.locator("#transfer-last")).to_contain_text("Oat Milk 1L", timeout=15_000)
    page.evaluate("window.shelfcountScanner.stopCamera()")
    field.fill("(01)00036000291452(37)12")
    field.press("Enter")
    expect(page.locator("#transfer-last")).to_have_text("Moved 12 × Rye Crackers", timeout=15_000)
    undo = page.locator("#transfer-undo")
    undo.click()
    expect(page.locator("#transfer-last")).to_have_text("Moved 12 × Rye Crackers back")
    expect(undo).to_be_disabled()
    outbox_empty(page, timeout=20)
    assert moved(live_server, crackers) == [*before, (12, back, floor), (12, floor, back)]
