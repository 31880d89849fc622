"""JSON shapes of orders, line items, payments, refunds and voided lines (clover-api.md 4.5, 4.6),
and the filter fields each of their lists accepts (3.2).

Internal bookkeeping keys start with ``_`` and never leave the emulator. Expanded collections
are ``{"elements": [...]}`` cut at 100 (3.1); unknown expansions are ignored (3.3), so
``expand=voidedLineItems`` adds nothing.
"""

from typing import Any

from clover_emulator.listing import nested
from clover_emulator.state import Merchant


def public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def render_line(line: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    body = public(line)
    if "lineItems.modifications" in expand:
        body["modifications"] = {"elements": []}
    if "lineItems.discounts" in expand:
        body["discounts"] = {"elements": []}
    return body


def render_payment(m: Merchant, payment: dict[str, Any], expand: set[str] = frozenset()) -> dict[str, Any]:
    body = public(payment)
    if "refunds" in expand:
        body["refunds"] = nested(
            [public(r) for r in m.refunds.values() if r["payment"]["id"] == payment["id"]]
        )
    return body


def render_order(m: Merchant, order: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    body = public(order)
    if "lineItems" in expand or any(e.startswith("lineItems.") for e in expand):
        body["lineItems"] = nested([render_line(m.lines[i], expand) for i in order["_lines"]])
    if "payments" in expand:
        body["payments"] = nested([render_payment(m, m.payments[p]) for p in order["_payments"]])
    if "refunds" in expand:
        body["refunds"] = nested([public(m.refunds[r]) for r in order["_refunds"]])
    for empty in ("credits", "voids", "discounts", "customers"):
        if empty in expand:
            body[empty] = {"elements": []}
    return body


def _ref(key: str):
    return lambda o: (o.get(key) or {}).get("id")


def _field(key: str):
    return lambda o: o.get(key)


ORDER_GETTERS = {
    "employee.id": _ref("employee"),
    "note": _field("note"),
    "modifiedTime": _field("modifiedTime"),
    "orderType": _field("orderType"),
    "touched": _field("touched"),
    "cardTransaction.last4": _field("cardTransaction.last4"),
    "manualTransaction": _field("manualTransaction"),
    "employee.name": _field("employee.name"),
    "title": _field("title"),
    "device.id": _ref("device"),
    "externalReferenceId": _field("externalReferenceId"),
    "clientCreatedTime": _field("clientCreatedTime"),
    "total": _field("total"),
    "payType": _field("payType"),
    "testMode": _field("testMode"),
    "createdTime": _field("createdTime"),
    "id": _field("id"),
    "state": _field("state"),
    "deletedTime": _field("deletedTime"),
}

# 4.6 names createdTime and result; the others are a guess at what a poller needs.
PAYMENT_GETTERS = {
    "createdTime": _field("createdTime"),
    "result": _field("result"),
    "modifiedTime": _field("modifiedTime"),
    "clientCreatedTime": _field("clientCreatedTime"),
    "id": _field("id"),
    "order.id": _ref("order"),
    "device.id": _ref("device"),
    "employee.id": _ref("employee"),
    "offline": _field("offline"),
    "amount": _field("amount"),
}

REFUND_GETTERS = {
    "createdTime": _field("createdTime"),
    "clientCreatedTime": _field("clientCreatedTime"),
    "id": _field("id"),
    "payment.id": _ref("payment"),
    "orderRef.id": _ref("orderRef"),
    "amount": _field("amount"),
    "voided": _field("voided"),
}

LINE_GETTERS = {
    "id": _field("id"),
    "item.id": _ref("item"),
    "createdTime": _field("createdTime"),
    "refunded": _field("refunded"),
    "exchanged": _field("exchanged"),
    "name": _field("name"),
}

VOIDED_GETTERS = {
    "deletedTime": _field("deletedTime"),
    "clientEventType": _field("clientEventType"),
    "reason": _field("reason"),
    "lineItem.id": lambda v: v["lineItem"]["id"],
    "orderRef.id": lambda v: (v["lineItem"].get("orderRef") or {}).get("id"),
    "deleteType": _field("deleteType"),
}
