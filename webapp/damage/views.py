"""Damage pages: the flag screen (anyone), the manager's queue of flags to approve."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth.decorators import role_required
from webapp.damage import service

bp = Blueprint("damage", __name__, url_prefix="/damage")


@bp.get("/new")
@role_required("staff")
def new():
    store = current_user.store
    locations = [loc for loc in store.locations if loc.active]
    selling = store.selling_location
    return render_template("damage/new.html", reasons=store.damage_reason_list, locations=locations,
                           default_location=selling.id if selling else None)


@bp.get("/")
@role_required("staff")
def index():
    """Recent flags; value only for managers."""
    return render_template("damage/index.html", records=service.recent(current_user.store_id),
                           show_cost=current_user.has_role("manager"))


@bp.get("/queue")
@role_required("manager")
def queue():
    return render_template("damage/queue.html", records=service.pending(current_user.store_id),
                           threshold=current_user.store.damage_approval_cents)


@bp.post("/<int:record_id>/approve")
@role_required("manager")
def approve(record_id: int):
    record = service.decide(current_user.store_id, record_id, current_user.id, approve=True,
                            note=request.form.get("note", ""))
    flash(f"Approved: {record.quantity} x {record.item.name} left stock as {record.reason}.")
    return redirect(url_for("damage.queue"))


@bp.post("/<int:record_id>/reject")
@role_required("manager")
def reject(record_id: int):
    record = service.decide(current_user.store_id, record_id, current_user.id, approve=False,
                            note=request.form.get("note", ""))
    flash(f"Rejected: {record.item.name} stays in stock.")
    return redirect(url_for("damage.queue"))
