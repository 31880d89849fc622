"""The phone with no signal: pages from the service worker, scanning, an outbox that survives."""

from playwright.sync_api import expect

from tests.browser.conftest import log_in, outbox_empty, wait_until


def _ready_for_offline(page, path="/lookup"):
    log_in(page, next_path=path)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # The worker keeps the user's screens once the page has asked it to.
    wait_until(page, """async () => {
        const cache = await caches.open('shelfcount-pages-1');
        return (await cache.keys()).some((r) => new URL(r.url).pathname === '/lookup');
    }""")


def test_an_offline_reload_is_served_by_the_service_worker_and_the_camera_still_decodes(page, context,
                                                                                       fake_camera):
    _ready_for_offline(page)
    context.set_offline(True)
    try:
        response = page.reload()
        assert response is not None and response.from_service_worker
        expect(page.get_by_role("heading", name="Look up an item")).to_be_visible()
        expect(page.locator(".result-facts")).to_contain_text(fake_camera["code"], timeout=15_000)
        # The decoder's worker and its .wasm came from the service worker's cache.
        expect(page.locator(".scanner")).to_have_attribute("data-decoder", "zxing-worker")
        other = context.new_page()                # a new tab, as after the app was closed
        other.goto("/")
        expect(other.get_by_role("heading", name="Hello, sam")).to_be_visible()
    finally:
        context.set_offline(False)


def test_a_page_never_seen_online_shows_the_offline_page(page, context):
    _ready_for_offline(page)
    context.set_offline(True)
    try:
        page.goto("/somewhere-never-opened")
        expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    finally:
        context.set_offline(False)


def test_scans_made_offline_wait_in_the_outbox_across_closing_the_app(page, context):
    _ready_for_offline(page)
    context.set_offline(True)
    try:
        page.reload()
        # The camera's own scan lands first; the typed codes after it.
        expect(page.locator(".lookup-result .result-name")).to_have_text("Oat Milk 1L", timeout=15_000)
        for code in ("12345670", "99999997"):               # codes the catalog does not know
            page.get_by_label("Type a barcode").fill(code)
            page.get_by_label("Type a barcode").press("Enter")
            expect(page.locator(".result-facts")).to_contain_text(code)
        expect(page.locator("#outbox-badge")).to_contain_text("to sync")
        waiting = page.locator("#outbox-badge").text_content()
        page.close()
        again = context.new_page()
        again.goto("/lookup")
        again.locator("#outbox-badge").click()                 # the badge leads to the outbox
        again.wait_for_url("**/outbox")
        expect(again.locator("#outbox-badge")).to_have_text(waiting)
        for code in ("12345670", "99999997"):
            expect(again.locator(".outbox-row", has_text=f"Unknown code {code}")).to_have_count(1)
    finally:
        # Back online the service worker would send these made-up codes (Background Sync) to the
        # server that every browser test shares, where other tests count unknown codes.
        context.route("**/api/v1/sync", lambda route: route.abort())
        context.set_offline(False)


def test_a_refused_camera_says_what_to_do_and_typing_a_code_still_works(refused_camera):
    page = refused_camera("/lookup")  # no permission and no fake UI: the browser refuses the camera
    expect(page.locator(".scanner-message")).to_contain_text("Camera access is blocked")
    expect(page.get_by_role("button", name="Try the camera again")).to_be_visible()
    page.get_by_label("Type a barcode").fill("036000291452")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".result-facts")).to_contain_text("036000291452")


def _kept(page, path):
    return f"""async () => {{
        const cache = await caches.open('shelfcount-pages-1');
        return (await cache.keys()).some((r) => new URL(r.url).pathname === '{path}');
    }}"""


def _ready_offline(page, path):
    """After only the home page was opened: the worker controls it, has kept ``path``, and the
    home page fetched the catalog too, so a scan there resolves with no signal."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_until(page, _kept(page, path))
    wait_until(page, """() => import('/static/js/db.js').then(async (db) => {
        const s = await db.getMeta('session');
        return Boolean(s && ((await db.getMeta(`catalog:${s.store_id}`)) || {}).updated_at);
    })""")


def test_damage_is_flagged_offline_after_the_app_was_only_opened_on_its_home_page(page, context, live_server):
    from tests.browser.test_damage import records

    before = records(live_server)
    log_in(page, "sam", next_path="/")
    _ready_offline(page, "/damage/new")
    context.set_offline(True)
    try:
        response = page.goto("/damage/new")
        assert response is not None and response.from_service_worker
        page.wait_for_selector("body[data-damage-ready='1']")
        expect(page.locator("#damage-item")).to_have_text("Oat Milk 1L", timeout=15_000)
        page.get_by_role("button", name="One more").click()
        page.get_by_label("expired").check()
        page.get_by_role("button", name="Flag it").click()
        expect(page.locator("#flag-status")).to_contain_text("Flagged 2 × Oat Milk 1L as expired")
        expect(page.locator("#outbox-badge")).to_contain_text("1 to sync")
        assert records(live_server) == before                 # nothing reached the server yet
    finally:
        context.set_offline(False)
    outbox_empty(page, timeout=20)
    page.reload()                                  # a second flush must not send it again
    outbox_empty(page, timeout=20)
    new = records(live_server)[len(before):]
    assert [(item, qty, reason) for item, qty, reason, _status, _photos in new] == [
        (live_server["items"]["Oat Milk 1L"], 2, "expired")]


def test_a_delivery_without_a_po_is_received_offline_from_the_app_opened_only_on_its_home_page(
        page, context, live_server):
    from tests.browser.test_receiving import NO_CAMERA, levels, wedge

    item_id = live_server["items"]["Green Tea 20ct"]
    before = levels(live_server, [item_id])[item_id]
    page.add_init_script(NO_CAMERA)
    log_in(page, "mia", next_path="/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_until(page, _kept(page, "/receiving/"))
    wait_until(page, _kept(page, "/receiving/session"))
    context.set_offline(True)
    try:
        page.goto("/")
        page.get_by_role("link", name="Receive", exact=True).click()
        page.get_by_role("link", name="Receive without a PO").click()
        page.wait_for_selector("body[data-receiving-ready='1']")
        for _ in range(2):
            wedge(page, "96385074")
        expect(page.locator("#receive-status")).to_contain_text("2 scans")
        page.locator("#close-receipt").click()
        page.locator("#close-receipt").click()
        expect(page.locator("#last-scan")).to_contain_text("Closed on this phone")
        # A PO never opened online is refused, not received as a delivery without a PO.
        page.goto("/receiving/session?po=987654")
        expect(page.locator("#receive-status")).to_contain_text("cannot be received offline")
        assert levels(live_server, [item_id])[item_id] == before
    finally:
        context.set_offline(False)
    outbox_empty(page, timeout=20)
    assert levels(live_server, [item_id])[item_id] == before + 2


def test_stock_is_moved_offline_after_the_app_was_only_opened_on_its_home_page(page, context, live_server):
    from tests.browser.test_transfers import moved

    crackers = live_server["items"]["Rye Crackers"]
    before = moved(live_server, crackers)
    log_in(page, "mia", next_path="/")
    _ready_offline(page, "/transfers/new")
    context.set_offline(True)
    try:
        response = page.goto("/transfers/new")
        assert response is not None and response.from_service_worker
        page.evaluate("window.shelfcountScanner && window.shelfcountScanner.stopCamera()")
        field = page.get_by_label("Type a barcode")
        field.fill("(01)00036000291452(37)12")
        field.press("Enter")
        expect(page.locator("#transfer-last")).to_have_text("Moved 12 × Rye Crackers", timeout=15_000)
        expect(page.locator("#outbox-badge")).to_contain_text("to sync")
        assert moved(live_server, crackers) == before                # nothing reached the server yet
    finally:
        context.set_offline(False)
    outbox_empty(page, timeout=20)
    after = moved(live_server, crackers)[len(before):]
    assert (12, live_server["back_id"], live_server["floor_id"]) in after
