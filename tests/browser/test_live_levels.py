"""Pages that show levels update without a reload (static/js/live.js polling with an ETag)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import log_in


def _receive(seed, item_name: str, quantity: int) -> None:
    from webapp.catalog.models import Item
    from webapp.extensions import db
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    with seed["app"].app_context():
        item = db.session.scalars(select(Item).where(Item.name == item_name)).one()
        ledger = Ledger(source="web")
        ledger.append(NewEvent(f"live-browser:{uuid.uuid4()}", "receive", seed["store_id"], item.id,
                               seed["back_id"], quantity, utcnow(), source="web"))
        ledger.settle()
        db.session.commit()


def _item_id(seed, name: str) -> int:
    from webapp.catalog.models import Item
    from webapp.extensions import db

    with seed["app"].app_context():
        return db.session.scalars(select(Item.id).where(Item.name == name)).one()


def test_the_stock_page_shows_a_delivery_without_a_reload(page, seed):
    name = "Live Level Tea"
    from webapp.catalog.models import Item
    from webapp.extensions import db

    with seed["app"].app_context():
        db.session.add(Item(store_id=seed["store_id"], name=name, cost_cents=100, price_cents=200))
        db.session.commit()
    _receive(seed, name, 5)
    path = f"/inventory/items/{_item_id(seed, name)}"
    log_in(page, "mia", path)
    total = page.locator("#live-level tfoot th.num")
    expect(total).to_have_text("5")
    page.evaluate("window.__sameDocument = true")
    _receive(seed, name, 7)
    expect(total).to_have_text("12", timeout=15_000)
    assert page.evaluate("window.__sameDocument === true")  # swapped in place, not reloaded
