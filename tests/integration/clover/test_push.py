"""Pushing levels to Clover: the store total, only differences, a log of what Clover held."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT
from webapp.clover.models import CloverPush


def _clover(emulator, clover_id: str) -> float | None:
    return emulator.stock(MERCHANT, clover_id).get("quantity")


def test_a_count_is_pushed_as_the_new_level_and_logged_with_what_clover_held(sync, emulator, record, db,
                                                                              clover_items):
    sync()
    oat = clover_items["Oat Milk 1L"]
    record(oat, "count", 20)
    report = sync()
    assert (report.push.compared, report.push.pushed) == (3, 1)
    assert _clover(emulator, oat) == 20.0
    push = db.session.execute(select(CloverPush)).scalar_one()
    assert (push.clover_item_id, push.quantity, push.clover_before) == (oat, 20.0, 24.0)
    assert sync().push.pushed == 0  # nothing differs any more: nothing is written


def test_the_store_total_over_every_location_is_pushed(sync, emulator, record, clover_items, level):
    sync()
    cola = clover_items["Cola 12 oz Can"]
    record(cola, "receive", 24, location="Back room")
    sync()
    assert level(cola) == 72
    assert _clover(emulator, cola) == 72.0


def test_a_weighed_item_is_pushed_in_its_unit(sync, emulator, record, clover_items):
    sync()
    beans = clover_items["Coffee Beans (bulk)"]
    record(beans, "count", 9_500)
    sync()
    assert _clover(emulator, beans) == 9.5


@pytest.mark.parametrize("emulator_settings", [{"merchants": [
    {"id": MERCHANT, "auto_decrement": True, "tokens": [{"token": "static-test-token"}],
     "items": [{"name": "Oat Milk 1L", "price": 499, "sku": "OAT-1L", "quantity": 24}]}]}])
def test_with_clovers_own_decrement_a_pulled_sale_needs_no_push(sync, emulator, clover_items,
                                                                 emulator_settings):
    sync()
    oat = clover_items["Oat Milk 1L"]
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    assert _clover(emulator, oat) == 22.0
    assert sync().push.pushed == 0


@pytest.mark.parametrize("emulator_settings", [{"merchants": [
    {"id": MERCHANT, "auto_decrement": True, "tokens": [{"token": "static-test-token"}],
     "items": [{"name": "Oat Milk 1L", "price": 499, "sku": "OAT-1L", "quantity": 24}]}]}])
def test_a_push_racing_a_sale_it_has_not_pulled_holds_the_item_and_the_next_cycle_writes_it(
        sync, emulator, record, clover_items, store, emulator_settings):
    from webapp.clover.connection import client_for, connection_for_store
    from webapp.clover.push import push_levels

    sync()
    oat = clover_items["Oat Milk 1L"]
    record(oat, "count", 20)
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}])  # rung up after our pull, before our write
    connection = connection_for_store(store.id)
    # Clover's 23 is not what our mark and pulled sales explain: the item is held, not overwritten
    # (it could be a stock edit made in Clover; drift.py), and the sale is not erased.
    assert push_levels(client_for(connection), connection).held == 1
    assert _clover(emulator, oat) == 23.0
    report = sync()  # the sale is pulled now, which explains Clover's number
    assert (report.push.held, report.push.pushed) == (0, 1)
    assert _clover(emulator, oat) == 19.0

