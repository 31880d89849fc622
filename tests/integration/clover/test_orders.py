"""Sales pulled from the emulator over HTTP become ledger events, once each, at the device's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.catalog.models import Item
from webapp.clover.client import CloverClient, CloverUnavailable, StaticToken
from webapp.clover.connection import client_for, connection_for_store
from webapp.clover.orders import pull_orders
from webapp.inventory.models import StockEvent
from webapp.returns.models import RefundRule


def _event(db, key: str) -> StockEvent:
    db.session.expire_all()
    return db.session.execute(select(StockEvent).where(StockEvent.key == key)).scalar_one()


def test_a_sale_is_one_event_per_line_at_the_selling_location(sync, emulator, clover_items, level, events):
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}])
    report = sync()
    assert report.orders.events == 3
    assert level(oat) == 21
    keys = events(f"clover:{order['id']}:")
    assert sorted(keys) == sorted(f"clover:{order['id']}:{x['id']}" for x in order["lineItems"]["elements"])
    assert set(keys.values()) == {-1}


def test_a_weighed_line_counts_thousandths(sync, emulator, clover_items, level):
    sync()
    beans = clover_items["Coffee Beans (bulk)"]
    emulator.sale(MERCHANT, [{"item_id": beans, "unit_qty": 2500}])
    sync()
    assert level(beans) == 12750 - 2500


def test_replaying_every_order_counts_nothing_twice(sync, emulator, clover_items, level, events, db, store):
    sync()
    oat = clover_items["Oat Milk 1L"]
    for _ in range(5):
        emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    sync()
    before = events()
    connection = connection_for_store(store.id)
    connection.orders_watermark_ms = 0  # as if the watermark were lost: everything is pulled again
    db.session.commit()
    report = sync()
    assert report.orders.orders >= 5
    assert report.orders.events == 0
    assert events() == before
    assert level(oat) == 14


def test_pagination_reads_all_of_2500_orders_in_a_few_requests(sync, emulator, app, events, db, store):
    db.session.add(RefundRule(store_id=store.id, rule="restock"))  # as _expected_keys reads refunds
    db.session.commit()
    sync()
    emulator.generate(MERCHANT, seed=7, orders=2500, stamp="now")
    expected = _expected_keys(emulator.url)
    report = sync(push=False)
    assert report.orders.orders == 2500
    assert set(events()) - {k for k in events() if k.startswith("clover:opening:")} == expected
    # 2,500 orders at 1,000 a page: three pages of orders, not one request per order
    assert report.requests < 20


def _expected_keys(url: str) -> set[str]:
    """The events 2,500 orders should give, read independently with plain offset paging."""
    reader = CloverClient(url, MERCHANT, StaticToken(TOKEN))
    keys = set()
    for order in reader.paginate("orders", [("expand", "lineItems,payments,refunds")]):
        # A failed payment leaves its sale standing (orders.py: stock follows the lines).
        lines = order["lineItems"]["elements"]
        assert len(lines) < 100
        for line in lines:
            keys.add(f"clover:{order['id']}:{line['id']}")
            if line.get("refunded"):
                keys.add(f"clover:{order['id']}:{line['id']}:refund")
    reader.close()
    return keys


def test_an_order_of_150_lines_is_read_through_its_line_items_pages(sync, emulator, clover_items, level):
    sync()
    cola = clover_items["Cola 12 oz Can"]
    order = emulator.sale(MERCHANT, [{"item_id": cola, "qty": 40}])
    emulator.control("POST", f"/merchants/{MERCHANT}/orders/{order['id']}/lines",
                     {"lines": [{"item_id": cola, "qty": 110}]})
    sync()
    assert level(cola) == 48 - 150


def test_a_late_offline_order_lands_at_its_device_time(sync, emulator, clover_items, level, db):
    sync()
    oat = clover_items["Oat Milk 1L"]
    device_time = datetime.now(UTC) - timedelta(minutes=30)
    offline = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}], offline=True, device_id="dev-1",
                            client_created_time=int(device_time.timestamp() * 1000))
    assert sync().orders.orders == 0  # still on the device: Clover does not know it yet
    emulator.reconnect(MERCHANT, "dev-1")
    sync()
    event = _event(db, f"clover:{offline['id']}:{offline['lineItems']['elements'][0]['id']}")
    assert abs(event.occurred_at - device_time) < timedelta(seconds=1)
    assert event.recorded_at - event.occurred_at > timedelta(minutes=29)


def test_a_refunded_line_becomes_a_refund_event_where_the_store_restocks_refunds(
        sync, emulator, clover_items, level, events, db, store):
    db.session.add(RefundRule(store_id=store.id, rule="restock"))  # default: held, see test_refunds.py
    db.session.commit()
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    sync()
    line = order["lineItems"]["elements"][0]["id"]
    emulator.refund(MERCHANT, order["id"], [line])
    sync()
    sync()
    assert events(f"clover:{order['id']}:{line}:refund") == {f"clover:{order['id']}:{line}:refund": 1}
    assert level(oat) == 23


def test_a_voided_line_is_reversed_at_the_time_of_its_sale(sync, emulator, clover_items, level, events, db):
    # Paid, so its lines are sales (open_orders.py); a line deleted afterwards is reversed.
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}])
    sync()
    assert level(oat) == 21
    line = order["lineItems"]["elements"][-1]["id"]
    emulator.void(MERCHANT, order["id"], line, "Customer changed mind")
    sync()
    sync()
    assert level(oat) == 22
    sale = _event(db, f"clover:{order['id']}:{line}")
    reversal = _event(db, f"clover:{order['id']}:{line}:void")
    assert reversal.quantity == 1 and reversal.occurred_at == sale.occurred_at


def test_a_line_voided_before_we_saw_it_is_never_counted(sync, emulator, clover_items, level, events):
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}])
    emulator.void(MERCHANT, order["id"], order["lineItems"]["elements"][0]["id"])
    sync()
    assert level(oat) == 22
    assert not [k for k in events(f"clover:{order['id']}:") if k.endswith(":void")]


def test_an_offline_payment_that_fails_later_leaves_the_sale_standing(
        sync, emulator, clover_items, level, events):
    # The device approved the card offline, so the customer left with the goods: the shelf is
    # short by them whatever the bank says later. The order is reported unpaid instead.
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}], offline=True, device_id="dev-2")
    emulator.reconnect(MERCHANT, "dev-2")
    sync()
    assert level(oat) == 22
    emulator.fail_payment(MERCHANT, order["id"])
    report = sync()
    assert report.orders.unpaid == [order["id"]]
    sync()
    assert level(oat) == 22
    assert sorted(events(f"clover:{order['id']}:").values()) == [-1, -1]


def test_an_order_first_seen_with_its_payment_failed_is_still_a_sale(sync, emulator, clover_items, level):
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}], offline=True, device_id="dev-3")
    emulator.reconnect(MERCHANT, "dev-3")
    emulator.fail_payment(MERCHANT, order["id"])
    report = sync()
    assert report.orders.unpaid == [order["id"]]
    assert level(oat) == 21


def test_an_exchange_returns_the_old_item_and_sells_the_new_one(sync, emulator, clover_items, level):
    sync()
    oat, cola = clover_items["Oat Milk 1L"], clover_items["Cola 12 oz Can"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}])
    sync()
    emulator.exchange(MERCHANT, order["id"], order["lineItems"]["elements"][0]["id"], cola)
    sync()
    sync()
    assert level(oat) == 24
    assert level(cola) == 47


def test_a_sale_of_an_item_we_have_not_imported_yet_fetches_the_item(sync, emulator, events, db, store, app):
    sync()
    spec = {"name": "Gum", "price": 99, "quantity": 10}
    new = emulator.control("POST", f"/merchants/{MERCHANT}/items", spec)
    order = emulator.sale(MERCHANT, [{"item_id": new["id"], "qty": 1}])
    connection = connection_for_store(store.id)
    pull_orders(client_for(connection), connection)  # the orders step alone: no catalog import first
    line = order["lineItems"]["elements"][0]["id"]
    assert events(f"clover:{order['id']}:{line}") == {f"clover:{order['id']}:{line}": -1}
    gum = db.session.execute(select(Item).where(Item.clover_id == new["id"])).scalar_one()
    assert gum.name == "Gum" and gum.store_id == store.id


class FailingOneOrder(CloverClient):
    """The real client, except that one order's line items cannot be read (a 5xx that lasts)."""

    def __init__(self, *args, bad_order: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.bad_order = bad_order

    def request(self, method, path, params=None, json=None):
        if path == f"orders/{self.bad_order}/line_items":
            raise CloverUnavailable(503, "gave up after 6 attempts")
        return super().request(method, path, params, json)


def test_the_watermark_never_passes_an_order_that_failed(sync, emulator, clover_items, level, db, store, app):
    sync()
    cola = clover_items["Cola 12 oz Can"]
    first = emulator.sale(MERCHANT, [{"item_id": cola, "qty": 1}])
    big = emulator.sale(MERCHANT, [{"item_id": cola, "qty": 120}])
    last = emulator.sale(MERCHANT, [{"item_id": cola, "qty": 1}])
    flaky = FailingOneOrder(app.config["CLOVER_BASE_URL"], MERCHANT, StaticToken(TOKEN), bad_order=big["id"])
    report = sync(client=flaky)
    assert report.orders.failed == [big["id"]]
    assert level(cola) == 46  # the orders around it are recorded
    connection = connection_for_store(store.id)
    db.session.refresh(connection)
    assert connection.orders_watermark_ms == first["modifiedTime"]
    assert connection.orders_watermark_ms < big["modifiedTime"] < last["modifiedTime"]
    assert "could not be recorded" in connection.last_error
    sync()
    assert level(cola) == 48 - 122
