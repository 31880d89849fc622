"""The control API under /_emulator/ (not Clover): seed, steer and inspect the emulator.

For tests and the demo. It needs no token and is never rate limited, so reading a stock level
here does not disturb a test of the client's throttling. Errors use the same JSON shape as
the Clover routes. Every route is listed in the package README (README.md).
"""

import copy
import time

from flask import Blueprint, current_app, jsonify

from clover_emulator import generator, inventory, merchants, offline, orders
from clover_emulator.auth import issue_static_token, json_body, store_of
from clover_emulator.errors import bad_request, not_found
from clover_emulator.lifecycle import reset_state
from clover_emulator.render import public, render_order
from clover_emulator.settings import merge

bp = Blueprint("clover_emulator_control", __name__, url_prefix="/_emulator")


def _sender():
    return current_app.extensions["clover_emulator_webhooks"]


@bp.post("/reset")
def reset():
    """Everything back to the app's config: merchants, tokens, settings, counters, webhooks."""
    reset_state(current_app._get_current_object())
    return jsonify({})


@bp.get("/health")
def health():
    return jsonify({"ok": True})


@bp.get("/settings")
def get_settings():
    store = store_of()
    with store.lock:
        return jsonify({k: v for k, v in store.settings.items() if k != "merchants"})


@bp.post("/settings")
def set_settings():
    """Partial, deep-merged update: ``{"rate_limits": {"enabled": false}, "webhooks": {...}}``."""
    store = store_of()
    body = json_body()
    if "merchants" in body or "id_seed" in body:
        raise bad_request("merchants and id_seed are set at creation; use /_emulator/merchants")
    with store.lock:
        try:
            store.settings = merge(store.settings, body)
        except ValueError as error:
            raise bad_request(str(error)) from None
        settings = {k: v for k, v in store.settings.items() if k != "merchants"}
    _sender().reconfigured()
    return jsonify(settings)


@bp.post("/merchants")
def create_merchant():
    store = store_of()
    m, spec = merchants.add_merchant(store, json_body())
    with store.lock:
        return jsonify({**merchants.summary(m), "tokens": spec["tokens"]}), 201


@bp.get("/merchants/<merchant_id>")
def get_merchant(merchant_id: str):
    store = store_of()
    with store.lock:
        return jsonify(merchants.summary(store.merchant(merchant_id)))


@bp.post("/merchants/<merchant_id>/reset")
def reset_merchant(merchant_id: str):
    store = store_of()
    m = merchants.reset_merchant(store, merchant_id)
    with store.lock:
        return jsonify(merchants.summary(m))


@bp.post("/merchants/<merchant_id>/settings")
def merchant_settings(merchant_id: str):
    """``{"auto_decrement", "refund_restocks", "offline_stock_merge": "delta"|"absolute", "name"}``"""
    store = store_of()
    body = json_body()
    with store.lock:
        m = store.merchant(merchant_id)
        for key in ("auto_decrement", "refund_restocks"):
            if key in body:
                setattr(m, key, bool(body[key]))
        if "name" in body:
            m.name = str(body["name"])
        if body.get("offline_stock_merge") in ("delta", "absolute"):
            m.offline_stock_merge = body["offline_stock_merge"]
        return jsonify(merchants.summary(m))


@bp.post("/merchants/<merchant_id>/items")
def add_item(merchant_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        item = merchants.add_item(store, m, json_body())
        return jsonify(inventory.render_item(store, m, item, {"itemStock", "categories"})), 201


@bp.post("/merchants/<merchant_id>/items/<item_id>")
def edit_item(merchant_id: str, item_id: str):
    """The merchant edits an item on the dashboard: a partial update, as POST /v3/.../items/{id}."""
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        item = inventory.update_item(store, m, item_id, json_body())
        return jsonify(inventory.render_item(store, m, item, {"itemStock", "categories"}))


@bp.post("/merchants/<merchant_id>/items/<item_id>/delete")
def delete_item(merchant_id: str, item_id: str):
    """The merchant deletes an item on the dashboard (it keeps a deletedTime)."""
    store = store_of()
    with store.lock:
        inventory.delete_item(store, store.merchant(merchant_id), item_id)
    return jsonify({})


@bp.get("/merchants/<merchant_id>/stock")
def all_stock(merchant_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        return jsonify({i: (m.stocks.get(i) or {}).get("quantity") for i in m.items})


@bp.get("/merchants/<merchant_id>/stock/<item_id>")
def one_stock(merchant_id: str, item_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        if item_id not in m.items:
            raise not_found("Item")
        return jsonify({**inventory.render_stock(m, item_id), "available": m.items[item_id]["available"]})


@bp.post("/merchants/<merchant_id>/sales")
def ring_up(merchant_id: str):
    """``{"lines": [{"item_id", "qty" | "unit_qty"} | {"name", "price"}], "device_id", "employee_id",
    "client_created_time", "created_time", "offline", "paid", "tender": "card"|"cash"}``"""
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        order = orders.ring_up(store, m, json_body())
        return jsonify(_order(m, order)), 201


def _order(m, order):
    """Control views show every line (no cut at 100) and whether a device still holds the order."""
    body = render_order(m, order, {"payments", "refunds"})
    body["lineItems"] = {"elements": [public(m.lines[i]) for i in order["_lines"]]}
    body["pending_device"] = order["_pending_device"]
    return body


@bp.get("/merchants/<merchant_id>/orders/<order_id>")
def get_order(merchant_id: str, order_id: str):
    """The whole order, all lines uncut, including one still held by an offline device."""
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        if order_id not in m.orders:
            m.visible_order(order_id)
        return jsonify(_order(m, m.orders[order_id]))


@bp.post("/merchants/<merchant_id>/orders/<order_id>/lines")
def add_lines(merchant_id: str, order_id: str):
    """``{"lines": [...as for sales...]}``: grow an existing order (e.g. to 150 lines)."""
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        order = m.visible_order(order_id)
        for spec in json_body().get("lines") or []:
            for _ in range(int(spec.get("qty", 1))):
                orders.add_line(
                    store,
                    m,
                    order,
                    item_id=spec.get("item_id"),
                    name=spec.get("name"),
                    price=spec.get("price"),
                    unit_qty=spec.get("unit_qty"),
                )
        orders.touch(store, m, order)
        return jsonify(_order(m, order))


@bp.post("/merchants/<merchant_id>/orders/<order_id>/refund")
def refund(merchant_id: str, order_id: str):
    """``{"line_item_ids": [...]}`` (all remaining lines when left out)."""
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        result = orders.refund(store, m, order_id, json_body().get("line_item_ids"))
        return jsonify({"refund": public(result), "order": _order(m, m.orders[order_id])})


@bp.post("/merchants/<merchant_id>/orders/<order_id>/void")
def void(merchant_id: str, order_id: str):
    """``{"line_item_id", "reason"}``"""
    store = store_of()
    body = json_body()
    with store.lock:
        m = store.merchant(merchant_id)
        record = orders.void_line(store, m, order_id, str(body.get("line_item_id")), body.get("reason", ""))
        return jsonify({"voided": record, "order": _order(m, m.orders[order_id])})


@bp.post("/merchants/<merchant_id>/orders/<order_id>/delete")
def delete_order(merchant_id: str, order_id: str):
    """``{"reason"}`` optional: the whole order deleted, as on the device or the dashboard."""
    store = store_of()
    reason = json_body().get("reason", "")
    with store.lock:
        return jsonify({"voided": orders.delete_order(store, store.merchant(merchant_id), order_id, reason)})


@bp.post("/merchants/<merchant_id>/orders/<order_id>/pay")
def pay(merchant_id: str, order_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        orders.pay(store, m, m.visible_order(order_id), json_body().get("tender", "card"))
        return jsonify(_order(m, m.orders[order_id]))


@bp.post("/merchants/<merchant_id>/orders/<order_id>/exchange")
def exchange(merchant_id: str, order_id: str):
    """``{"line_item_id", "item_id", "unit_qty", "reason"}``"""
    store = store_of()
    body = json_body()
    with store.lock:
        m = store.merchant(merchant_id)
        new = orders.exchange(
            store,
            m,
            order_id,
            str(body.get("line_item_id")),
            str(body.get("item_id")),
            body.get("unit_qty"),
            body.get("reason", "Exchange"),
        )
        return jsonify({"new_line_item": public(new), "order": _order(m, m.orders[order_id])})


@bp.post("/merchants/<merchant_id>/orders/<order_id>/fail_payment")
def fail_payment(merchant_id: str, order_id: str):
    """``{"payment_id"}`` optional: by default the order's offline payment."""
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        payment = offline.fail_payment(store, m, order_id, json_body().get("payment_id"))
        return jsonify({"payment": dict(payment), "order": _order(m, m.orders[order_id])})


@bp.post("/merchants/<merchant_id>/devices/<device_id>/reconnect")
def reconnect(merchant_id: str, device_id: str):
    store = store_of()
    with store.lock:
        released = offline.reconnect(store, store.merchant(merchant_id), device_id)
        return jsonify({"orders": [o["id"] for o in released]})


@bp.post("/merchants/<merchant_id>/generate")
def generate(merchant_id: str):
    """``{"seed": 1, "orders": 50 | null, "hours": 13, "start_time": ms, "stamp": "simulated"|"now"}``"""
    store = store_of()
    body = json_body()
    with store.lock:
        m = store.merchant(merchant_id)
    summary = generator.generate(
        store,
        m,
        int(body.get("seed", 0)),
        count=body.get("orders"),
        hours=body.get("hours"),
        start_ms=body.get("start_time"),
        stamp=body.get("stamp", "simulated"),
    )
    return jsonify(summary)


@bp.post("/merchants/<merchant_id>/trading")
def trading(merchant_id: str):
    """``{"every": seconds, "seed": 0}`` starts live trading; ``{"every": null}`` stops it."""
    store = store_of()
    body = json_body()
    with store.lock:
        m = store.merchant(merchant_id)
        old, m.trading = m.trading, None
    if old is not None:
        old.stop()
    if body.get("every"):
        with store.lock:
            m.trading = generator.LiveTrader(
                store, merchant_id, float(body["every"]), int(body.get("seed", 0))
            )
            m.trading.start()
    return jsonify({"trading": bool(body.get("every"))})


@bp.post("/tokens")
def tokens():
    """``{"merchant_id", "token" (optional), "scopes": [...] (optional, default all)}``"""
    body = json_body()
    record = issue_static_token(
        store_of(), str(body.get("merchant_id")), body.get("token"), body.get("scopes")
    )
    return jsonify(
        {"token": record.token, "merchant_id": record.merchant_id, "scopes": sorted(record.scopes)}
    ), 201


@bp.post("/tokens/expire")
def expire_tokens():
    """Every OAuth access token expires now, as if its lifetime had passed (refresh tokens stay).
    Tests of expiry use this rather than a short lifetime and a sleep, which a busy machine
    turns into a token already expired at its first use."""
    store = store_of()
    with store.lock:
        expired = [t for t in store.tokens.values() if t.expires_at is not None]
        for token in expired:
            token.expires_at = time.time() - 1
        return jsonify({"expired": len(expired)})


@bp.post("/force_429")
def force_429():
    """``{"count": N}``: the next N /v3 calls answer 429 whatever the limits."""
    store = store_of()
    with store.lock:
        store.forced_429 = int(json_body().get("count", 1))
        return jsonify({"count": store.forced_429})


@bp.get("/counters")
def counters():
    store = store_of()
    with store.lock:
        live = [t for t in store.tokens.values() if not t.revoked]
        return jsonify(
            {
                "requests_by_path": dict(store.requests_by_path),
                "responses_by_status": {str(k): v for k, v in store.responses_by_status.items()},
                "limited_by": dict(store.limited_by),
                "refreshes": dict(store.refreshes),
                "peaks": copy.deepcopy(store.peaks),
                "tokens": {
                    "access": len(live),
                    "refresh_live": sum(not r.used for r in store.refresh_tokens.values()),
                },
                "webhooks": {"queued": len(store.events), "log": copy.deepcopy(list(_sender().log))},
            }
        )


@bp.post("/counters/reset")
def reset_counters():
    store = store_of()
    with store.lock:
        store.requests_by_path.clear()
        store.responses_by_status.clear()
        store.limited_by.clear()
        store.refreshes.clear()
        store.peaks.clear()
        _sender().log.clear()
    return jsonify({})


@bp.post("/webhooks/flush")
def flush():
    return jsonify(_sender().flush())


@bp.post("/webhooks/verify")
def verify():
    sender = _sender()
    status = sender.verify()
    return jsonify({"status": status, "code": sender.verification_codes[-1] if status is not None else None})
