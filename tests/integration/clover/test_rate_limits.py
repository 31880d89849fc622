"""Clover's rate limits with the emulator enforcing them: stay under, and survive 429s without loss."""

from __future__ import annotations

import pytest

from tests.integration.clover.conftest import ITEMS, MERCHANT, TOKEN

MANY = [{"name": f"Item {n}", "price": 100 + n, "sku": f"SKU-{n}", "quantity": 10} for n in range(40)]


def test_a_burst_of_429s_is_waited_out_and_nothing_is_lost(sync, emulator, clover_items, level, events):
    sync()
    oat = clover_items["Oat Milk 1L"]
    orders = [emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}]) for _ in range(3)]
    emulator.force_429(3)
    report = sync()
    assert report.orders.orders == 3
    assert level(oat) == 21
    assert all(events(f"clover:{o['id']}:") for o in orders)
    counters = emulator.counters()["responses_by_status"]
    assert counters.get("429") == 3


@pytest.mark.parametrize("emulator_settings", [{
    "rate_limits": {"enabled": True, "token_per_second": 16, "token_in_flight": 5},
    "response_delay": 0.05,
    "merchants": [{"id": MERCHANT, "items": ITEMS + MANY, "tokens": [{"token": TOKEN}]}],
}])
def test_pushing_many_items_stays_under_clovers_limits(
        sync, emulator, record, clover_items, emulator_settings):
    sync()
    for n in range(40):
        record(clover_items[f"Item {n}"], "count", n + 50)
    report = sync()
    assert report.push.pushed == 40
    # Unthrottled, 40 writes from 5 workers would draw dozens of 429s. The throttle spaces its
    # starts by a 1.1 s window, so only a request delayed in transit (a loaded machine) can
    # arrive inside Clover's 1 s count; allow that much, and it must cost nothing.
    assert emulator.counters()["responses_by_status"].get("429", 0) <= 2
    assert all(emulator.stock(MERCHANT, clover_items[f"Item {n}"])["quantity"] == n + 50 for n in range(40))
