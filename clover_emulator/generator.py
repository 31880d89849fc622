"""A believable trading day, deterministic from a seed (for tests, seeding and the demo).

``plan_day`` is pure: from a seed and the merchant's items it plans when customers arrive
(more at lunch and after work), what they buy (basket sizes mostly 1-4, popular items
Zipf-like, weighed PER_UNIT items in thousandths as in clover-api.md 4.5), which lines are
voided before payment, which orders are refunded later, and which device goes offline for a
while (its orders reach the cloud at reconnect, 7.2; a few offline card payments then fail).
``apply_plan`` plays a plan through the same domain functions the control API uses, and
``LiveTrader`` rings up sales on a background thread for the demo (``--trade-every``).
"""

import random
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from clover_emulator import offline, orders
from clover_emulator.state import Merchant, Store

# Relative arrivals per store hour, 08:00 to 20:00: a lunch peak and an after-work peak.
HOURLY = (2, 4, 5, 6, 9, 8, 6, 5, 6, 9, 10, 7, 3)
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class PlannedLine:
    item: int  # index into the merchant's live items
    qty: int = 1
    unit_qty: int | None = None


@dataclass(frozen=True)
class PlannedSale:
    at: int
    device: str
    lines: tuple[PlannedLine, ...]
    offline_until: int | None = None
    void_line: bool = False
    refund: bool = False
    fail_payment: bool = False


class Basket:
    """Draws baskets: Zipf-like popularity over a seeded ranking of the items."""

    def __init__(self, rng: random.Random, weighed: list[bool]) -> None:
        self._rng = rng
        self._weighed = weighed
        ranking = list(range(len(weighed)))
        rng.shuffle(ranking)
        self._items = ranking
        self._weights = [1 / (rank + 1) ** 1.07 for rank in range(len(ranking))]

    def draw(self) -> tuple[PlannedLine, ...]:
        if not self._items:
            return ()
        size = 1
        while size < 12 and self._rng.random() < 0.45:
            size += 1
        lines = []
        for index in self._rng.choices(self._items, self._weights, k=size):
            if self._weighed[index]:
                lines.append(PlannedLine(index, 1, self._rng.randint(150, 2500)))
            else:
                lines.append(PlannedLine(index, 1 if self._rng.random() < 0.8 else self._rng.randint(2, 3)))
        return tuple(lines)


def plan_day(
    seed: int,
    weighed: list[bool],
    start_ms: int,
    hours: float = 13.0,
    count: int | None = None,
    devices: int = 3,
) -> list[PlannedSale]:
    """Plan ``count`` orders (or a natural number of them) over ``hours`` from ``start_ms``."""
    rng = random.Random(seed)
    basket = Basket(rng, weighed)
    device_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(devices)]
    span = int(hours * HOUR_MS)
    slots = len(HOURLY)
    if count is None:
        count = round(sum(HOURLY) * 2.5 * hours / slots)
    times = sorted(
        start_ms + int((slot + rng.random()) / slots * span)
        for slot in rng.choices(range(slots), HOURLY, k=count)
    )
    outages: dict[str, tuple[int, int]] = {}
    for device in device_ids:  # now and then a device loses the network for a while
        if count >= 10 and rng.random() < 0.35:
            begin = start_ms + int(rng.uniform(0.1, 0.7) * span)
            outages[device] = (begin, begin + int(rng.uniform(0.05, 0.2) * span))
    plan = []
    for at in times:
        device = rng.choice(device_ids)
        window = outages.get(device)
        offline_until = window[1] if window and window[0] <= at < window[1] else None
        lines = basket.draw()
        plan.append(
            PlannedSale(
                at,
                device,
                lines,
                offline_until,
                void_line=offline_until is None and len(lines) > 1 and rng.random() < 0.03,
                refund=rng.random() < 0.02,
                fail_payment=offline_until is not None and rng.random() < 0.1,
            )
        )
    return plan


def _live_items(m: Merchant) -> list[dict[str, Any]]:
    return [i for i in m.items.values() if not i.get("deletedTime") and i["price"] > 0]


def _ring(store: Store, m: Merchant, items: list[dict[str, Any]], sale: PlannedSale, stamp: bool):
    lines = [{"item_id": items[x.item]["id"], "qty": x.qty, "unit_qty": x.unit_qty} for x in sale.lines]
    is_offline = sale.offline_until is not None
    order = orders.ring_up(
        store,
        m,
        {
            "lines": lines,
            "device_id": sale.device,
            "offline": is_offline,
            "paid": not sale.void_line,
            "client_created_time": sale.at,
            "created_time": sale.at if stamp and not is_offline else None,
        },
    )
    if sale.void_line:
        orders.void_line(store, m, order["id"], order["_lines"][-1], "Customer changed mind")
        orders.pay(store, m, order)
    return order


def apply_plan(
    store: Store, m: Merchant, plan: list[PlannedSale], stamp: str = "simulated"
) -> dict[str, int]:
    """Play a plan. ``stamp="simulated"`` records orders at their planned times (history);
    ``"now"`` records them as arriving now, keeping the planned clientCreatedTime."""
    simulated = stamp == "simulated"
    summary = {"orders": 0, "lines": 0, "offline": 0, "voided": 0, "refunded": 0, "failed_payments": 0}
    with store.lock:
        items = _live_items(m)
        if not items:
            return summary
        pending: dict[str, int] = {}
        later: list[tuple[PlannedSale, str]] = []
        for sale in plan:
            for device, until in sorted(pending.items(), key=lambda p: p[1]):
                if until <= sale.at:
                    offline.reconnect(store, m, device, until if simulated else None)
                    del pending[device]
            order = _ring(store, m, items, sale, simulated)
            summary["orders"] += 1
            summary["lines"] += len(order["_lines"])
            summary["voided"] += sale.void_line
            if sale.offline_until is not None:
                summary["offline"] += 1
                pending[sale.device] = sale.offline_until
            later.append((sale, order["id"]))
        for device, until in pending.items():
            offline.reconnect(store, m, device, until if simulated else None)
        for sale, order_id in later:
            if sale.refund and m.orders[order_id]["paymentState"] == "PAID":
                orders.refund(store, m, order_id, m.orders[order_id]["_lines"][:1])
                summary["refunded"] += 1
            if sale.fail_payment:
                offline.fail_payment(store, m, order_id)
                summary["failed_payments"] += 1
    return summary


def generate(
    store: Store,
    m: Merchant,
    seed: int,
    *,
    count: int | None = None,
    hours: float | None = None,
    start_ms: int | None = None,
    stamp: str = "simulated",
) -> dict[str, int]:
    hours = float(hours or 13.0)
    with store.lock:
        weighed = [i["priceType"] == "PER_UNIT" for i in _live_items(m)]
        start = start_ms if start_ms is not None else store.clock.now_ms() - int(hours * HOUR_MS)
    return apply_plan(store, m, plan_day(seed, weighed, start, hours, count), stamp)


class LiveTrader:
    """Rings up one believable sale every ``every`` seconds until stopped (demo mode)."""

    def __init__(self, store: Store, merchant_id: str, every: float, seed: int = 0) -> None:
        self._store = store
        self._merchant_id = merchant_id
        self._every = every
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"clover-trading-{merchant_id}", daemon=True)
        self.sales = 0

    def start(self) -> "LiveTrader":
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the thread to end without waiting for it (safe while holding the store lock)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        online_device, offline_device = (
            str(uuid.UUID(int=self._rng.getrandbits(128), version=4)) for _ in "ab"
        )
        offline_left = 0
        basket, basket_for = None, None
        while not self._stop.wait(self._every):
            with self._store.lock:
                m = self._store.merchants.get(self._merchant_id)
                if m is None or m.trading is not self:
                    return
                items = _live_items(m)
                if not items:
                    continue
                if basket_for != [i["id"] for i in items]:
                    basket_for = [i["id"] for i in items]
                    basket = Basket(self._rng, [i["priceType"] == "PER_UNIT" for i in items])
                now = self._store.clock.now_ms()
                if offline_left == 0 and self._rng.random() < 0.05:
                    offline_left = self._rng.randint(2, 5)
                going_offline = offline_left > 0
                sale = PlannedSale(
                    now,
                    offline_device if going_offline else online_device,
                    basket.draw(),
                    now if going_offline else None,
                )
                order = _ring(self._store, m, items, sale, stamp=False)
                self.sales += 1
                if going_offline:
                    offline_left -= 1
                    if offline_left == 0:
                        offline.reconnect(self._store, m, offline_device)
                elif self._rng.random() < 0.03 and order["paymentState"] == "PAID":
                    orders.refund(self._store, m, order["id"], order["_lines"][:1])
