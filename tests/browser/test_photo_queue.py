"""A damage photo taken with no signal waits on the phone, shrunk, and reaches its flag later."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import log_in, outbox_empty, wait_until
from tests.browser.test_damage import records

QUEUED = """async () => {
    const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open('shelfcount-photos');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
    });
    const rows = await new Promise((resolve) => {
        const r = db.transaction('photos').objectStore('photos').getAll();
        r.onsuccess = () => resolve(r.result);
    });
    db.close();
    return Promise.all(rows.map(async (row) => {
        const bitmap = await createImageBitmap(row.blob);
        return { type: row.blob.type, width: bitmap.width, height: bitmap.height, event_id: row.event_id };
    }));
}"""


def big_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (40, 90, 160)).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.mark.parametrize("canvas", ["OffscreenCanvas", "a page canvas (no OffscreenCanvas)"])
def test_a_photo_taken_offline_is_attached_to_its_flag_once_the_phone_is_online(page, context, live_server,
                                                                                 canvas):
    if canvas != "OffscreenCanvas":
        page.add_init_script("delete window.OffscreenCanvas;")   # older Safari
    before = len(records(live_server))
    log_in(page, "sam", next_path="/damage/new")
    expected = "function" if canvas == "OffscreenCanvas" else "undefined"
    assert page.evaluate("typeof OffscreenCanvas") == expected
    page.wait_for_selector("body[data-damage-ready='1']")
    expect(page.locator("#damage-item")).to_have_text("Oat Milk 1L", timeout=15_000)
    context.set_offline(True)
    try:
        page.get_by_label("damaged", exact=True).check()
        page.set_input_files("#flag-photo", files=[{"name": "crushed.jpg", "mimeType": "image/jpeg",
                                                    "buffer": big_photo()}])
        expect(page.locator("#flag-photo-status")).to_contain_text("waits on this phone", timeout=10_000)
        page.get_by_role("button", name="Flag it").click()
        expect(page.locator("#flag-status")).to_contain_text("Flagged 1 × Oat Milk 1L as damaged")
        expect(page.locator("#photo-queue-status")).to_have_text("1 photo waiting")
        queued = page.evaluate(QUEUED)
        # Shrunk on the phone before it was stored: a 12 MP photo is kept at 1600 px.
        assert [(q["type"], q["width"], q["height"]) for q in queued] == [("image/jpeg", 1600, 1200)]
        assert queued[0]["event_id"]
        assert len(records(live_server)) == before            # nothing reached the server
    finally:
        context.set_offline(False)
    # Back online: the outbox sends the flag and the queue sends its photo, in whichever order.
    outbox_empty(page, timeout=20)
    expect(page.locator("#photo-queue-status")).to_be_hidden(timeout=20_000)
    assert page.evaluate(QUEUED) == []
    found = records(live_server)
    assert len(found) == before + 1
    item_id, quantity, reason, status, photos = found[-1]
    oat_milk = live_server["items"]["Oat Milk 1L"]
    assert (item_id, quantity, reason, status) == (oat_milk, 1, "damaged", "applied")
    assert len(photos) == 1
    served = page.request.get(f"/photos/{photos[0]}")
    assert served.ok
    assert Image.open(io.BytesIO(served.body())).size == (1600, 1200)


def test_a_photo_whose_upload_drops_waits_and_goes_from_any_screen(page, live_server):
    before = len(records(live_server))
    log_in(page, "sam", next_path="/damage/new")
    page.wait_for_selector("body[data-damage-ready='1']")
    expect(page.locator("#damage-item")).to_have_text("Oat Milk 1L", timeout=15_000)
    # The phone says it is online, but the upload's connection drops (one bar in the back room).
    page.route("**/photos", lambda route: route.abort())
    page.get_by_label("spoiled", exact=True).check()
    page.set_input_files("#flag-photo", files=[{"name": "mould.jpg", "mimeType": "image/jpeg",
                                                "buffer": big_photo()}])
    expect(page.locator("#flag-photo-status")).to_contain_text("waits on this phone", timeout=10_000)
    page.get_by_role("button", name="Flag it").click()
    expect(page.locator("#photo-queue-status")).to_have_text("1 photo waiting")
    outbox_empty(page, timeout=20)
    assert records(live_server)[-1][4] == []              # the flag is in, its photo is not yet
    page.unroute("**/photos")
    page.goto("/")                                        # another screen: the shell sends it
    wait_until(page, f"({QUEUED})().then((rows) => rows.length === 0)", timeout=20)
    found = records(live_server)
    assert len(found) == before + 1
    assert found[-1][2] == "spoiled" and len(found[-1][4]) == 1


def test_a_damaged_on_arrival_photo_taken_offline_reaches_the_receipt(page, context, live_server):
    from tests.browser.test_receiving import NO_CAMERA, wedge
    from webapp.damage.models import DamageRecord
    from webapp.extensions import db

    crackers = live_server["items"]["Rye Crackers"]
    page.add_init_script(NO_CAMERA)
    log_in(page, "mia", next_path="/receiving/session")
    page.wait_for_selector("body[data-receiving-ready='1']")
    context.set_offline(True)
    try:
        wedge(page, "036000291452")
        wedge(page, "036000291452")
        expect(page.locator("#receive-status")).to_contain_text("2 scans")
        row = page.locator("#lines tbody tr", has_text="Rye Crackers")
        row.get_by_role("button", name="Damaged").click()
        page.fill("#damage-qty", "1")
        page.select_option("#damage-reason", "damaged")
        page.set_input_files("#damage-photo", files=[{"name": "box.jpg", "mimeType": "image/jpeg",
                                                      "buffer": big_photo()}])
        page.get_by_role("button", name="Mark damaged").click()
        expect(row).to_contain_text("1 damaged")
        expect(page.locator("#photo-queue-status")).to_have_text("1 photo waiting")
        page.locator("#close-receipt").click()
        page.locator("#close-receipt").click()
        expect(page.locator("#last-scan")).to_contain_text("Closed on this phone")
    finally:
        context.set_offline(False)
    outbox_empty(page, timeout=20)
    wait_until(page, f"({QUEUED})().then((rows) => rows.length === 0)", timeout=20)
    with live_server["app"].app_context():
        mark = (db.session.query(DamageRecord).filter(DamageRecord.item_id == crackers,
                                                      DamageRecord.receipt_id.is_not(None))
                .order_by(DamageRecord.id.desc()).first())
        assert (mark.status, mark.quantity, len(mark.photos)) == ("on_arrival", 1, 1)


def test_logging_out_warns_about_a_waiting_photo_and_not_once_it_is_sent(page, live_server):
    log_in(page, "sam", next_path="/damage/new")
    page.wait_for_selector("body[data-damage-ready='1']")
    expect(page.locator("#damage-item")).to_have_text("Oat Milk 1L", timeout=15_000)
    page.route("**/photos", lambda route: route.abort())
    page.get_by_label("damaged", exact=True).check()
    page.set_input_files("#flag-photo", files=[{"name": "dent.jpg", "mimeType": "image/jpeg",
                                                "buffer": big_photo()}])
    expect(page.locator("#flag-photo-status")).to_contain_text("waits on this phone", timeout=10_000)
    page.get_by_role("button", name="Flag it").click()
    # The flag reaches the server; only its photo waits. The badge and the outbox page say so.
    outbox_empty(page, timeout=20)
    page.goto("/outbox")
    expect(page.locator("#outbox-badge")).to_have_text("1 photo waiting", timeout=10_000)
    expect(page.locator("#photo-queue-status")).to_have_text("1 photo waiting")

    with page.expect_event("dialog") as warning:
        page.get_by_role("button", name="Log out").click()
    assert warning.value.message.startswith("1 photo has not reached the server yet.")
    warning.value.dismiss()
    page.wait_for_timeout(300)
    assert len(page.evaluate(QUEUED)) == 1                           # stayed, photo and all

    page.unroute("**/photos")
    page.on("dialog", lambda dialog: pytest.fail(f"warned with nothing left to send: {dialog.message}"))
    page.get_by_role("button", name="Log out").click()             # sends the photo first
    page.wait_for_url("**/login*")
    assert page.evaluate(QUEUED) == []


def test_a_photo_the_server_asks_to_wait_for_is_kept_and_sent_when_it_says(page, live_server):
    """A 429 (more photos than a minute allows) is 'later', never 'drop it': the direct upload
    and the queue's own send are both told to wait; the photo still reaches its flag."""
    before = len(records(live_server))
    log_in(page, "sam", next_path="/damage/new")
    page.wait_for_selector("body[data-damage-ready='1']")
    expect(page.locator("#damage-item")).to_have_text("Oat Milk 1L", timeout=15_000)
    told_to_wait = []

    def busy_twice(route):
        if len(told_to_wait) < 2:
            told_to_wait.append(route.request.url)
            route.fulfill(status=429, headers={"Retry-After": "1"}, content_type="application/json",
                          body='{"error": {"code": "too_many_requests", "field": null, '
                               '"message": "That is more photos than a minute allows; wait a minute."}}')
        else:
            route.continue_()

    page.route("**/photos", busy_twice)
    page.get_by_label("damaged", exact=True).check()
    page.set_input_files("#flag-photo", files=[{"name": "pallet.jpg", "mimeType": "image/jpeg",
                                                "buffer": big_photo()}])
    expect(page.locator("#flag-photo-status")).to_contain_text("asked to wait", timeout=10_000)
    expect(page.locator("#flag-photo-status")).to_contain_text("waits on this phone")
    page.get_by_role("button", name="Flag it").click()
    outbox_empty(page, timeout=20)
    wait_until(page, f"({QUEUED})().then((rows) => rows.length === 0)", timeout=20)
    assert len(told_to_wait) == 2                         # the queue was refused once too, and retried
    found = records(live_server)
    assert len(found) == before + 1
    assert found[-1][2] == "damaged" and len(found[-1][4]) == 1
