"""The database itself refuses a ledger row that names another store's item, location or user
(a location through the level row of the event's stream, written in the same transaction)."""

import pytest
from sqlalchemy.exc import IntegrityError

from webapp.inventory.ledger import Ledger, NewEvent
from webapp.sync.models import SyncReceipt
from webapp.transfers.models import Transfer
from webapp.types import utcnow


@pytest.fixture
def other(make_store):
    return make_store("Across the Street")


def _event(store_id, item_id, location_id, key="k1") -> NewEvent:
    return NewEvent(key=key, kind="receive", store_id=store_id, item_id=item_id, location_id=location_id,
                    quantity=3, occurred_at=utcnow())


def test_a_stock_event_for_the_stores_own_item_and_location_lands(db, store, make_item):
    soap = make_item("Soap")
    ledger = Ledger(source="test")
    assert ledger.append(_event(store.id, soap.id, store.selling_location.id))
    ledger.settle()
    db.session.commit()


@pytest.mark.parametrize("wrong", ["item", "location"])
def test_a_stock_event_naming_another_stores_item_or_location_is_refused(db, store, other, make_item, wrong):
    theirs = make_item("Their soap", store_id=other.id) if wrong == "item" else make_item("Soap")
    place = other.selling_location if wrong == "location" else store.selling_location
    ledger = Ledger(source="test")
    with pytest.raises(IntegrityError):  # the item at once; the location by the stream's level row
        ledger.append(_event(store.id, theirs.id, place.id))
        ledger.settle()
    db.session.rollback()


def test_a_transfer_of_another_stores_item_is_refused(db, store, other, make_item, make_user):
    theirs = make_item("Their soap", store_id=other.id)
    mover = make_user("receiver")
    db.session.add(Transfer(store_id=store.id, event_id="t1", item_id=theirs.id,
                            from_location_id=store.locations[0].id, to_location_id=store.locations[1].id,
                            quantity=1, occurred_at=utcnow(), moved_by=mover.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_receipt_for_a_user_of_another_store_is_refused(db, store, other, make_user):
    stranger = make_user("staff", store_id=other.id)
    now = utcnow()
    db.session.add(SyncReceipt(event_id="e1", type="receive", store_id=store.id, user_id=stranger.id,
                               device_id="phone", device_occurred_at=now, occurred_at=now, device_time=now))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
