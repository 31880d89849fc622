"""The /v3/merchants/{mId} blueprint: auth and rate-limit guard, merchant and inventory routes.

Every request passes, in order: the bearer-token check and scope (auth.py, clover-api.md 2.5),
then admission by the rate limiter (ratelimit.py, section 6). Orders routes live in
v3_orders.py, nested under this blueprint so they share the guard. Writes are POST, partial by
default; PATCH is not routed and gets Clover's 405 (1, 8.10).
"""

import time

from flask import Blueprint, current_app, g, jsonify, request

from clover_emulator import inventory, v3_orders
from clover_emulator.auth import authenticate, json_body, required_scope, requires, store_of
from clover_emulator.errors import bad_request
from clover_emulator.listing import list_objects, parse_expand, parse_filters

bp = Blueprint("clover_v3", __name__, url_prefix="/v3/merchants/<merchant_id>")
bp.register_blueprint(v3_orders.bp)


@bp.before_request
def guard() -> None:
    store = store_of()
    merchant_id = (request.view_args or {}).get("merchant_id", "")
    token = authenticate(store, merchant_id, required_scope())
    limiter = current_app.extensions["clover_emulator_limiter"]
    limiter.arrive(merchant_id)
    g.clover_arrived = merchant_id
    if limiter.enter(token.token):
        g.clover_admitted = token.token
    delay = float(store.settings["response_delay"])
    if delay > 0:
        time.sleep(delay)


@bp.teardown_request
def release(_error: BaseException | None = None) -> None:
    limiter = current_app.extensions["clover_emulator_limiter"]
    token = g.pop("clover_admitted", None)
    if token is not None:
        limiter.leave(token)
    merchant_id = g.pop("clover_arrived", None)
    if merchant_id is not None:
        limiter.depart(merchant_id)


@bp.get("")
@requires("MERCHANT_R")
def merchant(merchant_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        return jsonify({"id": m.id, "name": m.name, "currency": m.currency, "href": request.base_url})


@bp.get("/properties")
@requires("MERCHANT_R")
def properties(merchant_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        return jsonify(
            {
                "id": m.id,
                "defaultCurrency": m.currency,
                "timezone": m.timezone,
                "locale": "en-US",
                "trackStock": m.auto_decrement,
                "updateStock": m.auto_decrement,
                "stockTrackingEnabled": m.auto_decrement,
                "accountNumber": "XXXXXX1234",
                "routingNumber": "XXXXX0000",  # banking: never log (4.1)
            }
        )


@bp.get("/items")
@requires("INVENTORY_R")
def list_items(merchant_id: str):
    store = store_of()
    expand = parse_expand(request)
    with store.lock:
        m = store.merchant(merchant_id)
        getters = inventory.item_getters(m)
        asks_deleted = any(
            c.field == "deleted" for c in parse_filters(request.args.getlist("filter"), getters)
        )
        items = [i for i in m.items.values() if asks_deleted or not i.get("deletedTime")]
        return list_objects(
            request, items, getters, lambda i: inventory.render_item(store, m, i, expand), default_order=None
        )


@bp.post("/items")
@requires("INVENTORY_W")
def create_item(merchant_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        item = inventory.create_item(store, m, json_body())
        return jsonify(inventory.render_item(store, m, item, set()))


@bp.delete("/items")
@requires("INVENTORY_W")
def delete_items(merchant_id: str):
    store = store_of()
    ids = [i for i in request.args.get("itemIds", "").split(",") if i]
    if not ids:
        raise bad_request("itemIds is required")
    with store.lock:
        m = store.merchant(merchant_id)
        for item_id in ids:
            inventory.delete_item(store, m, item_id)
    return jsonify({})


@bp.get("/items/<item_id>")
@requires("INVENTORY_R")
def get_item(merchant_id: str, item_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        return jsonify(inventory.render_item(store, m, m.item(item_id), parse_expand(request)))


@bp.route("/items/<item_id>", methods=["POST", "PUT"])
@requires("INVENTORY_W")
def update_item(merchant_id: str, item_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        item = inventory.update_item(store, m, item_id, json_body(), replace=request.method == "PUT")
        return jsonify(inventory.render_item(store, m, item, set()))


@bp.delete("/items/<item_id>")
@requires("INVENTORY_W")
def delete_item(merchant_id: str, item_id: str):
    store = store_of()
    with store.lock:
        inventory.delete_item(store, store.merchant(merchant_id), item_id)
    return jsonify({})


@bp.get("/items/<item_id>/categories")
@requires("INVENTORY_R")
def item_categories(merchant_id: str, item_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        m.item(item_id)
        cats = [m.categories[c] for c in m.item_categories.get(item_id, [])]
        return list_objects(request, cats, inventory.CATEGORY_GETTERS, dict, default_order=None)


@bp.get("/item_stocks")
@requires("INVENTORY_R")
def list_stocks(merchant_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        ids = [i for i in m.stocks if not m.items[i].get("deletedTime")]
        getters = {
            "item.id": lambda i: i,
            "quantity": lambda i: m.stocks[i]["quantity"],
            "modifiedTime": lambda i: m.stocks[i]["modifiedTime"],
        }
        return list_objects(request, ids, getters, lambda i: inventory.render_stock(m, i), default_order=None)


@bp.get("/item_stocks/<item_id>")
@requires("INVENTORY_R")
def get_stock(merchant_id: str, item_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        m.item(item_id)
        return jsonify(inventory.render_stock(m, item_id))


@bp.route("/item_stocks/<item_id>", methods=["POST", "PUT"])
@requires("INVENTORY_W")
def set_stock(merchant_id: str, item_id: str):
    store = store_of()
    with store.lock:
        return jsonify(inventory.set_stock(store, store.merchant(merchant_id), item_id, json_body()))


@bp.delete("/item_stocks/<item_id>")
@requires("INVENTORY_W")
def delete_stock(merchant_id: str, item_id: str):
    store = store_of()
    with store.lock:
        inventory.delete_stock(store, store.merchant(merchant_id), item_id)
    return jsonify({})


@bp.get("/categories")
@requires("INVENTORY_R")
def list_categories(merchant_id: str):
    store = store_of()
    expand = parse_expand(request)
    with store.lock:
        m = store.merchant(merchant_id)

        def render(category):
            body = dict(category)
            if "items" in expand:
                body["items"] = {
                    "elements": [
                        {"id": i["id"], "name": i["name"]}
                        for i in inventory.category_items(m, category["id"])
                    ][:100]
                }
            return body

        return list_objects(
            request, list(m.categories.values()), inventory.CATEGORY_GETTERS, render, default_order=None
        )


@bp.post("/categories")
@requires("INVENTORY_W")
def create_category(merchant_id: str):
    store = store_of()
    with store.lock:
        return jsonify(inventory.create_category(store, store.merchant(merchant_id), json_body()))


@bp.get("/categories/<category_id>/items")
@requires("INVENTORY_R")
def category_items(merchant_id: str, category_id: str):
    store = store_of()
    with store.lock:
        m = store.merchant(merchant_id)
        items = [i for i in inventory.category_items(m, category_id) if not i.get("deletedTime")]
        return list_objects(
            request,
            items,
            inventory.item_getters(m),
            lambda i: inventory.render_item(store, m, i, set()),
            default_order=None,
        )


@bp.post("/category_items")
@requires("INVENTORY_W")
def category_items_link(merchant_id: str):
    store = store_of()
    elements = json_body().get("elements") or []
    with store.lock:
        m = store.merchant(merchant_id)
        for link in elements:
            item_id, category_id = link["item"]["id"], link["category"]["id"]
            m.item(item_id)
            if request.args.get("delete") == "true":
                links = m.item_categories.get(item_id, [])
                if category_id in links:
                    links.remove(category_id)
            else:
                inventory.link_category(m, item_id, category_id)
    return jsonify({})
