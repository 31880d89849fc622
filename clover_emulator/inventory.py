"""Items, item stocks and categories of the fake merchant (clover-api.md 4.2, 4.3, 4.4).

Reproduces: POST-partial item updates and PUT needing name and price; deletes that keep a
``deletedTime`` (listable with ``filter=deleted=true``); the deprecated item-level
``stockCount`` that reads 0; ``item_stocks`` as an absolute set of a double ``quantity`` with
``stockCount = round(quantity)`` half up (160.5 -> 161), negatives allowed, and a never-set
record that reads ``{"item": {"id"}}``; the auto-decrement switch and ``autoManage``
availability that flips at 0 and 1 and fires an ``I:`` webhook.
Callers hold ``store.lock``.
"""

import math
from typing import Any

from clover_emulator.errors import bad_request, not_found
from clover_emulator.state import Merchant, Store

PRICE_TYPES = ("FIXED", "VARIABLE", "PER_UNIT")
_STRINGS = ("name", "alternateName", "code", "sku", "unitName", "colorCode")
_INTS = ("price", "cost", "priceWithoutVat")
_BOOLS = ("isRevenue", "hidden", "available", "autoManage", "defaultTaxRates")


def _checked_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key in _STRINGS and (value is None or isinstance(value, str)):
            fields[key] = value or ""
        elif (
            key in _INTS
            and isinstance(value, int)
            and not isinstance(value, bool)
            or key in _BOOLS
            and isinstance(value, bool)
            or key == "priceType"
            and value in PRICE_TYPES
        ):
            fields[key] = value
        elif key in _STRINGS + _INTS + _BOOLS + ("priceType",):
            raise bad_request(f"invalid value for {key}")
        # Other fields (stockCount, itemStock, categories...) are ignored: stock changes only
        # through item_stocks (4.3), links through their own endpoints (4.4).
    return fields


def create_item(
    store: Store, m: Merchant, data: dict[str, Any], item_id: str | None = None
) -> dict[str, Any]:
    fields = _checked_fields(data)
    if not fields.get("name") or "price" not in fields:
        raise bad_request("name and price are required")
    now = store.clock.now_ms()
    item = {
        "id": item_id or store.ids.clover_id(),
        "name": "",
        "alternateName": "",
        "code": "",
        "sku": "",
        "price": 0,
        "priceType": "FIXED",
        "cost": 0,
        "unitName": "",
        "isRevenue": True,
        "hidden": False,
        "available": True,
        "autoManage": False,
        "defaultTaxRates": True,
        "stockCount": 0,
        "modifiedTime": now,
    }
    item.update(fields)
    m.items[item["id"]] = item
    store.emit(m.id, "I", item["id"], "CREATE", now)
    return item


def update_item(store: Store, m: Merchant, item_id: str, data: dict[str, Any], replace: bool = False):
    item = m.item(item_id)
    fields = _checked_fields(data)
    if replace and (not fields.get("name") or "price" not in fields):
        raise bad_request("PUT needs name and price")  # observed in the sandbox audit (4.2)
    item.update(fields)
    item["modifiedTime"] = store.clock.now_ms()
    store.emit(m.id, "I", item_id, "UPDATE", item["modifiedTime"])
    return item


def delete_item(store: Store, m: Merchant, item_id: str) -> None:
    item = m.item(item_id)
    item["deletedTime"] = item["modifiedTime"] = store.clock.now_ms()
    store.emit(m.id, "I", item_id, "DELETE", item["deletedTime"])


def half_up(value: float) -> int:
    """Round half up, as Clover's (Java) stockCount does: 160.5 -> 161, -0.5 -> 0."""
    return math.floor(value + 0.5)


def render_stock(m: Merchant, item_id: str) -> dict[str, Any]:
    record = m.stocks.get(item_id)
    if record is None:
        return {"item": {"id": item_id}}  # never set: observed shape (4.3)
    return {
        "item": {"id": item_id},
        "stockCount": half_up(record["quantity"]),
        "quantity": float(record["quantity"]),
        "modifiedTime": record["modifiedTime"],
    }


def _follow_stock(store: Store, m: Merchant, item: dict[str, Any], quantity: float) -> None:
    """autoManage items go unavailable at 0 and available again at 1 (4.3)."""
    if not (m.auto_decrement and item.get("autoManage")):
        return
    wanted = False if quantity <= 0 else True if quantity >= 1 else item["available"]
    if wanted != item["available"]:
        item["available"] = wanted
        item["modifiedTime"] = store.clock.now_ms()
        store.emit(m.id, "I", item["id"], "UPDATE", item["modifiedTime"])
    elif store.settings["webhooks"]["stock_change_events"]:
        store.emit(m.id, "I", item["id"], "UPDATE")


def set_stock(store: Store, m: Merchant, item_id: str, data: Any) -> dict[str, Any]:
    item = m.item(item_id)
    quantity = data.get("quantity") if isinstance(data, dict) else None
    if isinstance(quantity, bool) or not isinstance(quantity, int | float) or not math.isfinite(quantity):
        raise bad_request("quantity must be a number")
    m.stocks[item_id] = {"quantity": float(quantity), "modifiedTime": store.clock.now_ms()}
    _follow_stock(store, m, item, float(quantity))
    return render_stock(m, item_id)


def delete_stock(store: Store, m: Merchant, item_id: str) -> None:
    m.item(item_id)
    m.stocks.pop(item_id, None)


def change_stock(store: Store, m: Merchant, item_id: str | None, delta: float) -> None:
    """A sale (negative) or restock (positive) applied by Clover itself, only with auto-decrement."""
    if not m.auto_decrement or item_id not in m.items or m.items[item_id].get("deletedTime"):
        return
    record = m.stocks.setdefault(item_id, {"quantity": 0.0, "modifiedTime": 0})
    record["quantity"] = round(record["quantity"] + delta, 6)
    record["modifiedTime"] = store.clock.now_ms()
    _follow_stock(store, m, m.items[item_id], record["quantity"])


def remember_device_view(m: Merchant, device_id: str, item_ids: list[str | None]) -> None:
    """What an offline device last knew of each item's stock (for ``offline_stock_merge``)."""
    view = m.device_views.setdefault(device_id, {})
    for item_id in item_ids:
        if item_id is not None and item_id not in view:
            view[item_id] = (m.stocks.get(item_id) or {}).get("quantity", 0.0)


def overwrite_from_device(store: Store, m: Merchant, item_id: str, quantity: float) -> None:
    """An offline device's own count replaces the cloud's (the "absolute" merge, 4.3 unsure)."""
    if m.auto_decrement and item_id in m.items:
        change_stock(store, m, item_id, quantity - (m.stocks.get(item_id) or {}).get("quantity", 0.0))


def create_category(store: Store, m: Merchant, data: dict[str, Any]) -> dict[str, Any]:
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise bad_request("name is required")
    category = {
        "id": store.ids.clover_id(),
        "name": name,
        "sortOrder": int(data.get("sortOrder") or 0),
        "deleted": False,
        "colorCode": data.get("colorCode") or "",
        "modifiedTime": store.clock.now_ms(),
    }
    m.categories[category["id"]] = category
    store.emit(m.id, "IC", category["id"], "CREATE", category["modifiedTime"])
    return category


def link_category(m: Merchant, item_id: str, category_id: str) -> None:
    if category_id not in m.categories:
        raise not_found("Category")
    links = m.item_categories.setdefault(item_id, [])
    if category_id not in links:
        links.append(category_id)


def category_items(m: Merchant, category_id: str) -> list[dict[str, Any]]:
    if category_id not in m.categories:
        raise not_found("Category")
    return [i for i in m.items.values() if category_id in m.item_categories.get(i["id"], [])]


def render_item(store: Store, m: Merchant, item: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    body = dict(item)
    if "itemStock" in expand:
        stock = render_stock(m, item["id"])
        if len(stock) > 1 or store.settings["unset_stock_in_item_expand"] == "item_ref":
            body["itemStock"] = stock
    if "categories" in expand:
        cats = [m.categories[c] for c in m.item_categories.get(item["id"], [])]
        body["categories"] = {"elements": [dict(c) for c in cats][:100]}
    if "tags" in expand:
        tags = [m.tags[t] for t in m.item_tags.get(item["id"], [])]
        body["tags"] = {"elements": [dict(t) for t in tags][:100]}
    return body


def item_getters(m: Merchant) -> dict[str, Any]:
    """Filter fields of the items list (3.2), plus ``categoryId`` which 3.2's example uses."""
    return {
        "modifiedTime": lambda i: i["modifiedTime"],
        "hidden": lambda i: i["hidden"],
        "itemCode": lambda i: i["code"],
        "available": lambda i: i["available"],
        "option.id": lambda i: None,
        "modifierGroup.id": lambda i: None,
        "autoManage": lambda i: i["autoManage"],
        "price": lambda i: i["price"],
        "id": lambda i: i["id"],
        "sku": lambda i: i["sku"],
        "defaultTaxRates": lambda i: i["defaultTaxRates"],
        "tags.id": lambda i: m.item_tags.get(i["id"], []),
        "alternateName": lambda i: i["alternateName"],
        "isRevenue": lambda i: i["isRevenue"],
        "tags.name": lambda i: [m.tags[t]["name"] for t in m.item_tags.get(i["id"], [])],
        "deleted": lambda i: bool(i.get("deletedTime")),
        "item.id": lambda i: i["id"],
        "name": lambda i: i["name"],
        "itemStock.quantity": lambda i: m.stocks[i["id"]]["quantity"] if i["id"] in m.stocks else None,
        "itemGroup.id": lambda i: None,
        "categoryId": lambda i: m.item_categories.get(i["id"], []),
    }


CATEGORY_GETTERS = {
    name: (lambda key: lambda c: c[key])(name)
    for name in ("modifiedTime", "deleted", "sortOrder", "name", "colorCode", "id")
}
