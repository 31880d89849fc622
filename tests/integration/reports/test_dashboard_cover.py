from datetime import timedelta

from webapp.inventory.ledger import Ledger, NewEvent
from webapp.types import utcnow


def test_an_item_low_but_unsold_shows_unknown_cover_not_zero_days(login_as, make_item, store, db):
    item = make_item("Slow Spaghetti", reorder_point=6)
    ledger = Ledger(source="import")
    ledger.append(NewEvent(key="open-1", kind="opening", store_id=store.id, item_id=item.id,
                           location_id=store.locations[0].id, quantity=4,
                           occurred_at=utcnow() - timedelta(days=1)))
    ledger.settle()
    db.session.commit()
    page = login_as("manager").get("/reports/").get_data(as_text=True)
    assert "no recent sales (4 left)" in page
    assert "0.0 d (4 left)" not in page
