"""Orders, line items, payments, refunds and voids of the fake merchant (clover-api.md 4.5, 4.6, 7).

Reproduces: one line item per unit, ``unitQty`` in thousandths for PER_UNIT items, a total
consistent with the lines, ``paymentState`` following payments and refunds, refunds as
separate positive objects that mark their lines ``refunded``, deleted lines moved to
``voided_line_items``, exchanges (``exchanged`` + ``exchangedLineItem``), a ``modifiedTime``
bump on every change, and Clover's own stock decrement when auto-decrement is on. Orders rung
up offline are held by their device; offline.py releases them.
Callers hold ``store.lock``.
"""

from typing import Any

from clover_emulator import inventory
from clover_emulator.errors import bad_request, not_found
from clover_emulator.state import Merchant, Store

MAX_LINES = 3000
TENDERS = {"card": "Credit Card", "cash": "Cash"}


def line_value(line: dict[str, Any]) -> int:
    """price x unitQty / 1000 for weighed lines; the rounding (half up) is not confirmed (4.5)."""
    if line.get("unitQty") is None:
        return line["price"]
    return (line["price"] * line["unitQty"] + 500) // 1000


def units(line: dict[str, Any]) -> float:
    return 1.0 if line.get("unitQty") is None else line["unitQty"] / 1000


def _item_ref(line: dict[str, Any]) -> str | None:
    return (line.get("item") or {}).get("id")


def new_order(
    store: Store,
    m: Merchant,
    *,
    device_id: str | None = None,
    employee_id: str | None = None,
    client_created_time: int | None = None,
    created_time: int | None = None,
    pending: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    now = created_time or store.clock.now_ms()
    order = {
        "id": store.ids.clover_id(),
        "currency": m.currency,
        "total": 0,
        "paymentState": "OPEN",
        "state": fields.get("state", "open"),
        "payType": "FULL",
        "manualTransaction": False,
        "testMode": False,
        "taxRemoved": False,
        "isVat": False,
        "title": fields.get("title", ""),
        "note": fields.get("note", ""),
        "externalReferenceId": fields.get("externalReferenceId", ""),
        "createdTime": now,
        "clientCreatedTime": client_created_time or now,
        "modifiedTime": now,
        "_pending_device": device_id if pending else None,
        "_lines": [],
        "_payments": [],
        "_refunds": [],
    }
    if employee_id:
        order["employee"] = {"id": employee_id}
    if device_id:
        order["device"] = {"id": device_id}
    m.orders[order["id"]] = order
    if not pending:
        store.emit(m.id, "O", order["id"], "CREATE", now)
    return order


def add_line(
    store: Store,
    m: Merchant,
    order: dict[str, Any],
    *,
    item_id: str | None = None,
    name: str | None = None,
    price: int | None = None,
    unit_qty: int | None = None,
    at: int | None = None,
) -> dict[str, Any]:
    if len(order["_lines"]) >= MAX_LINES:
        raise bad_request(f"an order holds at most {MAX_LINES} line items")
    item = m.item(item_id) if item_id else None
    if item is None and (not name or price is None):
        raise bad_request("a custom line needs name and price")
    line = {
        "id": store.ids.clover_id(),
        "orderRef": {"id": order["id"]},
        "name": name or item["name"],
        "alternateName": item["alternateName"] if item else "",
        "itemCode": item["code"] if item else "",
        "price": price if price is not None else item["price"],
        "isRevenue": item["isRevenue"] if item else True,
        "refunded": False,
        "exchanged": False,
        "printed": False,
        "hidden": False,
        "isOrderFee": False,
        "createdTime": at or store.clock.now_ms(),
        "orderClientCreatedTime": order["clientCreatedTime"],
    }
    if item is not None:
        line["item"] = {"id": item["id"]}
        if item["priceType"] == "PER_UNIT":
            line["unitQty"] = unit_qty if unit_qty is not None else 1000
            line["unitName"] = item["unitName"]
    elif unit_qty is not None:
        line["unitQty"] = unit_qty
    m.lines[line["id"]] = line
    order["_lines"].append(line["id"])
    return line


def recompute(m: Merchant, order: dict[str, Any]) -> None:
    """total from the lines (exchanged-away lines excluded); paymentState from money moved."""
    lines = [m.lines[i] for i in order["_lines"]]
    order["total"] = sum(line_value(x) for x in lines if not x["exchanged"])
    paid = sum(m.payments[p]["amount"] for p in order["_payments"] if m.payments[p]["result"] == "SUCCESS")
    refunded = sum(m.refunds[r]["amount"] for r in order["_refunds"] if not m.refunds[r]["voided"])
    if refunded > 0:
        order["paymentState"] = "REFUNDED" if refunded >= paid else "PARTIALLY_REFUNDED"
    elif paid <= 0:
        order["paymentState"] = "OPEN"
    else:
        order["paymentState"] = "PAID" if paid >= order["total"] else "PARTIALLY_PAID"


def touch(store: Store, m: Merchant, order: dict[str, Any], at: int | None = None) -> None:
    """Every change bumps modifiedTime (8.8) and, once the cloud sees the order, fires O: UPDATE."""
    recompute(m, order)
    order["modifiedTime"] = max(at or store.clock.now_ms(), order["modifiedTime"] + 1)
    if not order["_pending_device"]:
        store.emit(m.id, "O", order["id"], "UPDATE", order["modifiedTime"])


def add_payment(
    store: Store,
    m: Merchant,
    order: dict[str, Any],
    amount: int,
    *,
    tender: str = "card",
    offline: bool = False,
    at: int | None = None,
) -> dict[str, Any]:
    label = TENDERS.get(tender, tender)
    tender_id = m.tenders.setdefault(label, store.ids.clover_id())
    now = at or store.clock.now_ms()
    payment = {
        "id": store.ids.clover_id(),
        "order": {"id": order["id"]},
        "tender": {"id": tender_id, "label": label},
        "amount": amount,
        "taxAmount": 0,
        "tipAmount": 0,
        "cashbackAmount": 0,
        "result": "SUCCESS",
        "offline": offline,
        "createdTime": now,
        "clientCreatedTime": order["clientCreatedTime"] if offline else now,
        "modifiedTime": now,
    }
    for key in ("device", "employee"):
        if key in order:
            payment[key] = dict(order[key])
    m.payments[payment["id"]] = payment
    order["_payments"].append(payment["id"])
    if not order["_pending_device"]:
        store.emit(m.id, "P", payment["id"], "CREATE", now)
    return payment


def sell(store: Store, m: Merchant, order: dict[str, Any]) -> None:
    for line_id in order["_lines"]:
        _take(store, m, m.lines[line_id])


def _take(store: Store, m: Merchant, line: dict[str, Any]) -> None:
    """Clover's own decrement for a sold line; remembered so a void can put it back."""
    if m.auto_decrement:
        line["_sold"] = True
        inventory.change_stock(store, m, _item_ref(line), -units(line))


def ring_up(store: Store, m: Merchant, spec: dict[str, Any]) -> dict[str, Any]:
    """A sale on a device: lines ``[{item_id, qty | unit_qty}]`` or custom ``{name, price}``."""
    for line_spec in spec.get("lines") or []:  # check everything first: a refused sale leaves no trace
        if line_spec.get("item_id"):
            m.item(line_spec["item_id"])
        elif not line_spec.get("name") or not isinstance(line_spec.get("price"), int):
            raise bad_request("a line needs item_id, or name and price")
        qty = line_spec.get("qty", 1)
        if line_spec.get("unit_qty") is None and (
            not isinstance(qty, int) or isinstance(qty, bool) or qty < 1
        ):
            raise bad_request("qty must be a positive integer (one line item per unit)")
    offline = bool(spec.get("offline"))
    device_id = spec.get("device_id") or (store.ids.uuid() if offline else None)
    at = spec.get("created_time")
    order = new_order(
        store,
        m,
        device_id=device_id,
        employee_id=spec.get("employee_id"),
        pending=offline,
        client_created_time=spec.get("client_created_time") or at,
        created_time=at,
        title=spec.get("title", ""),
        note=spec.get("note", ""),
    )
    for line_spec in spec.get("lines") or []:
        qty = 1 if line_spec.get("unit_qty") is not None else line_spec.get("qty", 1)
        for _ in range(qty):
            add_line(
                store,
                m,
                order,
                item_id=line_spec.get("item_id"),
                name=line_spec.get("name"),
                price=line_spec.get("price"),
                unit_qty=line_spec.get("unit_qty"),
                at=order["createdTime"],
            )
    recompute(m, order)
    if spec.get("paid", True) and order["total"] > 0:
        add_payment(
            store,
            m,
            order,
            order["total"],
            tender=spec.get("tender", "card"),
            offline=offline,
            at=order["createdTime"],
        )
        order["state"] = "locked"
        recompute(m, order)
    if offline:
        inventory.remember_device_view(m, device_id, [_item_ref(m.lines[i]) for i in order["_lines"]])
    else:
        sell(store, m, order)
    return order


def pay(store: Store, m: Merchant, order: dict[str, Any], tender: str = "card") -> dict[str, Any] | None:
    """Pay what is still owed on an order (used after voiding lines before payment)."""
    recompute(m, order)
    paid = sum(m.payments[p]["amount"] for p in order["_payments"] if m.payments[p]["result"] == "SUCCESS")
    if order["total"] <= paid:
        return None
    payment = add_payment(store, m, order, order["total"] - paid, tender=tender)
    order["state"] = "locked"
    touch(store, m, order)
    return payment


def _lines_of(m: Merchant, order: dict[str, Any], line_ids: list[str] | None) -> list[dict[str, Any]]:
    ids = line_ids if line_ids is not None else list(order["_lines"])
    for line_id in ids:
        if line_id not in order["_lines"]:
            raise not_found("Line item")
    return [m.lines[i] for i in ids]


def _restock(store: Store, m: Merchant, line: dict[str, Any]) -> None:
    if m.refund_restocks:
        inventory.change_stock(store, m, _item_ref(line), units(line))


def _new_refund(
    store: Store, m: Merchant, order: dict[str, Any], amount: int, lines: list[dict[str, Any]]
) -> dict[str, Any]:
    paid = [p for p in order["_payments"] if m.payments[p]["result"] == "SUCCESS"]
    if not paid:
        raise bad_request("the order has no successful payment to refund")
    now = store.clock.now_ms()
    refund = {
        "id": store.ids.clover_id(),
        "orderRef": {"id": order["id"]},
        "payment": {"id": paid[0]},
        "amount": amount,
        "taxAmount": 0,
        "tipAmount": 0,
        "createdTime": now,
        "clientCreatedTime": now,
        "voided": False,
        "status": "SUCCESS",
        "lineItems": _refs(store, [{"id": x["id"]} for x in lines]),
    }
    m.refunds[refund["id"]] = refund
    order["_refunds"].append(refund["id"])
    store.emit(m.id, "P", paid[0], "UPDATE", now)
    return refund


def _refs(store: Store, refs: list[dict[str, str]]) -> Any:
    """A refund's lineItems: wrapped as Clover wraps collections, or the SDK's bare list (fidelity row 4)."""
    return refs if store.settings["fidelity"]["refund_line_items"] == "list" else {"elements": refs}


def refund(store: Store, m: Merchant, order_id: str, line_ids: list[str] | None = None) -> dict[str, Any]:
    """A return: a separate refund object; the lines stay on the order with ``refunded: true``."""
    order = m.visible_order(order_id)
    lines = [x for x in _lines_of(m, order, line_ids) if not (x["refunded"] or x["exchanged"])]
    if not lines:
        raise bad_request("nothing left to refund")
    result = _new_refund(store, m, order, sum(line_value(x) for x in lines), lines)
    for line in lines:
        line["refunded"] = True
        line["refund"] = {"id": result["id"]}
        _restock(store, m, line)
    touch(store, m, order)
    return result


def void_line(store: Store, m: Merchant, order_id: str, line_id: str, reason: str = "") -> dict[str, Any]:
    """A deleted line leaves the order and is listed under /voided_line_items (4.5)."""
    order = m.visible_order(order_id)
    line = _lines_of(m, order, [line_id])[0]
    record = _remove_line(store, m, order, line, reason or "Removed", "LINE_ITEM", store.clock.now_ms())
    m.voided.append(record)
    touch(store, m, order)
    return record


def _remove_line(
    store: Store, m: Merchant, order: dict[str, Any], line: dict[str, Any], reason: str, delete_type: str,
    now: int,
) -> dict[str, Any]:
    """The voided record of a line taken off its order. ``deleteType`` tells a line delete from an
    order delete (its values are not documented; these are ours). The SDK's VoidedLineItem has no
    order reference, and whether its lineItem keeps ``orderRef`` is unconfirmed (fidelity row 1)."""
    order["_lines"].remove(line["id"])
    del m.lines[line["id"]]
    body = {k: v for k, v in line.items() if not k.startswith("_")}
    if not store.settings["fidelity"]["voided_order_ref"]:
        body.pop("orderRef", None)
    record = {
        "lineItem": body,
        "reason": reason,
        "deletedTime": now,
        "deleteType": delete_type,
        "clientEventType": "DELETED_LINE_ITEM",
        "approvedBy": None,
    }
    if "employee" in order:
        record["removedBy"] = dict(order["employee"])
    if line.get("_sold"):  # Clover had counted the unit as sold; removing the line undoes it
        inventory.change_stock(store, m, _item_ref(line), units(line))
    return record


def delete_order(store: Store, m: Merchant, order_id: str, reason: str = "") -> list[dict[str, Any]]:
    """A whole order deleted (DELETE /orders/{id}): it is gone (404 from now on), an ``O:`` DELETE
    event fires, and its lines are listed as voided with ``deleteType`` ORDER, unless the setting
    ``fidelity.order_delete_voids`` says Clover lists nothing for an order delete (row 2)."""
    order = m.visible_order(order_id)
    now = max(store.clock.now_ms(), order["modifiedTime"] + 1)
    records = [
        _remove_line(store, m, order, m.lines[line_id], reason or "Order deleted", "ORDER", now)
        for line_id in list(order["_lines"])
    ]
    if store.settings["fidelity"]["order_delete_voids"]:
        m.voided.extend(records)
    del m.orders[order_id]
    store.emit(m.id, "O", order_id, "DELETE", now)
    return records


def exchange(
    store: Store,
    m: Merchant,
    order_id: str,
    line_id: str,
    item_id: str,
    unit_qty: int | None = None,
    reason: str = "Exchange",
) -> dict[str, Any]:
    """The old line is marked exchanged and linked to a new line; the price difference moves."""
    order = m.visible_order(order_id)
    old = _lines_of(m, order, [line_id])[0]
    if old["refunded"] or old["exchanged"]:
        raise bad_request("line already refunded or exchanged")
    new = add_line(store, m, order, item_id=item_id, unit_qty=unit_qty)
    old["exchanged"] = True
    old["exchangedLineItem"] = {"id": new["id"]}
    old["lineItemStatusReason"] = reason
    difference = line_value(new) - line_value(old)
    if difference > 0:
        add_payment(store, m, order, difference)
    elif difference < 0:
        _new_refund(store, m, order, -difference, [])
    _restock(store, m, old)
    _take(store, m, new)
    touch(store, m, order)
    return new
