"""Receiving on a phone: fake camera and keyboard-wedge scans, the tally, closing through the outbox.

The scans-and-taps count of a 20-line PO in the note comes from
``test_a_20_line_po_takes_one_scan_per_line_and_three_taps`` (it prints it).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, outbox_empty

NO_CAMERA = ("navigator.mediaDevices.getUserMedia = () => "
             "Promise.reject(new DOMException('no camera here', 'NotFoundError'));")


WEDGE = """(code) => {
  document.activeElement && document.activeElement.blur();
  for (const key of [...code, "Enter"]) {
    document.body.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true, cancelable: true}));
  }
}"""


def wedge(page, code: str) -> None:
    """A keyboard-wedge scanner: the code's keys at machine speed, then Enter, no field focused.

    The keys are dispatched in the page in one go: Playwright's own typing sends one key per
    round trip, and on a loaded machine the gaps can exceed what the scanner takes for a wedge.
    A pause first, as between two real scans: scanner.js measures a burst from its first key,
    and keys within 150 ms of the previous scan's Enter are taken as the same burst.
    """
    page.wait_for_timeout(200)
    page.evaluate(WEDGE, code)


def levels(live_server, item_ids) -> dict[int, int]:
    from webapp.inventory.ledger import levels_for_item

    with live_server["app"].app_context():
        return {item_id: levels_for_item(item_id).get(live_server["back_id"], 0) for item_id in item_ids}


def test_a_blind_receipt_of_three_items_one_a_case(page, live_server):
    items = live_server["items"]
    ids = [items["Oat Milk 1L"], items["Rye Crackers"], items["Sea Salt Chips"]]
    before = levels(live_server, ids)
    log_in(page, "mia", next_path="/receiving/")
    page.get_by_role("link", name="Receive without a PO").click()
    page.wait_for_selector("body[data-receiving-ready='1']")
    # The camera sees a unit of oat milk; the wedge scanner reads a case of it and two items.
    expect(page.locator("#last-scan")).to_contain_text("Oat Milk 1L", timeout=15_000)
    wedge(page, "14006381333938")
    expect(page.locator("#last-scan")).to_contain_text("+12 Oat Milk 1L")
    wedge(page, "036000291452")
    expect(page.locator("#last-scan")).to_contain_text("Rye Crackers")
    wedge(page, "5901234123457")
    expect(page.locator("#last-scan")).to_contain_text("Sea Salt Chips")
    rows = page.locator("#lines tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator(".received")).to_have_text("13")
    close = page.locator("#close-receipt")
    close.click()
    expect(close).to_contain_text("Tap again")
    close.click()
    page.wait_for_url("**/receiving/receipts/*", timeout=15_000)
    expect(page.locator("#discrepancies")).to_contain_text("Oat Milk 1L")
    after = levels(live_server, ids)
    assert [after[i] - before[i] for i in ids] == [13, 1, 1]


@pytest.fixture
def twenty_line_po(live_server):
    from webapp.auth.models import User
    from webapp.catalog.models import Barcode, Item
    from webapp.extensions import db
    from webapp.receiving.models import POLine, PurchaseOrder

    app, store_id = live_server["app"], live_server["store_id"]
    with app.app_context():
        manager = db.session.query(User).filter_by(username="mia").one()
        po = PurchaseOrder(store_id=store_id, reference="PO-20", vendor="Big Wholesale", status="open",
                           created_by=manager.id)
        cases = []
        for n in range(20):
            body = f"1990000{n:06d}"
            case = body + str((10 - sum(int(d) * (3 if i % 2 == 0 else 1)
                                        for i, d in enumerate(reversed(body))) % 10) % 10)
            item = Item(store_id=store_id, name=f"Wholesale item {n + 1:02d}", cost_cents=100)
            item.barcodes.append(Barcode(store_id=store_id, code=case, gtin14=case, pack_qty=6))
            db.session.add(item)
            db.session.flush()
            po.lines.append(POLine(item_id=item.id, ordered_qty=6, unit_cost_cents=100))
            cases.append(case)
        db.session.add(po)
        db.session.commit()
        return {"id": po.id, "cases": cases, "item_ids": [ln.item_id for ln in po.lines]}


def test_a_20_line_po_takes_one_scan_per_line_and_three_taps(page, live_server, twenty_line_po):
    page.add_init_script(NO_CAMERA)  # a rugged Android scanner at the dock: wedge only
    log_in(page, "mia", next_path="/receiving/")
    scans, taps = 0, 0
    # "PO-20" and not a longer reference that starts so (the purchasing journey's PO-20261207-1).
    page.locator(".po-pick", has_text=re.compile(r"PO-20(?!\d)")).click()
    taps += 1
    page.wait_for_selector("body[data-receiving-ready='1']")
    expect(page.locator("#lines tbody tr")).to_have_count(20)
    for case in twenty_line_po["cases"]:
        wedge(page, case)
        scans += 1
        expect(page.locator("#receive-status")).to_contain_text(f"{scans} scans")
    expect(page.locator("#lines tbody tr.done")).to_have_count(20)
    expect(page.locator("#receive-status")).to_contain_text("0 PO lines still due")
    page.locator("#close-receipt").click()
    page.locator("#close-receipt").click()
    taps += 2
    page.wait_for_url("**/receiving/receipts/*", timeout=15_000)
    expect(page.locator("#discrepancies .flag")).to_have_count(0)
    assert set(levels(live_server, twenty_line_po["item_ids"]).values()) == {6}
    print(f"\n20-line PO, one case per line: {scans} scans and {taps} taps")
    assert (scans, taps) == (20, 3)


def test_a_receipt_scanned_offline_lands_when_the_phone_is_back_online(page, context, live_server):
    item_id = live_server["items"]["Green Tea 20ct"]
    before = levels(live_server, [item_id])[item_id]
    page.add_init_script(NO_CAMERA)
    log_in(page, "mia", next_path="/receiving/session")
    page.wait_for_selector("body[data-receiving-ready='1']")
    context.set_offline(True)
    for _ in range(3):
        wedge(page, "96385074")
    expect(page.locator("#receive-status")).to_contain_text("3 scans")
    page.locator("#close-receipt").click()
    page.locator("#close-receipt").click()
    expect(page.locator("#last-scan")).to_contain_text("Closed on this phone")
    assert levels(live_server, [item_id])[item_id] == before
    context.set_offline(False)
    page.evaluate("import('/static/js/outbox.js').then((o) => o.flush())")
    outbox_empty(page, timeout=10)
    assert levels(live_server, [item_id])[item_id] == before + 3


def test_damage_on_arrival_with_a_photo_stays_out_of_stock(page, live_server):
    import io

    from PIL import Image

    item_id = live_server["items"]["Rye Crackers"]
    before = levels(live_server, [item_id])[item_id]
    page.add_init_script(NO_CAMERA)
    log_in(page, "mia", next_path="/receiving/session")
    page.wait_for_selector("body[data-receiving-ready='1']")
    wedge(page, "036000291452")
    wedge(page, "036000291452")
    expect(page.locator("#receive-status")).to_contain_text("2 scans")
    row = page.locator("#lines tbody tr", has_text="Rye Crackers")
    row.get_by_role("button", name="Damaged").click()
    page.fill("#damage-qty", "1")
    page.select_option("#damage-reason", "damaged")
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 60, 30)).save(photo, "JPEG")
    page.set_input_files("#damage-photo", files=[{"name": "box.jpg", "mimeType": "image/jpeg",
                                                  "buffer": photo.getvalue()}])
    page.get_by_role("button", name="Mark damaged").click()
    expect(row).to_contain_text("1 damaged")
    page.locator("#close-receipt").click()
    page.locator("#close-receipt").click()
    page.wait_for_url("**/receiving/receipts/*", timeout=15_000)
    report = page.locator("#discrepancies tr", has_text="Rye Crackers")
    expect(report).to_contain_text("damaged")
    expect(report.get_by_role("link", name="photo")).to_have_count(1)
    assert levels(live_server, [item_id])[item_id] == before + 1


def test_a_delivery_in_progress_is_resumed_by_its_receiver_and_not_by_the_next_person_on_the_phone(
        page, context, live_server):
    page.add_init_script(NO_CAMERA)
    log_in(page, "rex", next_path="/receiving/session")
    page.wait_for_selector("body[data-receiving-ready='1']")
    wedge(page, "96385074")
    expect(page.locator("#receive-status")).to_contain_text("1 scan")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login*")

    log_in(page, "mia", next_path="/receiving/session")                 # the next person
    page.wait_for_selector("body[data-receiving-ready='1']")
    expect(page.locator("#last-scan")).not_to_contain_text("Carrying on")
    assert page.locator("#lines tbody tr").count() == 0
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login*")

    log_in(page, "rex", next_path="/receiving/session")                 # and rex again
    page.wait_for_selector("body[data-receiving-ready='1']")
    expect(page.locator("#last-scan")).to_contain_text("Carrying on with this delivery: 1 scans so far")
