"""The service worker's own work, with no page to help: Web Push alerts and Background Sync.

Chromium's DevTools protocol stands in for the push service and for the browser deciding the
phone has signal again (ServiceWorker.deliverPushMessage, ServiceWorker.dispatchSyncEvent): what
reaches the worker is what a real push or sync would hand it.
"""

import json

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import log_in, on_server, wait_until

OUTBOX = "async () => (await import('/static/js/outbox.js')).all()"


def _registration(context, page, base_url):
    """A DevTools session on `page` and the app's service-worker registration id."""
    cdp = context.new_cdp_session(page)
    found = {}

    def seen(event):
        for reg in event["registrations"]:
            if reg["scopeURL"] == base_url + "/" and not reg.get("isDeleted"):
                found["id"] = reg["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    cdp.send("ServiceWorker.enable")
    deadline = 50
    while "id" not in found and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert "id" in found, "the app's service worker registration was not reported"
    return cdp, found["id"]


def _server_push(seed, monkeypatch, lines) -> str:
    """The payload webapp/alerts/delivery.py sends for these (name, level, point, unit) lines."""
    import pywebpush

    from webapp.alerts import delivery

    sent = []
    monkeypatch.setattr(pywebpush, "webpush", lambda subscription, data, **kw: sent.append(data))
    with seed["app"].app_context():
        subject, body = delivery.compose("Corner Market", lines)
        delivery.send_push(delivery.Subscriber(1, "https://push.example/x", "p256dh", "auth"), subject, body)
    [payload] = sent
    return payload


def _notifications(page):
    return page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map((n) => (
            {title: n.title, body: n.body, tag: n.tag, icon: n.icon, badge: n.badge,
             url: n.data && n.data.url}));
    }""")


def test_a_low_stock_push_shows_one_notification_that_the_next_alert_replaces(page, context, base_url, seed,
                                                                               monkeypatch):
    context.grant_permissions(["notifications"], origin=base_url)
    log_in(page, "mia")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cdp, registration = _registration(context, page, base_url)

    # Exactly what the server hands the push service: one payload shape for both ends.
    first = _server_push(seed, monkeypatch, [("Oat Milk 1L", "2", "4", "units")])
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": base_url, "registrationId": registration, "data": first})
    first = json.loads(first)
    shown = wait_until(page, """async () => {
        const n = await (await navigator.serviceWorker.ready).getNotifications();
        return n.length ? n.length : 0;
    }""")
    assert shown == 1
    [note] = _notifications(page)
    assert note["title"] == first["title"] and note["body"] == first["body"]
    assert note["url"] == base_url + "/reports/"
    assert note["icon"] == base_url + "/static/icons/icon-192.png"
    assert note["badge"] == base_url + "/static/icons/badge-96.png"  # monochrome, for Android's status bar

    second = _server_push(seed, monkeypatch, [("Rye Crackers", "0", "3", "units"),
                                              ("Sea Salt Chips", "1", "2", "units")])
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": base_url, "registrationId": registration, "data": second})
    wait_until(page, """async () => {
        const n = await (await navigator.serviceWorker.ready).getNotifications();
        return n.length === 1 && n[0].body.includes('Rye Crackers');
    }""")
    assert _notifications(page)[0]["title"] == json.loads(second)["title"]
    assert [n["tag"] for n in _notifications(page)] == [note["tag"]]       # replaced, not piled up


def test_a_push_pointing_off_the_app_opens_the_app_instead(page, context, base_url):
    context.grant_permissions(["notifications"], origin=base_url)
    log_in(page, "mia")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cdp, registration = _registration(context, page, base_url)
    payload = {"title": "<b>Free gift</b>", "body": "click me", "url": "https://evil.example/phish"}
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": base_url, "registrationId": registration, "data": json.dumps(payload)})
    wait_until(page, """async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).length === 1""")
    [note] = _notifications(page)
    assert note["url"] == base_url + "/"
    assert note["title"] == "<b>Free gift</b>"        # shown as text by the OS, never as markup


def test_background_sync_with_the_app_closed_sends_the_outbox_once(page, context, base_url, seed):
    from webapp.counting.models import CountScan

    log_in(page, next_path="/count")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_until(page, "async () => Boolean(await (await caches.open('shelfcount-pages-1')).match('/count'))")
    context.set_offline(True)
    try:
        page.reload()
        page.get_by_role("button", name="Start counting").click()
        expect(page.locator(".tally-row", has_text="Oat Milk 1L")).to_be_visible(timeout=15_000)
        for code in ("036000291452", "5901234123457"):
            page.get_by_label("Type a barcode").fill(code)
            page.get_by_role("button", name="Add").click()
        expect(page.locator(".tally-row", has_text="Sea Salt Chips")).to_be_visible()
        waiting = wait_until(page, f"""async () => {{
            const rows = await ({OUTBOX})();
            return rows.length >= 4 && rows.map((r) => [r.id, r.event.type, r.event.session_id]);
        }}""")
        session_id = waiting[0][2]
        ids = [row[0] for row in waiting]
        page.close()                                    # the app is closed
        assert _receipts(seed, ids) == 0
    finally:
        context.set_offline(False)                      # ...and the phone has signal again

    # Nothing of the app is open; a blank tab only carries the DevTools session. Chromium may
    # fire the sync itself on coming back online; the test fires one too, and the two must not
    # send anything twice.
    blank = context.new_page()
    assert not [p for p in context.pages if p.url.startswith(base_url)]
    cdp, registration = _registration(context, blank, base_url)
    cdp.send("ServiceWorker.dispatchSyncEvent", {
        "origin": base_url, "registrationId": registration, "tag": "outbox", "lastChance": False})
    for _ in range(100):
        if _receipts(seed, ids) == len(ids):
            break
        blank.wait_for_timeout(100)
    assert _receipts(seed, ids) == len(ids)
    assert not [p for p in context.pages if p.url.startswith(base_url)]
    # Another sync finds nothing left to send.
    cdp.send("ServiceWorker.dispatchSyncEvent", {
        "origin": base_url, "registrationId": registration, "tag": "outbox", "lastChance": False})
    blank.wait_for_timeout(500)
    assert _receipts(seed, ids) == len(ids)
    scans = on_server(seed, lambda s: s.scalar(select(func.count()).select_from(CountScan)
                                              .where(CountScan.session_id == session_id)))
    assert scans == sum(1 for row in waiting if row[1] == "count_scan")

    again = context.new_page()
    again.route("**/api/v1/sync", lambda route: route.abort())     # so this page sends nothing
    again.goto("/outbox")
    assert again.evaluate(OUTBOX) == []                 # the worker emptied the phone's outbox


def _receipts(seed, ids):
    from webapp.sync.models import SyncReceipt

    return on_server(seed, lambda s: s.scalar(select(func.count()).select_from(SyncReceipt)
                                             .where(SyncReceipt.event_id.in_(ids))))


def test_the_page_a_form_redirects_to_is_waited_for_not_replaced_by_a_kept_copy(page, context, live_server):
    """With a kept copy of a screen, the worker shows the copy when the network takes over 4 s
    (a back room with one bar). The page a form's POST leads to is its answer, so it is
    waited for: the manager sees "Item saved.", not the form as it was before saving."""
    import time

    crackers = live_server["items"]["Rye Crackers"]
    log_in(page, "mia", next_path=f"/items/{crackers}")
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout=20)
    page.reload()  # through the worker now, so this screen is kept
    page.get_by_role("button", name="Save").wait_for()

    def slow_answer(route):
        if route.request.method == "GET":
            time.sleep(5)  # longer than the worker waits before showing a kept copy
        route.continue_()

    context.route(f"**/items/{crackers}", slow_answer)
    try:
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_have_text("Item saved.", timeout=15_000)
    finally:
        context.unroute(f"**/items/{crackers}")
