"""Seeding a fake merchant from a plain spec (settings.MERCHANT_DEFAULTS), for config and control.

An item spec: ``{"name", "price", "code", "sku", "cost", "priceType", "unitName", "quantity",
"hidden", "autoManage", "available", "categories": [names], "id"}``. ``quantity`` sets the
item_stocks record; leaving it out leaves the record never-set (clover-api.md 4.3). Generated ids
are written back into the kept spec, so a reset restores the same ids.
"""

import copy
from typing import Any

from clover_emulator import inventory
from clover_emulator.auth import issue_static_token
from clover_emulator.errors import bad_request
from clover_emulator.ids import is_clover_id
from clover_emulator.settings import merchant_settings
from clover_emulator.state import Merchant, Store

ITEM_KEYS = {
    "id",
    "quantity",
    "categories",
    "name",
    "price",
    "code",
    "sku",
    "cost",
    "priceType",
    "unitName",
    "hidden",
    "autoManage",
    "available",
    "alternateName",
    "isRevenue",
}


def add_item(store: Store, m: Merchant, spec: dict[str, Any]) -> dict[str, Any]:
    unknown = set(spec) - ITEM_KEYS
    if unknown:
        raise bad_request(f"unknown item keys {sorted(unknown)}")
    fields = {k: v for k, v in spec.items() if k not in ("id", "quantity", "categories")}
    fields.setdefault("price", 0)
    if spec.get("id") and (not is_clover_id(spec["id"]) or spec["id"] in m.items):
        raise bad_request(f"bad or duplicate item id {spec['id']}")
    item = inventory.create_item(store, m, fields, spec.get("id"))
    spec["id"] = item["id"]
    for name in spec.get("categories") or []:
        existing = [c for c in m.categories.values() if c["name"] == name]
        category = existing[0] if existing else inventory.create_category(store, m, {"name": name})
        inventory.link_category(m, item["id"], category["id"])
    if spec.get("quantity") is not None:
        inventory.set_stock(store, m, item["id"], {"quantity": spec["quantity"]})
    return item


def add_merchant(store: Store, spec: dict[str, Any] | None) -> tuple[Merchant, dict[str, Any]]:
    """Create (or replace, when the id exists) a merchant; returns it and the completed spec."""
    spec = merchant_settings(spec)
    with store.lock:
        merchant_id = spec["id"] or store.ids.clover_id()
        if not is_clover_id(merchant_id):
            raise bad_request("a merchant id is 13 characters of 0-9A-Z")
        spec["id"] = merchant_id
        m = Merchant(
            merchant_id,
            spec["name"],
            spec["currency"],
            spec["timezone"],
            bool(spec["auto_decrement"]),
            bool(spec["refund_restocks"]),
            store.clock.now_ms(),
        )
        old = store.merchants.get(merchant_id)
        if old is not None and old.trading is not None:
            old.trading.cancel()
        if spec["offline_stock_merge"] not in ("delta", "absolute"):
            raise bad_request("offline_stock_merge is delta or absolute")
        m.offline_stock_merge = spec["offline_stock_merge"]
        store.merchants[merchant_id] = m
        store.merchant_specs[merchant_id] = spec
        for category in spec["categories"]:
            inventory.create_category(
                store, m, category if isinstance(category, dict) else {"name": category}
            )
        for item_spec in spec["items"]:
            add_item(store, m, item_spec)
        for token_spec in spec["tokens"]:
            record = issue_static_token(store, merchant_id, token_spec.get("token"), token_spec.get("scopes"))
            token_spec["token"] = record.token
        return m, copy.deepcopy(spec)


def reset_merchant(store: Store, merchant_id: str) -> Merchant:
    """Back to the seeded state: same item ids, seeded stock, no orders (tokens are kept)."""
    with store.lock:
        store.merchant(merchant_id)
        spec = copy.deepcopy(store.merchant_specs[merchant_id])
        tokens, spec["tokens"] = spec["tokens"], []
        m, _ = add_merchant(store, spec)
        store.merchant_specs[merchant_id]["tokens"] = tokens
        return m


def summary(m: Merchant) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "auto_decrement": m.auto_decrement,
        "refund_restocks": m.refund_restocks,
        "offline_stock_merge": m.offline_stock_merge,
        "items": [
            {
                "id": i["id"],
                "name": i["name"],
                "sku": i["sku"],
                "code": i["code"],
                "price": i["price"],
                "priceType": i["priceType"],
                "quantity": m.stocks.get(i["id"], {}).get("quantity"),
                "deleted": bool(i.get("deletedTime")),
            }
            for i in m.items.values()
        ],
        "orders": len(m.orders),
        "pending_orders": sum(1 for o in m.orders.values() if o["_pending_device"]),
    }
