"""Installability, as Chrome decides it (Lighthouse 12 no longer has a PWA category)."""

from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, FLAGS, guard_context, log_in


def test_chrome_finds_nothing_stopping_the_app_from_being_installed(browser_type, base_url, tmp_path):
    # An ordinary Playwright context is off the record, which alone blocks installing.
    context = browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS, base_url=base_url)
    blocked = guard_context(context, base_url)
    try:
        page = context.new_page()
        log_in(page)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
    finally:
        context.close()
    assert not blocked


def test_the_home_screen_offers_android_users_an_install_button(page):
    log_in(page)
    page.evaluate("""() => {
        const e = new Event('beforeinstallprompt');
        e.prompt = () => { window.prompted = true; };
        e.userChoice = Promise.resolve({outcome: 'accepted'});
        window.dispatchEvent(e);
    }""")
    button = page.get_by_role("button", name="Install Shelfcount")
    expect(button).to_be_visible()
    button.click()
    assert page.evaluate("window.prompted") is True
    expect(page.locator("#install-hint")).to_be_hidden()


def test_iphone_safari_users_are_told_how_to_add_the_app_to_the_home_screen(browser, base_url):
    iphone = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1")
    context = browser.new_context(base_url=base_url, user_agent=iphone,
                                  viewport={"width": 390, "height": 844})
    blocked = guard_context(context, base_url)
    try:
        page = log_in(context.new_page())
        expect(page.locator("#install-hint")).to_contain_text("Add to Home Screen")
    finally:
        context.close()
    assert not blocked
