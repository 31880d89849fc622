"""Clover's items mirrored into the catalog: fields, barcodes, links, deactivation, opening balances."""

from __future__ import annotations

import requests
from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.catalog.models import Item
from webapp.inventory.models import StockEvent


def _item(db, clover_id: str) -> Item:
    db.session.expire_all()
    return db.session.execute(select(Item).where(Item.clover_id == clover_id)).scalar_one()


def _update(emulator, clover_id: str, **fields):
    requests.post(f"{emulator.url}/v3/merchants/{MERCHANT}/items/{clover_id}", json=fields,
                  headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).raise_for_status()


def test_items_arrive_with_prices_costs_category_and_their_codes_as_barcodes(sync, db, clover_items):
    sync()
    oat = _item(db, clover_items["Oat Milk 1L"])
    assert (oat.name, oat.price_cents, oat.cost_cents, oat.sku, oat.category) == (
        "Oat Milk 1L", 499, 310, "OAT-1L", "Dairy")
    codes = {(b.code, b.gtin14) for b in oat.barcodes}
    assert codes == {("0850012345671", "00850012345671"), ("OAT-1L", None)}
    cola = _item(db, clover_items["Cola 12 oz Can"])
    assert ("036000291452", "00036000291452") in {(b.code, b.gtin14) for b in cola.barcodes}
    beans = _item(db, clover_items["Coffee Beans (bulk)"])
    assert (beans.measure, beans.unit_name) == ("weight", "lb")


def test_the_opening_balance_is_recorded_as_such_once(sync, db, clover_items, events):
    sync()
    sync(full_catalog=True)
    openings = events("clover:opening:")
    assert sorted(openings.values()) == [24, 48, 12750]
    kinds = set(db.session.scalars(select(StockEvent.kind).where(StockEvent.key.like("clover:opening:%"))))
    assert kinds == {"opening"}


def test_a_later_sync_reads_only_the_items_that_changed(sync, emulator, db, clover_items, app):
    app.config["CLOVER_ITEMS_OVERLAP_SECONDS"] = 0
    sync()
    _update(emulator, clover_items["Cola 12 oz Can"], price=119)
    report = sync()
    assert report.catalog.seen <= 2  # the changed item, and perhaps the one at the watermark itself
    assert _item(db, clover_items["Cola 12 oz Can"]).price_cents == 119


def test_an_item_hidden_or_deleted_in_clover_is_deactivated_not_deleted(sync, emulator, db, clover_items):
    sync()
    _update(emulator, clover_items["Cola 12 oz Can"], hidden=True)
    requests.delete(f"{emulator.url}/v3/merchants/{MERCHANT}/items/{clover_items['Oat Milk 1L']}",
                    headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).raise_for_status()
    sync()
    assert _item(db, clover_items["Cola 12 oz Can"]).active is False
    oat = _item(db, clover_items["Oat Milk 1L"])
    assert oat.active is False and oat.barcodes  # kept, with its history
    _update(emulator, clover_items["Cola 12 oz Can"], hidden=False)
    sync()
    assert _item(db, clover_items["Cola 12 oz Can"]).active is True


def test_an_item_already_in_the_catalog_is_linked_by_sku_not_duplicated(sync, db, make_item, clover_items,
                                                                       store):
    mine = make_item("Oat milk (ours)", sku="OAT-1L")
    sync()
    db.session.expire_all()
    assert db.session.get(Item, mine.id).clover_id == clover_items["Oat Milk 1L"]
    assert len(db.session.scalars(select(Item).where(Item.store_id == store.id)).all()) == 3


def test_a_code_another_item_owns_stays_with_that_item(sync, emulator, db, clover_items):
    sync()
    twin = emulator.control("POST", f"/merchants/{MERCHANT}/items",
                            {"name": "Cola twin", "price": 109, "code": "0036000291452", "quantity": 1})
    report = sync()
    assert report.catalog.skipped_barcodes == ["0036000291452"]
    assert _item(db, twin["id"]).barcodes == []
    assert "00036000291452" in {b.gtin14 for b in _item(db, clover_items["Cola 12 oz Can"]).barcodes}


def test_an_item_already_in_the_catalog_is_linked_by_its_barcode(sync, db, make_item, clover_items):
    mine = make_item("Cola (ours)", barcodes=[("0036000291452", 1)])
    sync()
    db.session.expire_all()
    assert db.session.get(Item, mine.id).clover_id == clover_items["Cola 12 oz Can"]


def test_a_negative_clover_quantity_opens_at_zero_and_says_so(emulator, sync, db):
    spec = {"name": "Ice", "price": 299, "quantity": -3}
    made = emulator.control("POST", f"/merchants/{MERCHANT}/items", spec)
    sync()
    event = db.session.execute(select(StockEvent).where(StockEvent.key.like(f"%:{made['id']}"))).scalar_one()
    assert event.quantity == 0 and "-3" in event.note


def test_an_item_name_is_data_and_is_escaped_on_pages(emulator, sync, db, login_as):
    name = '<img src=x onerror="alert(1)">Tea'
    spec = {"name": name, "price": 199, "quantity": 1}
    made = emulator.control("POST", f"/merchants/{MERCHANT}/items", spec)
    sync()
    item = _item(db, made["id"])
    assert item.name == name
    page = login_as("manager").get(f"/items/{item.id}").get_data(as_text=True)
    assert name not in page and "&lt;img src=x" in page
