"""The phone's journeys in both engines: Chromium (Playwright) and WebKit, Safari's engine
(Selenium + WebKitWebDriver under Xvfb). Written once against tests/browser/phone.py; the
`phone` fixture runs each test in its module's engine ([chromium] and [webkit] in the ids).
The older Chromium-only tests go deeper into each screen; these prove the same floor work on
an iPhone's engine.

Unless a test gives it the canvas camera (conftest.py, PHONE_INIT_JS), the phone here has no
camera: scans come from a keyboard-wedge scanner or are typed, as at a dock.
"""

from __future__ import annotations

import pytest
from PIL import Image
from sqlalchemy import select

from tests.browser.conftest import PASSWORD, on_server

PAGES_CACHE = "shelfcount-pages-1"
RYE, SALT, TEA, OAT_CASE = "036000291452", "5901234123457", "96385074", "14006381333938"


def _level(seed, item: str, location_key: str) -> int:
    from webapp.inventory.ledger import levels_for_item

    with seed["app"].app_context():
        return levels_for_item(seed["items"][item]).get(seed[location_key], 0)


def _start_count(phone, location="Back room") -> str:
    phone.select("#count-location", location)
    phone.click("#count-start button[type=submit]")
    phone.wait_text("h1.count-scope", f"Counting {location}")
    return phone.wait_until("new URLSearchParams(location.search).get('session')")


def _tally(phone, name) -> str:
    rows = [t for t in phone.texts(".tally-row") if name in t]
    return rows[0].strip().split("\n")[-1].strip() if rows else ""


def _wait_tally(phone, name, qty):
    from tests.browser.phone import _poll

    _poll(lambda: _tally(phone, name) == qty, f"{name} at {qty} (now {_tally(phone, name)!r})", 15)


def _keypad(phone, digits: str):
    phone.click("[data-key='clear']")
    for key in digits:
        phone.click(f"[data-key='{key}']")
    phone.click("#keypad-ok")


def _submit_count(phone):
    message = phone.accept_dialog(lambda: phone.click("#count-done"))
    assert "Submit this count" in message
    phone.wait_text("#count-submitted h1", "Count submitted")


def test_a_staff_member_logs_in_and_the_service_worker_takes_the_app(phone):
    phone.log_in("sam", PASSWORD)
    phone.wait_text("h1", "Hello, sam")
    phone.controlled()
    assert phone.evaluate("'BarcodeDetector' in window") is False   # iPhones decode with ZXing too


def test_counting_with_the_keypad_undo_and_a_line_edit_sets_the_level(phone, seed):
    phone.log_in("sam", PASSWORD, "/count")
    _start_count(phone)
    phone.wedge(RYE)
    phone.wedge(RYE)
    _wait_tally(phone, "Rye Crackers", "2")
    phone.click("#count-qty")                  # the last scan stood for 12
    _keypad(phone, "12")
    _wait_tally(phone, "Rye Crackers", "13")
    phone.click("#count-undo")
    _wait_tally(phone, "Rye Crackers", "1")
    phone.click(".tally-row .tally-edit", text="Rye Crackers")
    _keypad(phone, "5")
    _wait_tally(phone, "Rye Crackers", "5")
    _submit_count(phone)
    phone.outbox_empty()
    assert _level(seed, "Rye Crackers", "back_id") == 5


def test_a_count_made_offline_survives_a_reload_and_drains_when_the_signal_returns(phone, seed):
    from webapp.counting.models import CountSession

    phone.log_in("sam", PASSWORD, "/count")
    phone.controlled()
    phone.wait_until(f"caches.open('{PAGES_CACHE}').then((c) => c.match('/count')).then(Boolean)")
    phone.set_offline(True)
    try:
        phone.reload()                                       # answered by the service worker
        session_id = _start_count(phone)
        for code in (SALT, SALT, TEA):
            phone.wedge(code)
        _wait_tally(phone, "Sea Salt Chips", "2")
        _wait_tally(phone, "Green Tea 20ct", "1")
        phone.wait_until("import('/static/js/outbox.js').then(async (o) => (await o.all()).length >= 4)")
        phone.reload()                                       # still no signal
        phone.wait_text("h1.count-scope", "Counting Back room")
        _wait_tally(phone, "Sea Salt Chips", "2")            # the tally came back from the phone
        _submit_count(phone)
        types = [r["event"]["type"] for r in phone.outbox()]
        assert types.count("count_start") == 1 and types.count("count_submit") == 1
        assert types.count("count_scan") == 3
        assert on_server(seed, lambda s: s.get(CountSession, session_id)) is None
    finally:
        phone.set_offline(False)
    phone.evaluate("(window.dispatchEvent(new Event('online')), true)")
    phone.outbox_empty()
    assert on_server(seed, lambda s: s.get(CountSession, session_id).status) == "submitted"
    assert (_level(seed, "Sea Salt Chips", "back_id"), _level(seed, "Green Tea 20ct", "back_id")) == (2, 1)


def test_receiving_a_case_without_a_po(phone, seed):
    before = _level(seed, "Oat Milk 1L", "back_id")
    phone.log_in("mia", PASSWORD, "/receiving/")
    phone.click("#blind-receipt")
    phone.wait_until("document.body.dataset.receivingReady === '1'")
    phone.wedge(OAT_CASE)
    phone.wait_text("#last-scan", "+12 Oat Milk 1L")
    phone.click("#close-receipt")
    phone.wait_text("#close-receipt", "Tap again")
    phone.click("#close-receipt")
    # Online, the close goes at once and the receipt opens. On this loaded 2-core machine the
    # phone's flush sometimes waited on /pwa/session past the page's three tries (in Chromium
    # too); the page then says it closed on the phone and the outbox sends it: both are the app's
    # promised outcomes, and either way the stock must move.
    phone.wait_until("location.pathname.startsWith('/receiving/receipts/')"
                     " || document.getElementById('last-scan').textContent.includes('Closed on this phone')",
                     timeout=30)
    if "/receiving/receipts/" not in phone.url():
        phone.evaluate("import('/static/js/outbox.js').then((o) => o.flush()).then(() => true)")
        phone.outbox_empty(timeout=30)
    assert _level(seed, "Oat Milk 1L", "back_id") == before + 12


def test_damage_flagged_with_a_photo(phone, seed, tmp_path):
    from webapp.damage.models import DamageRecord

    def records(session):
        return [(r.quantity, r.reason, r.status, len(r.photos))
                for r in session.scalars(select(DamageRecord).where(DamageRecord.receipt_id.is_(None))
                                         .order_by(DamageRecord.id))]

    before = len(on_server(seed, records))
    photo = tmp_path / "shelf.jpg"
    Image.new("RGB", (800, 600), (180, 60, 40)).save(photo, "JPEG")
    phone.log_in("sam", PASSWORD, "/damage/new")
    phone.wait_until("document.body.dataset.damageReady === '1'")
    phone.wedge("4006381333931")
    phone.wait_text("#damage-item", "Oat Milk 1L")
    phone.click("button[aria-label='One more']")
    phone.click("input[name=reason][value=expired]")
    phone.attach("#flag-photo", str(photo))
    phone.wait_text("#flag-photo-status", "Photo attached.")
    phone.click("#flag-submit")
    phone.wait_text("#flag-status", "Flagged 2 × Oat Milk 1L as expired")
    phone.outbox_empty()
    phone.wait_until("import('/static/js/photo-queue.js').then(async (q) => (await q.waiting("
                     "(await (await import('/static/js/session.js')).currentSession()).user_id)) === 0)")
    found = on_server(seed, records)
    assert len(found) == before + 1
    assert found[-1] == (2, "expired", "applied", 1)


@pytest.fixture
def strict_tolerance(seed):
    """Counts need a manager's word: no variance is inside the store's tolerance."""
    from webapp.catalog.models import Store

    def set_to(units, cents):
        def update(session):
            store = session.get(Store, seed["store_id"])
            old = (store.tolerance_units, store.tolerance_cents)
            store.tolerance_units, store.tolerance_cents = units, cents
            session.commit()
            return old
        return on_server(seed, update)

    old = set_to(0, 0)
    yield
    set_to(*old)


def test_a_manager_approves_a_count_outside_tolerance(phone, seed, strict_tolerance):
    from webapp.counting.models import CountLine

    expected = _level(seed, "Rye Crackers", "floor_id")
    counted = expected + 3
    phone.log_in("sam", PASSWORD, "/count")
    session_id = _start_count(phone, "Sales floor")
    phone.wedge(RYE)
    _wait_tally(phone, "Rye Crackers", "1")
    phone.click(".tally-row .tally-edit", text="Rye Crackers")
    _keypad(phone, str(counted))
    _wait_tally(phone, "Rye Crackers", str(counted))
    _submit_count(phone)
    phone.outbox_empty()
    rye = seed["items"]["Rye Crackers"]

    def line(session):
        found = session.scalars(select(CountLine).where(CountLine.session_id == session_id,
                                                        CountLine.item_id == rye)).one()
        return found.id, found.status
    line_id, status = on_server(seed, line)
    assert status == "pending"
    assert _level(seed, "Rye Crackers", "floor_id") == expected        # not until a manager says so

    phone.drop_cookies()                        # the manager takes the phone (logging out: test_outbox.py)
    phone.log_in("mia", PASSWORD, "/approvals/")
    phone.click(f"a.item-row[href$='/approvals/{line_id}']")
    phone.wait_url(f"/approvals/{line_id}")
    phone.fill("#note", "shelf checked")
    phone.click("button[value=approve]")
    phone.wait_until("location.pathname === '/approvals/'")           # back on the queue
    assert on_server(seed, line)[1] == "approved"
    assert _level(seed, "Rye Crackers", "floor_id") == counted
