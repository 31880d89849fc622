"""Unknown barcodes end to end: the phone's unknown_barcode event, the manager's page, linking.

A code no item has is kept (not rejected); a manager links it to an item, and the scans made
during counts not yet decided then count, at their original times and by their counters.
"""

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.integration.ledger.conftest import batch, event
from tests.integration.test_openapi import _answers
from webapp.approvals.models import Decision
from webapp.catalog.models import Barcode, Item
from webapp.counting.models import CountLine, CountScan
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.types import utcnow
from webapp.unknown.models import UnknownScan

UPC = "036000291452"  # a UPC-A; its EAN-13 spelling is 0036000291452
EAN = "0" + UPC


@pytest.fixture
def sync():
    def post(client, events, **kwargs):
        response = client.post_json("/api/v1/sync", batch(events, **kwargs))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["results"]

    return post


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def floor(store):
    return store.selling_location


@pytest.fixture
def open_count(sync, floor):
    """open_count(client) -> the id of a count session the client started by sync."""

    def start(client, *, full: bool = False) -> str:
        sid = str(uuid.uuid4())
        (result,) = sync(client, [event("count_start", utcnow() - timedelta(minutes=30), session_id=sid,
                                        location_id=floor.id, full=full)])
        assert result["status"] == "accepted", result
        return sid

    return start


@pytest.fixture
def received(db, floor):
    """received(item, 10): the ledger says the floor holds 10 (a delivery two hours ago)."""

    def receive(item, quantity: int) -> None:
        led = Ledger(source="web")
        led.append(NewEvent(key=f"test:{uuid.uuid4()}", kind="receive", store_id=item.store_id,
                            item_id=item.id, location_id=floor.id, quantity=quantity,
                            occurred_at=utcnow() - timedelta(hours=2), source="web"))
        led.settle()
        db.session.commit()

    return receive


def unknown(code=UPC, at=None, **fields):
    return event("unknown_barcode", at or utcnow() - timedelta(minutes=5), code=code, **fields)


def rows(db):
    db.session.expire_all()
    return list(db.session.scalars(select(UnknownScan).order_by(UnknownScan.id)))


def link(client, code, item):
    return client.post_form("/unknown-codes/link", {"code": code, "item_id": str(item.id)})


def submit(client, sync, sid, **fields):
    submitted = event("count_submit", utcnow() - timedelta(minutes=1), session_id=sid, **fields)
    (result,) = sync(client, [submitted])
    assert result["status"] == "accepted", result


# ----- the event -------------------------------------------------------------------------


def test_an_unknown_code_is_kept_for_a_manager_not_rejected(staff, sync, db, open_count, floor):
    sid = open_count(staff)
    results = sync(staff, [unknown(session_id=sid, quantity=3, location_id=floor.id),
                           unknown(EAN, context="lookup")])
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    first, second = rows(db)
    assert (first.code, first.raw_code, first.quantity, first.context, first.session_id, first.status) == (
        "0" + EAN, UPC, 3, "count", sid, "pending")
    assert first.user_id == staff.user.id and first.location_id == floor.id
    assert (second.code, second.quantity, second.context, second.session_id) == ("0" + EAN, 1, "lookup", None)


def test_the_same_event_sent_twice_is_stored_once(staff, sync, db):
    once = unknown()
    assert [r["status"] for r in sync(staff, [once, dict(once)])] == ["accepted", "duplicate"]
    assert [r["status"] for r in sync(staff, [dict(once)])] == ["duplicate"]
    assert len(rows(db)) == 1


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"code": ""}, "missing_field", "code"),
        ({"code": "   "}, "bad_code", "code"),
        ({"code": "x" * 65}, "bad_field", "code"),
        ({"code": "caf\u00e9"}, "bad_code", "code"),
        ({"quantity": 0}, "bad_field", "quantity"),
        ({"quantity": -1}, "negative_quantity", "quantity"),
        ({"quantity": "2"}, "bad_field", "quantity"),
        ({"context": "teleport"}, "bad_field", "context"),
        ({"session_id": "no-such-session"}, "unknown_session", "session_id"),
    ],
)
def test_a_malformed_event_is_rejected_with_the_field_at_fault(staff, sync, db, fields, code, field):
    (result,) = sync(staff, [unknown(**fields)])
    assert result["status"] == "rejected"
    assert (result["error"]["code"], result["error"]["field"]) == (code, field)
    assert rows(db) == []


def test_another_stores_session_is_not_found(sync, login_as, other_store_manager, floor, open_count):
    sid = open_count(login_as("staff"))
    rival = login_as(user=other_store_manager)
    (result,) = sync(rival, [unknown(session_id=sid)])
    assert result["error"]["code"] == "unknown_session"


def test_a_code_known_on_arrival_is_counted_at_once(staff, sync, db, open_count, make_item):
    item = make_item("Cola 12oz", barcodes=[(EAN, 1), ("10036000291459", 12)])
    sid = open_count(staff)
    at = utcnow() - timedelta(minutes=7)
    # The phone's catalog was stale: it did not know the case code yet.
    (result,) = sync(staff, [unknown("10036000291459", at=at, session_id=sid, quantity=2)])
    assert result["status"] == "accepted"
    (row,) = rows(db)
    assert (row.status, row.item_id) == ("applied", item.id)
    scan = db.session.scalar(select(CountScan).where(CountScan.session_id == sid))
    # At the scan's own time (on the server's clock), not when it reached the server.
    assert (scan.item_id, scan.quantity, scan.user_id, scan.occurred_at) == (item.id, 24, staff.user.id,
                                                                             row.occurred_at)
    assert abs(row.occurred_at - at) < timedelta(seconds=5)
    assert row.count_scan_id == scan.id


def test_a_code_known_on_arrival_outside_a_count_is_only_resolved(staff, sync, db, make_item):
    item = make_item(barcodes=[(EAN, 1)])
    sync(staff, [unknown(UPC, context="lookup")])
    (row,) = rows(db)
    assert (row.status, row.item_id, row.count_scan_id) == ("resolved", item.id, None)


# ----- the page and who may use it -------------------------------------------------------


def test_the_page_groups_pending_scans_by_code_in_any_spelling(staff, manager, sync, open_count):
    sid = open_count(staff)
    sync(staff, [unknown(UPC, session_id=sid, quantity=2), unknown(EAN, session_id=sid),
                 unknown("COUPON-<b>5</b>", context="lookup")])
    page = manager.get("/unknown-codes").get_data(as_text=True)
    assert page.count('class="card unknown-code"') == 2
    assert "3 scans" not in page and "2 scans" in page and "3 units" in page
    assert staff.user.username in page and "Sales floor" in page
    assert "COUPON-&lt;b&gt;5&lt;/b&gt;" in page and "<b>5</b>" not in page  # scanned text is untrusted
    assert "Unknown codes (2)" in manager.get("/").get_data(as_text=True)


def test_staff_can_neither_see_nor_link_nor_dismiss(staff, sync, make_item, db):
    sync(staff, [unknown()])
    item = make_item()
    assert staff.get("/unknown-codes").status_code == 403
    assert link(staff, UPC, item).status_code == 403
    assert staff.post_form("/unknown-codes/dismiss", {"code": UPC}).status_code == 403
    assert staff.post_form("/unknown-codes/create", {"code": UPC, "name": "X"}).status_code == 403
    assert rows(db)[0].status == "pending"


def test_another_stores_manager_cannot_see_or_link(staff, sync, login_as, other_store_manager, make_item, db):
    sync(staff, [unknown()])
    rival = login_as(user=other_store_manager)
    assert UPC not in rival.get("/unknown-codes").get_data(as_text=True)
    theirs = make_item(store_id=other_store_manager.store_id)
    assert link(rival, UPC, theirs).status_code == 404
    ours = make_item()
    assert link(rival, UPC, ours).status_code == 404
    assert rival.post_form("/unknown-codes/dismiss", {"code": UPC}).status_code == 404
    assert rows(db)[0].status == "pending"


def test_every_action_needs_the_csrf_token(staff, manager, sync, make_item, db):
    sync(staff, [unknown()])
    item = make_item()
    response = manager.post("/unknown-codes/link", data={"code": UPC, "item_id": item.id})
    assert response.status_code == 400
    assert rows(db)[0].status == "pending"


# ----- linking ---------------------------------------------------------------------------


def test_linking_counts_the_open_sessions_scans_so_the_submit_includes_them(
        staff, manager, sync, db, open_count, make_item, login_as):
    item = make_item("Cola 12oz", barcodes=[("0049000000443", 1)])
    other = login_as("staff")
    sid = open_count(staff)
    t1, t2 = utcnow() - timedelta(minutes=20), utcnow() - timedelta(minutes=10)
    sync(staff, [unknown(at=t1, session_id=sid, quantity=4)], device_id="phone-A")
    sync(other, [unknown(EAN, at=t2, session_id=sid)], device_id="phone-B")
    page = manager.get(f"/unknown-codes?code={UPC}&q=cola").get_data(as_text=True)
    assert "Link to this item" in page and "Cola 12oz" in page
    response = link(manager, UPC, item)
    assert response.status_code == 303
    assert "2 scans added to their counts" in manager.get("/unknown-codes").get_data(as_text=True)
    # The code is the item's now, and phones asking for changes hear about it.
    db.session.expire_all()
    assert db.session.scalar(select(Barcode.item_id).where(Barcode.code == UPC)) == item.id
    catalog = staff.get("/api/v1/catalog").get_json()
    assert UPC in [b["code"] for i in catalog["items"] if i["id"] == item.id for b in i["barcodes"]]
    scans = db.session.scalars(
        select(CountScan).where(CountScan.session_id == sid).order_by(CountScan.id)).all()
    first, second = rows(db)
    assert abs(first.occurred_at - t1) < timedelta(seconds=5)
    assert abs(second.occurred_at - t2) < timedelta(seconds=5)
    assert [(s.user_id, s.device_id, s.occurred_at, s.quantity) for s in scans] == [
        (staff.user.id, "phone-A", first.occurred_at, 4), (other.user.id, "phone-B", second.occurred_at, 1)]
    assert {r.status for r in rows(db)} == {"applied"}
    assert {r.resolved_by_id for r in rows(db)} == {manager.user.id}
    submit(staff, sync, sid)
    line = db.session.scalar(select(CountLine).where(CountLine.session_id == sid))
    assert (line.item_id, line.counted, line.last_scan_at) == (item.id, 5, second.occurred_at)
    handled = manager.get("/unknown-codes").get_data(as_text=True)
    assert "linked to Cola 12oz by " + manager.user.username in handled


def _count_one_and_five_unknown(staff, sync, open_count, item) -> str:
    """A count that scanned the item once and an unknown code five times, then submitted."""
    sid = open_count(staff)
    sync(staff, [event("count_scan", utcnow() - timedelta(minutes=9), session_id=sid,
                       code=item.barcodes[0].code, quantity=1),
                 unknown(at=utcnow() - timedelta(minutes=8), session_id=sid, quantity=5)])
    submit(staff, sync, sid)
    return sid


def test_linking_after_submit_but_before_approval_adds_to_the_pending_line(
        staff, manager, sync, db, open_count, make_item, received):
    item = make_item("Cola 12oz", cost_cents=100)
    received(item, 10)
    sid = _count_one_and_five_unknown(staff, sync, open_count, item)
    line = db.session.scalar(select(CountLine).where(CountLine.session_id == sid))
    assert (line.counted, line.status) == (1, "pending")  # 9 short: waits for a manager
    link(manager, UPC, item)
    db.session.expire_all()
    line = db.session.scalar(select(CountLine).where(CountLine.session_id == sid))
    assert (line.counted, line.expected, line.variance) == (6, 10, -4)
    assert "late_scans" in line.flag_list and line.status == "pending"


def test_linking_after_approval_reports_the_scans_too_late_and_changes_nothing(
        staff, manager, sync, db, open_count, make_item, received):
    item = make_item("Cola 12oz", cost_cents=100)
    received(item, 1)
    sid = _count_one_and_five_unknown(staff, sync, open_count, item)
    line = db.session.scalar(select(CountLine).where(CountLine.session_id == sid))
    assert line.status == "approved"  # inside tolerance: approved at submit
    decisions = db.session.scalar(select(Decision.id).where(Decision.line_id == line.id))
    link(manager, UPC, item)
    db.session.expire_all()
    line = db.session.get(CountLine, line.id)
    assert (line.counted, line.status) == (1, "approved")
    assert db.session.scalar(select(Decision.id).where(Decision.line_id == line.id)) == decisions
    assert [r.status for r in rows(db)] == ["too_late"]
    page = manager.get("/unknown-codes").get_data(as_text=True)
    assert "Too late to count" in page and "1 too late to count" in page
    assert re.search(r"5 scanned by " + staff.user.username, page)


def test_creating_an_item_for_the_code_counts_its_scans(staff, manager, sync, db, open_count):
    sid = open_count(staff)
    sync(staff, [unknown(session_id=sid, quantity=2)])
    response = manager.post_form("/unknown-codes/create", {"code": UPC, "name": "Mystery <Soda>",
                                                           "price": "1.25"})
    assert response.status_code == 303
    item = db.session.scalar(select(Item).where(Item.name == "Mystery <Soda>"))
    assert item.price_cents == 125 and [b.code for b in item.barcodes] == [UPC]
    assert rows(db)[0].status == "applied"


def test_creating_an_item_needs_a_name(staff, manager, sync, db):
    sync(staff, [unknown()])
    response = manager.post_form("/unknown-codes/create", {"code": UPC, "name": " ", "price": ""})
    assert response.status_code == 400 and "1 to 200 characters" in response.get_data(as_text=True)
    assert rows(db)[0].status == "pending"
    assert db.session.scalar(select(Barcode.id).where(Barcode.code == UPC)) is None


def test_dismissing_a_coupon_takes_it_off_the_list(staff, manager, sync, db):
    sync(staff, [unknown("COUPON5", context="lookup"), unknown("COUPON5", context="lookup")])
    assert manager.post_form("/unknown-codes/dismiss", {"code": "COUPON5"}).status_code == 303
    assert {r.status for r in rows(db)} == {"dismissed"}
    page = manager.get("/unknown-codes").get_data(as_text=True)
    assert "No code is waiting" in page and "dismissed by " + manager.user.username in page


def test_a_code_handled_twice_says_so(staff, manager, sync, make_item):
    sync(staff, [unknown()])
    item = make_item()
    assert link(manager, UPC, item).status_code == 303
    response = link(manager, UPC, item)
    assert response.status_code == 404 and "already" in response.get_data(as_text=True)


def test_a_code_that_belongs_to_another_item_is_not_moved(staff, manager, sync, make_item, db):
    sync(staff, [unknown("PLU-4011", context="lookup")])
    owner = make_item("Bananas", barcodes=[("PLU-4011", 1)])
    other = make_item("Plantains")
    response = link(manager, "PLU-4011", other)
    assert response.status_code == 409 and "Bananas" in response.get_data(as_text=True)
    assert db.session.scalar(select(Barcode.item_id).where(Barcode.code == "PLU-4011")) == owner.id
    assert rows(db)[0].status == "pending"


# ----- the submit step's list of unscanned items (issue #3) ------------------------------


@pytest.fixture
def full_count(db, store, floor, make_user):
    from webapp.counting import service

    def start(*, blind: bool = True) -> str:
        creator = make_user("manager")
        return service.open_session(service.NewSession(store_id=store.id, location_id=floor.id,
                                                       created_by_id=creator.id, blind=blind, full=True)).id

    return start


def test_a_blind_full_counts_unscanned_items_reach_the_counter_by_name_only(
        staff, manager, sync, full_count, make_item, received, document):
    scanned, missed = make_item("Apples"), make_item("Zucchini <b>")
    received(scanned, 4)
    received(missed, 7)
    sid = full_count()
    sync(staff, [event("count_scan", utcnow() - timedelta(minutes=2), session_id=sid,
                       code=scanned.barcodes[0].code)])
    answer = staff.get(f"/api/v1/count-sessions/{sid}/unscanned")
    assert answer.status_code == 200
    assert answer.get_json()["items"] == [{"id": missed.id, "name": "Zucchini <b>", "category": ""}]
    _answers(document, "GET", "/api/v1/count-sessions/{session_id}/unscanned", answer)
    as_manager = manager.get(f"/api/v1/count-sessions/{sid}/unscanned").get_json()
    assert as_manager["items"][0]["expected"] == 7 and as_manager["blind"] is True


def test_another_stores_session_has_no_unscanned_list(login_as, other_store_manager, full_count, document):
    sid = full_count()
    answer = login_as(user=other_store_manager).get(f"/api/v1/count-sessions/{sid}/unscanned")
    assert answer.status_code == 404
    _answers(document, "GET", "/api/v1/count-sessions/{session_id}/unscanned", answer)


def test_the_submitters_per_item_choice_decides_zero_or_not_counted(staff, sync, db, full_count, make_item,
                                                                     received):
    gone, unsure = make_item("Gone"), make_item("Unsure")
    received(gone, 3)
    received(unsure, 5)
    sid = full_count()
    submit(staff, sync, sid, unscanned="not_counted", decisions={str(gone.id): "zero"})
    query = select(CountLine).where(CountLine.session_id == sid)
    lines = {ln.item_id: ln for ln in db.session.scalars(query)}
    assert (lines[gone.id].counted, lines[unsure.id].counted) == (0, None)
    assert lines[unsure.id].status == "not_counted"


# ----- the keyboard counting page keeps unknown codes too --------------------------------


def test_the_keyboard_count_keeps_an_unknown_code_and_shows_it_waiting(staff, db, open_count):
    sid = open_count(staff)
    response = staff.post_form(f"/counting/{sid}/scan", {"code": UPC, "quantity": "2"})
    assert response.status_code == 303
    (row,) = rows(db)
    assert (row.session_id, row.quantity, row.status, row.user_id) == (sid, 2, "pending", staff.user.id)
    page = staff.get(f"/counting/{sid}").get_data(as_text=True)
    assert f"Unknown code {UPC} (waiting for a manager)" in page
    assert "kept for a manager" in page


def test_the_keyboard_count_still_counts_a_sku_typed_as_the_code(staff, db, open_count, make_item):
    item = make_item("Shelf label item", sku="SL-42")
    sid = open_count(staff)
    assert staff.post_form(f"/counting/{sid}/scan", {"code": "sl-42", "quantity": "3"}).status_code == 303
    # Counting resolves codes by the catalog's rule (any GTIN spelling, the code as printed,
    # a SKU), so a SKU is simply a known code: counted, and nothing waits for a manager.
    assert rows(db) == []
    scan = db.session.scalar(select(CountScan).where(CountScan.session_id == sid))
    assert (scan.item_id, scan.quantity) == (item.id, 3)
