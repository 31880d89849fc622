"""The phone's count, end to end, where the catalog falls short.

An unknown code is kept in the tally, synced, linked by a manager, and then counted; a full
count's submitter says, item by item, whether the items nobody scanned are really zero.
"""

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import guard_context, log_in, on_server, outbox_empty
from tests.browser.test_counting import _line, _start_count, _wedge
from webapp.auth.models import User

UNKNOWN = "7612345678900"  # a valid EAN-13 no seeded item has


def test_a_counter_scans_an_unknown_code_a_manager_links_it_and_the_count_includes_it(
        page, browser, base_url, seed):
    from webapp.counting.models import CountLine
    from webapp.unknown.models import UnknownScan

    log_in(page, next_path="/count")
    session_id = _start_count(page)
    expect(_line(page, "Oat Milk 1L")).to_have_text("1", timeout=15_000)     # the camera is live
    _wedge(page, UNKNOWN)
    kept = page.locator(".tally-unknown", has_text=f"Unknown code {UNKNOWN} (waiting for a manager)")
    expect(kept).to_be_visible()
    expect(kept.locator(".tally-qty")).to_have_text("1")
    expect(page.locator(".scan-flash")).to_contain_text("kept for a manager")
    outbox_empty(page)
    pending = on_server(seed, lambda s: [(r.session_id, r.status, r.location_id) for r in s.scalars(
        select(UnknownScan).where(UnknownScan.raw_code == UNKNOWN))])
    assert pending == [(session_id, "pending", seed["back_id"])]

    context = browser.new_context(base_url=base_url, viewport={"width": 1024, "height": 800})
    blocked = guard_context(context, base_url)
    try:
        manager = log_in(context.new_page(), username="mia", next_path="/unknown-codes")
        expect(manager.locator("#unknown-codes-badge")).to_have_text("Unknown codes (1)")
        code = manager.locator(".unknown-code", has_text=UNKNOWN)
        expect(code).to_contain_text("1 scan")
        code.get_by_role("link", name=f"Handle {UNKNOWN}").click()
        manager.get_by_label("Find the item").fill("green tea")
        manager.get_by_role("button", name="Search").click()
        manager.get_by_role("button", name=f"Link {UNKNOWN} to Green Tea 20ct").click()
        expect(manager.locator(".flash")).to_contain_text("1 scan added to their counts")
        expect(manager.locator("#unknown-none")).to_be_visible()
    finally:
        context.close()
    assert not blocked

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Count submitted")).to_be_visible()
    expect(page.locator(".count-submitted-text")).to_contain_text("1 unknown code waits for a manager")
    outbox_empty(page)
    counted = on_server(seed, lambda s: {line.item_id: line.counted for line in s.scalars(
        select(CountLine).where(CountLine.session_id == session_id))})
    assert counted.get(seed["items"]["Green Tea 20ct"]) == 1


def _a_full_count_at_a_new_bay(seed) -> str:
    from datetime import timedelta

    from webapp.catalog.models import Location
    from webapp.counting import service
    from webapp.extensions import db
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    with seed["app"].app_context():
        try:
            bay = Location(store_id=seed["store_id"], name="Bay 9", kind="bay")
            db.session.add(bay)
            db.session.flush()
            led = Ledger(source="web")
            for name, quantity in (("Rye Crackers", 5), ("Sea Salt Chips", 3), ("Green Tea 20ct", 2)):
                led.append(NewEvent(key=f"bay9:{name}", kind="receive", store_id=seed["store_id"],
                                    item_id=seed["items"][name], location_id=bay.id, quantity=quantity,
                                    occurred_at=utcnow() - timedelta(hours=1), source="web"))
            led.settle()
            db.session.commit()
            manager = db.session.scalar(select(User.id).where(User.username == "mia"))
            return service.open_session(service.NewSession(store_id=seed["store_id"], location_id=bay.id,
                                                           created_by_id=manager, full=True)).id
        finally:
            db.session.remove()


def test_a_full_counts_submitter_says_which_unscanned_items_are_really_zero(page, seed):
    from webapp.counting.models import CountLine

    session_id = _a_full_count_at_a_new_bay(seed)
    log_in(page, next_path="/count")
    page.get_by_role("button", name="Bay 9").click()
    expect(page.get_by_role("heading", name="Counting Bay 9")).to_be_visible()
    expect(_line(page, "Oat Milk 1L")).to_have_text("1", timeout=15_000)
    _wedge(page, "036000291452")
    expect(_line(page, "Rye Crackers")).to_have_text("1")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Items nobody scanned")).to_be_visible()
    expect(page.locator(".unscanned-row")).to_have_count(2)
    expect(page.locator("#unscanned-items")).not_to_contain_text("expected")    # blind: names only
    expect(page.get_by_label("Green Tea 20ct")).to_have_value("not_counted")    # the default
    page.get_by_label("Sea Salt Chips").select_option("zero")
    page.get_by_role("button", name="Submit count").click()
    expect(page.get_by_role("heading", name="Count submitted")).to_be_visible()
    outbox_empty(page)
    items = seed["items"]
    lines = on_server(seed, lambda s: {line.item_id: (line.counted, line.status) for line in s.scalars(
        select(CountLine).where(CountLine.session_id == session_id))})
    assert lines[items["Rye Crackers"]][0] == 1
    assert lines[items["Sea Salt Chips"]][0] == 0
    assert lines[items["Green Tea 20ct"]] == (None, "not_counted")
