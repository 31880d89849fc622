"""Moving stock between locations: one transfer_out and one transfer_in at the same instant."""

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
