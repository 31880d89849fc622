"""The outbox belongs to the phone and its records to their makers: logging out never drops them."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in, wait_until

ALL = "async () => (await import('/static/js/outbox.js')).all()"


def _log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_logging_out_with_unsent_scans_warns_keeps_them_and_sends_them_when_their_owner_returns(page, context,
                                                                                               seed):
    from webapp.counting.models import CountSession
    from webapp.extensions import db

    log_in(page, "sam", next_path="/count")
    # The server is unreachable, for the page and its service worker (Background Sync) alike.
    context.route("**/api/v1/sync", lambda route: route.abort())
    page.get_by_role("button", name="Start counting").click()
    page.get_by_label("Type a barcode").fill("036000291452")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".tally-row", has_text="Rye Crackers")).to_be_visible()
    wait_until(page, f"async () => (await ({ALL})()).length >= 2")

    with page.expect_event("dialog") as warning:
        _log_out(page)
    assert "not reached the server" in warning.value.message
    assert "stay on this phone" in warning.value.message
    warning.value.dismiss()
    page.wait_for_timeout(300)
    expect(page.get_by_role("heading", name="Counting Back room")).to_be_visible()   # stayed

    with page.expect_event("dialog") as warning:
        _log_out(page)
    warning.value.accept()
    page.wait_for_url("**/login*")
    page.wait_for_load_state()
    kept = page.evaluate(f"async () => (await ({ALL})()).map((r) => r.username)")
    assert kept and set(kept) == {"sam"}
    assert page.evaluate("async () => (await caches.keys()).includes('shelfcount-pages-1')") is False
    context.unroute("**/api/v1/sync")

    page.close()
    page = log_in(context.new_page(), "ria", next_path="/outbox")      # someone else on the phone
    expect(page.locator("#outbox-others")).to_contain_text(f"{len(kept)} more from other people")
    expect(page.locator("#outbox-badge")).to_be_hidden()
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_timeout(500)
    assert len(page.evaluate(ALL)) == len(kept)                        # not sent under ria's name
    _log_out(page)
    page.wait_for_url("**/login*")
    page.close()

    page = log_in(context.new_page(), "sam", next_path="/outbox")
    wait_until(page, f"async () => (await ({ALL})()).length === 0", timeout=20)
    with seed["app"].app_context():
        try:
            sessions = db.session.query(CountSession).filter_by(created_by_id=_user_id(db, "sam")).all()
            assert any(s.location_id == seed["back_id"] for s in sessions)
        finally:
            db.session.remove()


def _user_id(db, username):
    from webapp.auth.models import User

    return db.session.query(User.id).filter_by(username=username).scalar()


def test_a_flush_with_a_kept_session_after_someone_else_logged_in_sends_nothing_under_their_name(
        page, context, seed):
    """The outbox reuses its last /pwa/session answer for a minute. When another user logs in on
    the phone meanwhile (no page load in between), the kept CSRF token is refused and the flush
    asks again: the first user's scans stay on the phone, none reach the server as the other's."""
    from webapp.counting.models import CountScan

    log_in(page, "sam", next_path="/count")
    context.route("**/api/v1/sync", lambda route: route.abort())       # sam's scan stays unsent
    page.get_by_role("button", name="Start counting").click()
    page.get_by_label("Type a barcode").fill("036000291452")
    page.get_by_role("button", name="Add").click()
    wait_until(page, f"async () => (await ({ALL})()).length >= 2")
    kept = {r["id"] for r in page.evaluate(ALL)}
    session_id = page.evaluate("() => new URLSearchParams(location.search).get('session')")
    # The session the outbox keeps is sam's and fresh.
    assert page.evaluate("""async () => (await (await import('/static/js/session.js'))
                             .sessionForSync()).username""") == "sam"

    # ria logs in on the same browser, by requests that share its cookies; the page stays open.
    form = context.request.get("/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = context.request.post("/login", form={"csrf_token": token, "username": "ria",
                                                  "password": PASSWORD}, max_redirects=0)
    assert answer.status in (302, 303)
    context.unroute("**/api/v1/sync")
    outcome = page.evaluate("async () => (await import('/static/js/outbox.js')).flush({ retry: false })")
    assert outcome["sent"] == 0 and not outcome["error"], outcome
    waiting = page.evaluate(ALL)                    # the camera may have added a scan meanwhile
    assert kept <= {r["id"] for r in waiting} and {r["username"] for r in waiting} == {"sam"}
    assert page.evaluate("""async () => (await (await import('/static/js/session.js'))
                             .sessionForSync()).username""") == "ria"
    with seed["app"].app_context():
        from webapp.extensions import db
        try:
            reached = db.session.query(CountScan).filter_by(session_id=session_id).count()
        finally:
            db.session.remove()
    assert reached == 0


def test_the_outbox_page_names_each_waiting_event_for_a_person(page, context, seed):
    """Bug: the outbox page showed the sync contract's names (`count_scan`)."""
    log_in(page, "sam", next_path="/count")
    context.route("**/api/v1/sync", lambda route: route.abort())
    try:
        page.get_by_role("button", name="Start counting").click()
        page.get_by_label("Type a barcode").fill("036000291452")
        page.get_by_role("button", name="Add").click()
        wait_until(page, f"async () => (await ({ALL})()).length >= 2")
        page.goto("/outbox")
        meta = page.locator(".outbox-meta")
        expect(meta.nth(1)).to_be_visible()      # two or more: the camera may have scanned too
        texts = " ".join(meta.all_inner_texts())
        assert "Count started" in texts and "Count scan" in texts
        assert not re.search(r"count_(start|scan)", page.locator("#outbox-list").inner_text())
    finally:
        context.unroute("**/api/v1/sync")
