"""A wedge scanner's burst on every scanning page: 5 codes, 8 ms a key, 50 ms apart, all counted.

Issue #14 bug 8: on the keyboard count page two codes within about 0.1 s lost their first digits
(the page reloaded on every scan, and the next code was typed into the page being left).
The keys are real key presses (Playwright's keyboard), not events made up in the page.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import log_in, on_server, outbox_empty
from tests.browser.test_receiving import NO_CAMERA

# Rye Crackers x2, Green Tea, Sea Salt Chips, Oat Milk: valid GTINs, as a real scanner reads.
CODES = ["036000291452", "96385074", "5901234123457", "036000291452", "4006381333931"]

# Every code a scanner.js page took, in order (the event does not bubble: caught on the way down).
RECORD = """() => {
  window.__shown = [];
  document.addEventListener('scan-shown', (e) => window.__shown.push(e.detail.code), true);
}"""


def burst(page, codes=CODES, into=None) -> None:
    if into is None:
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
    else:
        page.locator(into).focus()
    for code in codes:
        page.keyboard.type(code, delay=8)
        page.keyboard.press("Enter")
        page.wait_for_timeout(50)


def _shown(page):
    return page.evaluate("() => window.__shown")


def test_the_keyboard_count_page_takes_a_burst_of_five_without_reloading(page, live_server):
    from webapp.auth.models import User
    from webapp.counting import service
    from webapp.extensions import db

    with live_server["app"].app_context():
        sam = db.session.query(User).filter_by(username="sam").one()
        session = service.open_session(service.NewSession(
            store_id=live_server["store_id"], location_id=live_server["back_id"], created_by_id=sam.id))
        session_id = session.id
    log_in(page, next_path=f"/counting/{session_id}")
    page.wait_for_selector("body[data-keyboard-count-ready='1']")
    page.evaluate("() => { window.__samePage = true; }")
    burst(page, into="#code")
    page.wait_for_selector("body[data-pending='0']")
    expect(page.locator("#tally tbody tr")).to_have_count(4)
    expect(page.locator("#tally tr", has_text="Rye Crackers").locator("td.num").first).to_have_text("2")
    assert page.evaluate("() => window.__samePage") is True          # never reloaded
    with live_server["app"].app_context():
        totals = {t.item_id: t.counted for t in service.tally(session_id).values()}
    items = live_server["items"]
    assert totals == {items["Rye Crackers"]: 2, items["Green Tea 20ct"]: 1, items["Sea Salt Chips"]: 1,
                      items["Oat Milk 1L"]: 1}
    # No junk unknown code from a code cut short.
    from webapp.unknown.service import pending_in_session
    with live_server["app"].app_context():
        assert pending_in_session(session_id) == []


def test_the_phone_count_screen_takes_a_burst_of_five(page, seed):
    page.add_init_script(NO_CAMERA)
    log_in(page, next_path="/count")
    page.get_by_label("Location").select_option(label="Back room")
    page.get_by_role("button", name="Start counting").click()
    expect(page.locator(".scanner-message")).to_contain_text("hardware scanner", timeout=15_000)
    page.evaluate(RECORD)
    burst(page)
    expect(page.locator(".count-summary")).to_contain_text("4 items · 5 units")
    expect(page.locator(".tally-row", has_text="Rye Crackers").locator(".tally-qty")).to_have_text("2")
    assert _shown(page) == CODES
    outbox_empty(page)
    session_id = page.evaluate("() => new URLSearchParams(location.search).get('session')")
    from webapp.counting import service

    total = on_server(seed, lambda s: sum(t.counted for t in service.tally(session_id).values()))
    assert total == 5


def test_receiving_takes_a_burst_of_five(page, live_server):
    page.add_init_script(NO_CAMERA)
    log_in(page, "mia", next_path="/receiving/session")
    page.wait_for_selector("body[data-receiving-ready='1']")
    page.evaluate(RECORD)
    burst(page)
    expect(page.locator("#receive-status")).to_contain_text("5 scans")
    assert _shown(page) == CODES


def test_damage_takes_a_burst_of_five(page, live_server):
    page.add_init_script(NO_CAMERA)
    log_in(page, next_path="/damage/new")
    expect(page.locator(".scanner-message")).to_contain_text("hardware scanner", timeout=15_000)
    page.evaluate(RECORD)
    burst(page)
    page.wait_for_function("() => window.__shown.length === 5")
    assert _shown(page) == CODES
    expect(page.locator(".last-scan")).to_have_text("Oat Milk 1L")    # the last one is the one chosen


def test_transfers_take_a_burst_of_five(page, live_server):
    page.add_init_script(NO_CAMERA)
    log_in(page, "mia", next_path="/transfers/new")
    expect(page.locator(".scanner-message")).to_contain_text("hardware scanner", timeout=15_000)
    page.locator("#transfer-from").select_option(label="Back room")
    page.locator("#transfer-to").select_option(label="Sales floor")
    page.evaluate(RECORD)
    burst(page)
    expect(page.locator("#transfer-log li")).to_have_count(5)
    assert _shown(page) == CODES
