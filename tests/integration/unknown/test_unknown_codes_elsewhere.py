"""Unknown codes scanned while receiving, flagging damage or moving stock (issue #4's other screens).

They are kept like a count's, with their context and location; linking them changes no stock,
and the manager is told to have the item scanned again on that screen.
"""

import pytest
from sqlalchemy import func, select

from tests.integration.ledger.conftest import batch
from tests.integration.unknown.test_unknown_codes import EAN, UPC, link, rows, unknown
from webapp.inventory.models import StockEvent


@pytest.fixture
def sync():
    def post(client, events):
        response = client.post_json("/api/v1/sync", batch(events))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["results"]

    return post


def stock_events(db) -> int:
    return db.session.scalar(select(func.count()).select_from(StockEvent))


@pytest.mark.parametrize("context", ["receiving", "damage", "transfer"])
def test_a_code_unknown_on_another_screen_is_kept_with_its_context_and_location(receiver, sync, db, store,
                                                                               context):
    floor = store.selling_location
    (result,) = sync(receiver, [unknown(context=context, location_id=floor.id)])
    assert result["status"] == "accepted", result
    (row,) = rows(db)
    assert (row.context, row.location_id, row.session_id, row.status, row.quantity) == (
        context, floor.id, None, "pending", 1)


def test_a_count_session_id_on_another_screens_scan_is_refused_with_the_field(receiver, sync, db, store):
    (result,) = sync(receiver, [unknown(context="receiving", session_id="a-receiving-session",
                                        location_id=store.selling_location.id)])
    assert result["status"] == "rejected"
    assert (result["error"]["code"], result["error"]["field"]) == ("bad_field", "session_id")
    assert rows(db) == []


def test_linking_them_changes_no_stock_and_asks_for_a_rescan(receiver, manager, sync, db, store, make_item):
    floor = store.selling_location
    sync(receiver, [unknown(UPC, context="receiving", location_id=floor.id),
                    unknown(EAN, context="damage", location_id=floor.id),
                    unknown(UPC, context="lookup")])
    page = " ".join(manager.get("/unknown-codes").get_data(as_text=True).split())
    assert "Scanned while flagging damage or receiving:</strong>" in page
    assert f"ask {receiver.user.username} to scan the item again" in page

    item = make_item("Cola 12oz", barcodes=[])
    before = stock_events(db)
    response = link(manager, UPC, item)
    assert response.status_code == 303
    flashed = " ".join(manager.get("/unknown-codes").get_data(as_text=True).split())
    assert "2 made while receiving, flagging damage or moving stock changed no stock" in flashed
    assert [(r.status, r.item_id) for r in rows(db)] == [("resolved", item.id)] * 3
    assert stock_events(db) == before
