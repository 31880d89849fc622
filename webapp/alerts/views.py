"""Alerts in the app, an item's reorder point with its working, and Web Push subscriptions."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.alerts import delivery, push, reorder, rules, service
from webapp.auth.decorators import get_in_store, role_required
from webapp.catalog.models import Item
from webapp.errors import DomainError
from webapp.receiving.onorder import on_order

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.app_template_global()
def reorder_info(item: Item) -> reorder.ReorderInfo:
    """For the catalog's item page (templates/alerts/_reorder_panel.html)."""
    return reorder.reorder_infos(item.store_id, [item.id])[item.id]


@bp.get("/")
@role_required("manager")
def index():
    store_id = current_user.store_id
    open_alerts = service.open_alerts(store_id)
    infos = reorder.reorder_infos(store_id, [a.item_id for a in open_alerts])
    return render_template("alerts/index.html", open_alerts=open_alerts, infos=infos,
                           due=on_order(store_id, [a.item_id for a in open_alerts]),
                           recent=service.recent_alerts(store_id), rules=rules,
                           vapid_key=delivery.setting("VAPID_PUBLIC_KEY") if delivery.push_enabled() else "")


def _optional_int(field: str) -> int | None:
    raw = request.form.get(field, "").strip()
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise DomainError("not_a_number", "Enter a whole number, or leave it blank.", field) from None


@bp.route("/items/<int:item_id>/reorder", methods=["GET", "POST"])
@role_required("manager")
def item_reorder(item_id: int):
    item = get_in_store(Item, item_id)
    if request.method == "POST":
        reorder.set_policy(current_user.store_id, reorder.PolicyChange(
            item.id, _optional_int("manual_point"), _optional_int("lead_time_days"),
            _optional_int("safety_stock")))
        flash("Reorder point saved.")
        return redirect(url_for("alerts.item_reorder", item_id=item.id))
    info = reorder.reorder_infos(current_user.store_id, [item.id])[item.id]
    policy = reorder.policy_for(item.id)
    return render_template("alerts/reorder.html", item=item, info=info, policy=policy, rules=rules,
                           due=on_order(current_user.store_id, [item.id]).get(item.id))


@bp.post("/push/subscribe")
@role_required("manager")
def push_subscribe():
    push.subscribe(current_user.id, request.get_json(silent=True) or {})
    return jsonify({"status": "subscribed"})


@bp.post("/push/unsubscribe")
@role_required("manager")
def push_unsubscribe():
    push.unsubscribe(current_user.id, (request.get_json(silent=True) or {}).get("endpoint", ""))
    return jsonify({"status": "unsubscribed"})
