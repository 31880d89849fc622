"""Orders, line items, payments, refunds and voided lines under /v3/merchants/{mId}
(clover-api.md 4.5, 4.6). Nested under v3.bp, so the auth and rate-limit guard applies.

Reproduces: the 90-day rules of 3.2 (orders: only when the filter uses one of the listed
fields; payments and refunds: always, narrowed to the most recent 90 days of the range);
``/orders/{id}/line_items`` paginated where ``expand=lineItems`` stops at 100; deleting a line
moves it to the merchant-level ``/voided_line_items``, and so does deleting a whole order
(``DELETE /orders/{id}``; the order answers 404 after); 405 for PUT/PATCH on line items and for
``/orders/{id}/voided_line_items`` (observed in the community audit). Orders still held by an
offline device do not exist for the API until the device reconnects.
"""

from flask import Blueprint, jsonify, request

from clover_emulator import orders
from clover_emulator.auth import json_body, requires, store_of
from clover_emulator.errors import CloverError, not_found
from clover_emulator.listing import (
    list_objects,
    orders_ninety_day_floor,
    parse_expand,
    payments_ninety_day_floor,
)
from clover_emulator.render import (
    LINE_GETTERS,
    ORDER_GETTERS,
    PAYMENT_GETTERS,
    REFUND_GETTERS,
    VOIDED_GETTERS,
    public,
    render_line,
    render_order,
    render_payment,
)

bp = Blueprint("orders", __name__)


def _floor(kind: str):
    store = store_of()

    def floor(conditions):
        if not store.settings["ninety_day_rule"]:
            return None
        now = store.clock.now_ms()
        if kind == "orders":
            return orders_ninety_day_floor(conditions, now)
        return payments_ninety_day_floor(conditions, now)

    return floor


@bp.get("/orders")
@requires("ORDERS_R")
def list_orders(merchant_id: str):
    store = store_of()
    expand = parse_expand(request)
    with store.lock:
        m = store.merchant(merchant_id)
        visible = [o for o in m.orders.values() if not o["_pending_device"]]
        return list_objects(
            request, visible, ORDER_GETTERS, lambda o: render_order(m, o, expand), floor=_floor("orders")
        )


@bp.post("/orders")
@requires("ORDERS_W")
def create_order(merchant_id: str):
    store = store_of()
    body = json_body()
    with store.lock:
        m = store.merchant(merchant_id)
        fields = {k: body[k] for k in ("state", "title", "note", "externalReferenceId") if k in body}
        order = orders.new_order(
            store,
            m,
            employee_id=(body.get("employee") or {}).get("id"),
            client_created_time=body.get("clientCreatedTime"),
            **fields,
        )
        return jsonify(render_order(m, order, set()))


@bp.get("/orders/<order_id>")
@requires("ORDERS_R")
def get_order(merchant_id: str, order_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        return jsonify(render_order(m, m.visible_order(order_id), parse_expand(request)))


@bp.post("/orders/<order_id>")
@requires("ORDERS_W")
def update_order(merchant_id: str, order_id: str):
    store = store_of()
    body = json_body()
    with store.lock:
        m = store.merchant(merchant_id)
        order = m.visible_order(order_id)
        for key in ("state", "title", "note", "externalReferenceId"):
            if key in body:
                order[key] = body[key]
        orders.touch(store, m, order)
        if isinstance(body.get("total"), int):  # devices compute total; Clover stores what it is sent
            order["total"] = body["total"]
        return jsonify(render_order(m, order, set()))


@bp.delete("/orders/<order_id>")
@requires("ORDERS_W")
def delete_order(merchant_id: str, order_id: str):
    store = store_of()
    with store.lock:
        orders.delete_order(store, store.merchant(merchant_id), order_id, request.args.get("reason", ""))
    return jsonify({})


@bp.get("/orders/<order_id>/line_items")
@requires("ORDERS_R")
def list_lines(merchant_id: str, order_id: str):
    store = store_of()
    expand = parse_expand(request)
    with store.lock:
        m = store.merchant(merchant_id)
        order = m.visible_order(order_id)
        lines = [m.lines[i] for i in order["_lines"]]
        return list_objects(
            request, lines, LINE_GETTERS, lambda x: render_line(x, expand), default_order=None
        )


@bp.post("/orders/<order_id>/line_items")
@requires("ORDERS_W")
def add_line(merchant_id: str, order_id: str):
    store = store_of()
    body = json_body()
    with store.lock:
        m = store.merchant(merchant_id)
        order = m.visible_order(order_id)
        line = orders.add_line(
            store,
            m,
            order,
            item_id=(body.get("item") or {}).get("id"),
            name=body.get("name"),
            price=body.get("price"),
            unit_qty=body.get("unitQty"),
        )
        if body.get("note"):
            line["note"] = body["note"]
        orders.touch(store, m, order)
        return jsonify(render_line(line, set()))


@bp.get("/orders/<order_id>/line_items/<line_id>")
@requires("ORDERS_R")
def get_line(merchant_id: str, order_id: str, line_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        if line_id not in m.visible_order(order_id)["_lines"]:
            raise not_found("Line item")
        return jsonify(render_line(m.lines[line_id], parse_expand(request)))


@bp.delete("/orders/<order_id>/line_items/<line_id>")
@requires("ORDERS_W")
def delete_line(merchant_id: str, order_id: str, line_id: str):
    store = store_of()
    with store.lock:
        orders.void_line(
            store, store.merchant(merchant_id), order_id, line_id, request.args.get("reason", "")
        )
    return jsonify({})


@bp.route("/orders/<order_id>/line_items", methods=["PUT", "PATCH"])
@bp.route("/orders/<order_id>/line_items/<line_id>", methods=["PUT", "PATCH"])
@bp.route("/orders/<order_id>/voided_line_items", methods=["GET"])
@requires("ORDERS_R")
def not_allowed(merchant_id: str, order_id: str, line_id: str | None = None):
    raise CloverError(405, "Method Not Allowed", f"{request.method} is not supported on this resource")


@bp.get("/voided_line_items")
@requires("ORDERS_R")
def list_voided(merchant_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        # Whether Clover honours orderBy here is unconfirmed (fidelity row 3): when it does not,
        # every page comes newest first, whatever was asked.
        honoured = store.settings["fidelity"]["voided_order_by"]
        return list_objects(request, list(m.voided), VOIDED_GETTERS, public, default_order="deletedTime DESC",
                            order_by_honoured=honoured)


def _payments(m, payments, expand):
    return list_objects(
        request, payments, PAYMENT_GETTERS, lambda p: render_payment(m, p, expand), floor=_floor("payments")
    )


@bp.get("/payments")
@requires("PAYMENTS_R")
def list_payments(merchant_id: str):
    store = store_of()
    expand = parse_expand(request)
    with store.lock:
        m = store.merchant(merchant_id)
        return _payments(m, [p for p in m.payments.values() if m.is_visible(p["order"]["id"])], expand)


@bp.get("/orders/<order_id>/payments")
@requires("PAYMENTS_R")
def order_payments(merchant_id: str, order_id: str):
    store = store_of()
    expand = parse_expand(request)
    with store.lock:
        m = store.merchant(merchant_id)
        order = m.visible_order(order_id)
        return _payments(m, [m.payments[p] for p in order["_payments"]], expand)


@bp.get("/payments/<payment_id>")
@requires("PAYMENTS_R")
def get_payment(merchant_id: str, payment_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        payment = m.payments.get(payment_id)
        if payment is None or not m.is_visible(payment["order"]["id"]):
            raise not_found("Payment")
        return jsonify(render_payment(m, payment, parse_expand(request)))


@bp.get("/refunds")
@requires("PAYMENTS_R")
def list_refunds(merchant_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        return list_objects(
            request, list(m.refunds.values()), REFUND_GETTERS, public, floor=_floor("refunds")
        )


@bp.get("/refunds/<refund_id>")
@requires("PAYMENTS_R")
def get_refund(merchant_id: str, refund_id: str):
    store = store_of()
    with store.lock:
        refund = store.merchant(merchant_id).refunds.get(refund_id)
        if refund is None:
            raise not_found("Refund")
        return jsonify(public(refund))
