"""Items made in Shelfcount are created in Clover by the sync, once, and then pushed like any other."""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import func, select

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.catalog.models import Item, Location

UNIT_CODE = "4006381333931"
CASE_CODE = "14006381333938"


def _clover_items(emulator, **filters: str) -> list[dict]:
    """Live Clover items matching ``field=value`` filters, read over the REST API like our client does."""
    response = requests.get(f"{emulator.url}/v3/merchants/{MERCHANT}/items",
                            params=[("filter", f"{k}={v}") for k, v in filters.items()],
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    response.raise_for_status()
    return response.json()["elements"]


@pytest.fixture
def new_item(db, store):
    """new_item(name, sku=..., barcodes=...): an item made as the /items/new page makes it."""
    from webapp.catalog.item_form import create, parse_form

    def make(name: str, *, sku: str = "", barcodes: str = "", price: str = "3.49", cost: str = "2.10",
             case_code: str = "", case_pack: str = "") -> Item:
        form = {"name": name, "sku": sku, "barcodes": barcodes, "price": price, "cost": cost,
                "case_code": case_code, "case_pack": case_pack}
        return create(store.id, parse_form(store.id, form))

    return make


@pytest.fixture
def count(db, store):
    """count(item_id, quantity, location): an approved shelf count through the ledger."""
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    def write(item_id: int, quantity: int, location: str = "Sales floor") -> None:
        where = db.session.execute(select(Location).where(Location.store_id == store.id,
                                                          Location.name == location)).scalar_one()
        ledger = Ledger(source="web")
        ledger.append(NewEvent(key=f"test:{uuid.uuid4()}", kind="count", store_id=store.id, item_id=item_id,
                               location_id=where.id, quantity=quantity, occurred_at=utcnow(), source="web"))
        ledger.settle()
        db.session.commit()

    return write


def _local(db, item_id: int) -> Item:
    db.session.expire_all()
    return db.session.get(Item, item_id)


def test_an_item_made_here_is_in_clover_after_one_cycle_and_its_level_pushed_in_that_cycle(
        sync, emulator, db, new_item, count):
    item = new_item("Kombucha Ginger 16oz", sku="KOMB-GIN", barcodes=UNIT_CODE, case_code=CASE_CODE,
                    case_pack="12")
    count(item.id, 7)
    count(item.id, 3, location="Back room")
    report = sync()
    assert report.new_items.created == 1
    [clover] = _clover_items(emulator, sku="KOMB-GIN")
    assert (clover["name"], clover["price"], clover["cost"], clover["priceType"]) == \
        ("Kombucha Ginger 16oz", 349, 210, "FIXED")
    assert clover["code"] == UNIT_CODE  # the unit's code, not the case's: the register sells units
    assert _local(db, item.id).clover_id == clover["id"]
    # Created before the push of the same cycle, so its store total is already in Clover.
    assert emulator.stock(MERCHANT, clover["id"]).get("quantity") == 10.0


def test_a_second_cycle_creates_nothing_more_and_imports_no_second_item(sync, emulator, db, store, new_item):
    item = new_item("Kombucha Ginger 16oz", sku="KOMB-GIN", barcodes=UNIT_CODE)
    sync()
    report = sync()  # its catalog import now reads the item Clover created
    assert (report.new_items.created, report.new_items.linked) == (0, 0)
    assert len(_clover_items(emulator, sku="KOMB-GIN")) == 1
    named = db.session.scalar(select(func.count()).select_from(Item).where(
        Item.store_id == store.id, Item.name == "Kombucha Ginger 16oz"))
    assert named == 1
    assert _local(db, item.id).clover_id == _clover_items(emulator, sku="KOMB-GIN")[0]["id"]


@pytest.mark.parametrize(("sku", "barcodes", "clover_name"), [
    ("OAT-1L", "", "Oat Milk 1L"),           # same SKU
    ("", "036000291452", "Cola 12 oz Can"),  # no SKU, same code
])
def test_an_item_clover_already_has_is_linked_not_created_twice(app, connected, emulator, db, new_item,
                                                                clover_items, sku, barcodes, clover_name):
    """Made here before the catalog import could link it (an item Clover had all along)."""
    from webapp.clover.connection import client_for
    from webapp.clover.new_items import create_missing

    item = new_item("Ours", sku=sku, barcodes=barcodes)
    client = client_for(connected)
    try:
        result = create_missing(client, connected)
    finally:
        client.close()
    assert (result.created, result.linked, result.failed) == (0, 1, 0)
    assert _local(db, item.id).clover_id == clover_items[clover_name]
    summary = emulator.control("GET", f"/merchants/{MERCHANT}")
    assert len(summary["items"]) == 3


def test_a_weighed_item_is_created_per_unit_and_stays_weighed_after_the_import(sync, emulator, db, new_item,
                                                                              count):
    item = new_item("Trail Mix (bulk)", sku="TRAIL-BULK", price="8.99")
    item.measure, item.unit_name = "weight", "lb"
    db.session.commit()
    count(item.id, 2_250)  # 2.25 lb
    sync()
    [clover] = _clover_items(emulator, sku="TRAIL-BULK")
    assert (clover["priceType"], clover["unitName"], clover["price"]) == ("PER_UNIT", "lb", 899)
    assert emulator.stock(MERCHANT, clover["id"]).get("quantity") == 2.25
    sync()  # the import reads it back: it must not turn it into an "each" item
    local = _local(db, item.id)
    assert (local.measure, local.unit_name) == ("weight", "lb")


def test_an_inactive_item_is_not_created(sync, emulator, db, new_item):
    from webapp.catalog.service import ItemChanges, update_item

    new_item("Kombucha Ginger 16oz", sku="KOMB-GIN")
    retired = new_item("Kombucha Lemon 16oz", sku="KOMB-LEM")
    update_item(retired.store_id, retired.id, ItemChanges(active=False))
    report = sync()
    assert report.new_items.created == 1
    assert len(_clover_items(emulator, sku="KOMB-GIN")) == 1
    assert _clover_items(emulator, sku="KOMB-LEM") == []
    assert _local(db, retired.id).clover_id is None
