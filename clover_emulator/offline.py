"""Offline devices (clover-api.md 7.2 and 8.8).

A Clover device keeps selling without a network. Its orders, payments and stock changes reach
the cloud only when it reconnects: then they appear with fresh ``createdTime`` and
``modifiedTime`` but the old ``clientCreatedTime``. An offline card payment can fail later, and
the sale we counted must be reversed. How the device's stock decrements are merged is unknown
(4.3), so it is the merchant setting ``offline_stock_merge``. Callers hold ``store.lock``.
"""

from collections import Counter
from typing import Any

from clover_emulator import inventory, orders
from clover_emulator.errors import not_found
from clover_emulator.state import Merchant, Store


def reconnect(store: Store, m: Merchant, device_id: str, at: int | None = None) -> list[dict[str, Any]]:
    """Release the device's orders, now (or at a simulated ``at``), and merge its stock changes."""
    released = [o for o in m.orders.values() if o["_pending_device"] == device_id]
    # Unconfirmed (fidelity row 5): the cloud may stamp the upload, or keep the device's times.
    restamp = store.settings["fidelity"]["offline_modified_time"] == "server"
    for index, order in enumerate(released):
        now = at + index if at else store.clock.now_ms()
        order["_pending_device"] = None
        if restamp:
            order["createdTime"] = order["modifiedTime"] = now
        store.emit(m.id, "O", order["id"], "CREATE", now)
        for payment_id in order["_payments"]:
            payment = m.payments[payment_id]
            if restamp:
                payment["createdTime"] = payment["modifiedTime"] = now
            store.emit(m.id, "P", payment_id, "CREATE", now)
    view = m.device_views.pop(device_id, {})
    if m.offline_stock_merge == "delta":
        for order in released:
            orders.sell(store, m, order)
        return released
    sold: Counter[str] = Counter()
    for order in released:
        for line_id in order["_lines"]:
            line = m.lines[line_id]
            item_id = (line.get("item") or {}).get("id")
            if item_id is not None:
                line["_sold"] = m.auto_decrement
                sold[item_id] += orders.units(line)
    for item_id, known in view.items():
        inventory.overwrite_from_device(store, m, item_id, known - sold[item_id])
    return released


def fail_payment(store: Store, m: Merchant, order_id: str, payment_id: str | None = None) -> dict[str, Any]:
    """An offline card payment declined once the device syncs: result FAIL, order back to OPEN."""
    order = m.visible_order(order_id)
    candidates = [p for p in order["_payments"] if payment_id in (None, p)]
    offline = [p for p in candidates if m.payments[p]["offline"]]
    chosen = (offline or candidates)[:1]
    if not chosen:
        raise not_found("Payment")
    payment = m.payments[chosen[0]]
    payment["result"] = "FAIL"
    payment["modifiedTime"] = store.clock.now_ms()
    store.emit(m.id, "P", payment["id"], "UPDATE", payment["modifiedTime"])
    order["state"] = "open"
    orders.touch(store, m, order)
    return payment
