"""Moving stock between locations: one transfer_out and one transfer_in at the same instant."""

import pytest
from sqlalchemy import select

from tests.integration.receiving.syncing import backroom, ev, level, minutes_ago, sync
from webapp.inventory.models import StockEvent


def test_a_transfer_moves_stock_from_the_back_room_to_the_floor(login_as, make_item, store, db):
    item = make_item("Rice", barcodes=[("0012345678905", 1), ("10012345678902", 10)])
    back, floor = backroom(store), store.selling_location
    receiver = login_as("receiver")
    sync(receiver, ev("receive_scan", minutes_ago(60), session_id="s", code="10012345678902"),
         ev("receive_close", minutes_ago(59), session_id="s"))
    at = minutes_ago(10)
    sync(receiver, ev("transfer", at, code="0012345678905", quantity=4, from_location_id=back.id,
                      to_location_id=floor.id))
    assert (level(item, back), level(item, floor)) == (6, 4)
    legs = db.session.scalars(select(StockEvent).where(StockEvent.kind.in_(("transfer_out", "transfer_in")))
                              .order_by(StockEvent.kind)).all()
    assert [(e.kind, e.quantity) for e in legs] == [("transfer_in", 4), ("transfer_out", -4)]
    assert legs[0].occurred_at == legs[1].occurred_at


def test_a_transfer_needs_two_locations_of_the_store_and_a_receiver(login_as, make_item, store, make_store):
    item = make_item("Rice")
    floor = store.selling_location
    receiver = login_as("receiver")
    same = ev("transfer", minutes_ago(1), item_id=item.id, quantity=1, from_location_id=floor.id,
              to_location_id=floor.id)
    assert sync(receiver, same, expect="rejected")[0]["error"]["code"] == "same_location"
    elsewhere = make_store("Elsewhere").selling_location
    other = ev("transfer", minutes_ago(1), item_id=item.id, quantity=1, from_location_id=floor.id,
               to_location_id=elsewhere.id)
    assert sync(receiver, other, expect="rejected")[0]["error"]["code"] == "wrong_store"
    staff = ev("transfer", minutes_ago(1), item_id=item.id, quantity=1, from_location_id=backroom(store).id,
               to_location_id=floor.id)
    assert sync(login_as("staff"), staff, expect="rejected")[0]["error"]["code"] == "forbidden"
    assert login_as("receiver").get("/transfers/new").status_code == 200


@pytest.mark.parametrize(("code", "moved"), [
    ("(01)00012345678905(37)12", 12),           # the unit's GTIN and a count of 12: 12 units
    ("]C10100012345678905" "3712", 12),          # the same label as a scanner sends it, no brackets
    ("(01)10012345678902(37)2(10)LOT7", 20),    # two cases of ten
    ("10012345678902", 10),                     # a case's own barcode: its pack
])
def test_a_scanned_transfer_moves_what_the_label_says(login_as, make_item, store, code, moved):
    item = make_item("Rice", barcodes=[("0012345678905", 1), ("10012345678902", 10)])
    back, floor = backroom(store), store.selling_location
    receiver = login_as("receiver")
    sync(receiver, ev("receive_scan", minutes_ago(60), session_id="s", code="0012345678905", quantity=50),
         ev("receive_close", minutes_ago(59), session_id="s"))
    # The phone sends a scan's code and leaves the quantity to the server, as receiving does.
    sync(receiver, ev("transfer", minutes_ago(5), code=code, item_id=item.id, from_location_id=back.id,
                      to_location_id=floor.id))
    assert (level(item, back), level(item, floor)) == (50 - moved, moved)


def test_a_transfer_with_no_quantity_and_no_code_says_what_it_needs(login_as, make_item, store):
    item = make_item("Rice")
    event = ev("transfer", minutes_ago(1), item_id=item.id, from_location_id=backroom(store).id,
               to_location_id=store.selling_location.id)
    error = sync(login_as("receiver"), event, expect="rejected")[0]["error"]
    assert (error["code"], error["field"]) == ("missing_field", "code")
