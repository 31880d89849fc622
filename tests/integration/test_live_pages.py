"""Pages that show levels poll themselves with an ETag (webapp/inventory/live.py, static/js/live.js):
304 while nothing moved, the new level as soon as one did, no reload."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from webapp.catalog.models import Location
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.types import utcnow


def _receive(db, store, item, quantity: int) -> None:
    where = db.session.scalars(select(Location).where(Location.store_id == store.id).limit(1)).one()
    ledger = Ledger(source="web")
    ledger.append(NewEvent(key=f"live:{uuid.uuid4()}", kind="receive", store_id=store.id, item_id=item.id,
                           location_id=where.id, quantity=quantity, occurred_at=utcnow(), source="web"))
    ledger.settle()
    db.session.commit()


def test_the_stock_page_answers_304_until_the_level_moves_then_the_new_level(login_as, make_item, db, store):
    item = make_item("Live Oats")
    _receive(db, store, item, 5)
    manager = login_as("manager")
    first = manager.get(f"/inventory/items/{item.id}")
    tag = first.headers["ETag"]
    assert 'name="live-etag"' in first.get_data(as_text=True)
    assert 'data-live-region' in first.get_data(as_text=True)
    same = manager.get(f"/inventory/items/{item.id}", headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.get_data() == b""
    _receive(db, store, item, 7)
    moved = manager.get(f"/inventory/items/{item.id}", headers={"If-None-Match": tag})
    assert moved.status_code == 200 and moved.headers["ETag"] != tag
    assert ">12<" in moved.get_data(as_text=True).replace(" ", "")


def test_the_dashboard_answers_304_until_something_it_shows_moves(login_as, make_item, db, store):
    item = make_item("Live Cola")
    manager = login_as("manager")
    tag = manager.get("/reports/").headers["ETag"]
    assert manager.get("/reports/", headers={"If-None-Match": tag}).status_code == 304
    _receive(db, store, item, 3)
    assert manager.get("/reports/", headers={"If-None-Match": tag}).status_code == 200
