"""What Safari lacks, handled, in both engines (the `phone` fixture: Chromium and WebKit).

- No Background Sync: the outbox is sent when the app opens or comes back online.
- No BarcodeDetector: the ZXing decoder (test_phone_camera.py).
- Storage a browser may clear after days without use: the app asks to keep it, and the home
  screen warns when scans have waited on the phone for over a day.
- Web Push only where the browser has it (on iOS 16.4+, a Home Screen app): no offer otherwise.
- No vibration on iOS: a scan still beeps and shows; the buzz is skipped.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, on_server
from tests.browser.test_phone_journeys import _start_count, _submit_count, _wait_tally

RYE = "036000291452"
OUTBOX = "import('/static/js/outbox.js')"


def test_scans_made_offline_are_sent_when_the_app_is_next_opened(phone, seed):
    from webapp.counting.models import CountSession

    phone.log_in("sam", PASSWORD, "/count")
    phone.controlled()
    phone.wait_until("caches.open('shelfcount-pages-1').then((c) => c.match('/count')).then(Boolean)")
    if phone.engine == "webkit":
        assert phone.evaluate("'SyncManager' in window") is False      # as in Safari
    phone.set_offline(True)
    try:
        phone.reload()
        session_id = _start_count(phone)
        phone.wedge(RYE)
        _wait_tally(phone, "Rye Crackers", "1")
        _submit_count(phone)
        phone.wait_until(f"{OUTBOX}.then(async (o) => (await o.all()).length === 3)")
        phone.goto("/static/__test__/blank.html")                       # the app is closed
    finally:
        phone.set_offline(False)
    assert on_server(seed, lambda s: s.get(CountSession, session_id)) is None
    phone.goto("/")                                                     # ...and opened again
    phone.wait_text("h1", "Hello, sam")
    phone.outbox_empty()
    assert on_server(seed, lambda s: s.get(CountSession, session_id).status) == "submitted"


def test_the_app_asks_to_keep_its_storage_and_the_home_screen_warns_of_day_old_scans(phone):
    phone.log_in("sam", PASSWORD, "/")
    phone.wait_text("h1", "Hello, sam")
    # Chromium and iOS Safari (15.2+) have navigator.storage.persist; WebKitGTK 2.50 does not,
    # and there the app must simply go on (the warning below still works).
    if phone.evaluate("Boolean(navigator.storage && navigator.storage.persist)"):
        phone.wait_until("window.__calls.persist >= 1")
    assert phone.texts("#outbox-stale") == [""]                         # nothing waits: no warning
    phone.controlled()
    phone.set_offline(True)                   # so the scans below stay on the phone
    try:
        phone.evaluate("""(async () => {
          const { transact, done } = await import('/static/js/db.js');
          const session = await (await import('/static/js/session.js')).currentSession();
          const day = 24 * 60 * 60 * 1000;
          const rows = [['old-1', 25], ['old-2', 30], ['new-1', 1]].map(([id, hours]) => ({
            id, user_id: session.user_id, username: session.username, status: 'pending',
            created_ms: Date.now() - hours * day / 24, seq: 0, attempts: 0, error: null, label: id,
            event: { id, type: 'lookup_scan', code: '12345670', store_id: session.store_id,
                     occurred_at: new Date(Date.now() - hours * day / 24).toISOString() } }));
          await transact('outbox', 'readwrite', (store) => Promise.all(rows.map((r) => done(store.put(r)))));
          return true;
        })()""")
        phone.reload()
        phone.wait_text("#outbox-stale", "2 scans have waited on this phone for over a day")
        assert phone.texts("#outbox-badge") == ["3 to sync"]
    finally:
        phone.evaluate(f"{OUTBOX}.then(async (o) => {{ for (const r of await o.all()) await o.discard(r.id);"
                       " return true; })")
        phone.set_offline(False)
    phone.wait_until("document.getElementById('outbox-stale').hidden")


@pytest.fixture
def push_configured(seed):
    app = seed["app"]
    keys = {"VAPID_PUBLIC_KEY": "BTest-public-key", "VAPID_PRIVATE_KEY": "test-only",
            "VAPID_SUBJECT": "mailto:ops@example.com"}
    before = {k: app.config.get(k) for k in keys}
    app.config.update(keys)
    yield
    for key, value in before.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value


def test_notifications_are_offered_only_where_the_browser_can_push(phone, push_configured):
    phone.log_in("mia", PASSWORD, "/alerts/")
    phone.wait_text("h1", "Low-stock alerts")
    can_push = phone.evaluate("'PushManager' in window && 'serviceWorker' in navigator")
    if phone.engine == "webkit":
        assert can_push is False       # like Safari outside a Home Screen app (iOS 16.4+ only there)
    phone.wait_until(f"document.getElementById('push-panel').hidden === {str(not can_push).lower()}")
    assert phone.evaluate("!document.getElementById('push-panel').hidden") is can_push


def test_a_scan_buzzes_only_where_the_phone_can_vibrate(phone):
    phone.log_in("sam", PASSWORD, "/lookup")
    phone.wait_until("document.querySelector('.scanner-message') !== null")
    phone.wedge(RYE)
    phone.wait_text(".lookup-result .result-name", "Rye Crackers")
    can_vibrate = phone.evaluate("'vibrate' in navigator")
    if phone.engine == "webkit":
        assert can_vibrate is False     # as on iOS; the scan above was shown all the same
    assert phone.evaluate("window.__calls.vibrate") == ([60] if can_vibrate else [])
