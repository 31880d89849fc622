"""The sales generator: believable, deterministic from a seed, usable live."""

import time
from collections import Counter

from clover_emulator.generator import HOUR_MS, plan_day
from clover_emulator.harness import RunningEmulator
from clover_emulator.tests.conftest import MID, CloverCaller, emulator_config

START = 1_767_225_600_000  # a fixed day, so plans compare exactly


def test_the_same_seed_plans_the_same_day_and_another_seed_does_not():
    weighed = [False, True, False, False, False, True]
    assert plan_day(3, weighed, START, count=300) == plan_day(3, weighed, START, count=300)
    assert plan_day(3, weighed, START, count=300) != plan_day(4, weighed, START, count=300)


def test_a_planned_day_looks_like_trading():
    weighed = [False] * 20 + [True] * 2
    plan = plan_day(11, weighed, START, hours=13, count=2000)
    assert all(START <= sale.at < START + 13 * HOUR_MS for sale in plan)
    by_hour = Counter((sale.at - START) // HOUR_MS for sale in plan)
    assert by_hour[4] > 2 * by_hour[0]  # lunch is busier than opening
    sold = Counter(line.item for sale in plan for line in sale.lines)
    ranked = [count for _, count in sold.most_common()]
    assert ranked[0] > 4 * ranked[-1]  # a few items sell far more than the rest
    sizes = Counter(len(sale.lines) for sale in plan)
    assert sizes.most_common(1)[0][0] == 1 and max(sizes) >= 4
    assert all(line.unit_qty for sale in plan for line in sale.lines if weighed[line.item])


def _orders_made_with(seed: int) -> list[tuple]:
    with RunningEmulator(emulator_config(id_seed=42)) as emu:
        summary = emu.generate(MID, seed=seed, orders=200, hours=12, start_time=START)
        caller = CloverCaller(emu.url)
        orders = caller.all_pages("/orders", expand="lineItems")
        caller.http.close()
    shape = [
        (
            o["id"],
            o["total"],
            o["paymentState"],
            o["clientCreatedTime"],
            [x["id"] for x in o["lineItems"]["elements"]],
        )
        for o in orders
    ]
    return [summary, *sorted(shape)]


def test_generating_with_the_same_seeds_gives_the_same_orders():
    first = _orders_made_with(5)
    assert first == _orders_made_with(5)
    assert first != _orders_made_with(6)
    summary = first[0]
    assert summary["orders"] == 200 and summary["lines"] > 200


def test_a_generated_day_has_offline_orders_that_arrived_late_with_an_old_client_created_time(emu, api):
    summary = emu.generate(MID, seed=2, orders=400, hours=12)
    assert summary["offline"] > 0
    orders = api.all_pages("/orders")
    assert len(orders) == 400
    late = [o for o in orders if o["createdTime"] - o["clientCreatedTime"] > 60_000]
    assert len(late) == summary["offline"]


def test_stamped_now_a_generated_day_arrives_now_with_its_planned_client_times(emu, api):
    before = int(time.time() * 1000)
    emu.generate(MID, seed=3, orders=50, hours=12, stamp="now")
    orders = api.all_pages("/orders")
    assert all(o["createdTime"] >= before and o["modifiedTime"] >= before for o in orders)
    assert min(o["clientCreatedTime"] for o in orders) < before - HOUR_MS


def test_live_trading_rings_up_sales_until_stopped(emu, api):
    emu.control("POST", f"/merchants/{MID}/trading", {"every": 0.05, "seed": 1})
    deadline = time.monotonic() + 5
    while len(api.get("/orders").json()["elements"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    emu.control("POST", f"/merchants/{MID}/trading", {"every": None})
    settled = len(api.all_pages("/orders"))
    assert settled >= 3
    time.sleep(0.15)
    assert len(api.all_pages("/orders")) == settled
