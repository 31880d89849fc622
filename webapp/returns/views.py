"""The manager's queue of refunded lines not in stock: thin views over ``returns.service``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth.decorators import role_required
from webapp.catalog.models import Store
from webapp.extensions import db
from webapp.returns import service
from webapp.returns.models import RULES

bp = Blueprint("returns", __name__, url_prefix="/returns")


@bp.get("/")
@role_required("manager")
def queue():
    store = db.session.get(Store, current_user.store_id)
    return render_template("returns/queue.html", held=service.queue(store.id), rule=service.rule_of(store.id),
                           rules=RULES, reasons=store.damage_reason_list)


@bp.post("/<int:held_id>/decide")
@role_required("manager")
def decide(held_id: int):
    action = request.form.get("action", "")
    held = service.decide(held_id, action, current_user, request.form.get("reason", ""))
    flash({"restocked": f"{held.item.name}: back in stock.", "damaged": f"{held.item.name}: written off.",
           "vendor_return": f"{held.item.name}: set aside for the vendor."}[held.status])
    return redirect(url_for("returns.queue"), 303)


@bp.post("/rule")
@role_required("manager")
def rule():
    rule = service.set_rule(current_user, request.form.get("rule", ""))
    flash(f"Refunded lines now: {rule}.")
    return redirect(url_for("returns.queue"), 303)
