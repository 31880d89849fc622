"""Sound and vibration are armed at the first tap of a session, and the screen says when the
browser blocks them (issue #14 bug 9: no vibration, likely no sound, and no sign of it, when a
count was reopened without a tap)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_receiving import NO_CAMERA

# A browser that keeps audio suspended whatever the page does, on a phone that cannot vibrate
# (as Safari on an iPhone: no navigator.vibrate).
BLOCKED = """
Object.defineProperty(AudioContext.prototype, 'state', { get() { return 'suspended'; } });
AudioContext.prototype.resume = function () { return Promise.resolve(); };
delete Navigator.prototype.vibrate;
"""


def _open_count(page):
    log_in(page, next_path="/count")
    page.get_by_label("Location").select_option(label="Back room")
    page.get_by_role("button", name="Start counting").click()
    expect(page.locator(".scanner-message")).to_contain_text("hardware scanner", timeout=15_000)


def test_a_count_reopened_without_a_tap_asks_for_one_and_then_arms_sound_and_vibration(page, context):
    page.add_init_script(NO_CAMERA)
    _open_count(page)
    url = page.url
    page.close()
    page = context.new_page()                                # reopened: no tap on this page yet
    page.add_init_script(NO_CAMERA)
    page.goto(url)
    notice = page.locator(".scanner-feedback")
    expect(notice).to_contain_text("Tap here (or anywhere) once to turn on the beep and vibration")
    before = notice.bounding_box()
    notice.click()
    expect(notice).to_have_text("Beep and vibration on.")
    assert notice.get_attribute("data-sound") == "on"
    assert notice.get_attribute("data-vibration") == "on"
    assert notice.bounding_box() == before                   # the line keeps its place and size


def test_a_browser_that_blocks_sound_on_a_phone_that_cannot_vibrate_says_so(page):
    page.add_init_script(NO_CAMERA)
    page.add_init_script(BLOCKED)
    log_in(page, next_path="/damage/new")
    notice = page.locator(".scanner-feedback")
    expect(notice).to_contain_text("Tap here")
    page.locator("h1").click()                               # any tap arms them
    expect(notice).to_have_text(
        "This browser blocks sound: watch the screen for each scan's confirmation.")
    assert notice.get_attribute("data-vibration") == "none"
