"""Damage pages: the flag screen (anyone), the manager's queue of flags to approve, and the
upload of a flag's photos (``POST /photos``: attaching a photo to its flag is damage's rule, so
the photos package below stays storage and serving)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth.decorators import role_required
from webapp.damage import service
from webapp.errors import DomainError
from webapp.extensions import limiter
from webapp.photos.service import check_client_id, store_photo

# No url_prefix: the photo upload answers at /photos, where the phones send it.
bp = Blueprint("damage", __name__)

PHOTO_LIMIT_MESSAGE = ("That is more photos than a minute allows; wait a minute and send the rest. "
                       "Photos waiting on this phone go by themselves.")


@bp.get("/damage/new")
@role_required("staff")
def new():
    store = current_user.store
    locations = [loc for loc in store.locations if loc.active]
    selling = store.selling_location
    return render_template("damage/new.html", reasons=store.damage_reason_list, locations=locations,
                           default_location=selling.id if selling else None)


@bp.get("/damage/")
@role_required("staff")
def index():
    """Recent flags; value only for managers."""
    return render_template("damage/index.html", records=service.recent(current_user.store_id),
                           show_cost=current_user.has_role("manager"))


@bp.get("/damage/queue")
@role_required("manager")
def queue():
    return render_template("damage/queue.html", records=service.pending(current_user.store_id),
                           threshold=current_user.store.damage_approval_cents)


@bp.post("/damage/<int:record_id>/approve")
@role_required("manager")
def approve(record_id: int):
    record = service.decide(current_user.store_id, record_id, current_user.id, approve=True,
                            note=request.form.get("note", ""))
    flash(f"Approved: {record.quantity} x {record.item.name} left stock as {record.reason}.")
    return redirect(url_for("damage.queue"))


@bp.post("/damage/<int:record_id>/reject")
@role_required("manager")
def reject(record_id: int):
    record = service.decide(current_user.store_id, record_id, current_user.id, approve=False,
                            note=request.form.get("note", ""))
    flash(f"Rejected: {record.item.name} stays in stock.")
    return redirect(url_for("damage.queue"))


@bp.post("/photos")
@role_required("staff")
# Per user, not per address: a store's phones share one Wi-Fi. PHOTO_RATE_LIMIT (30/min) is
# above what a receiver photographing a damaged pallet takes, and above the 20 photos a
# phone's queue holds (static/js/photo-queue.js), so a reconnecting phone sends them all.
@limiter.limit(lambda: current_app.config["PHOTO_RATE_LIMIT"], key_func=lambda: f"photos:{current_user.id}",
               error_message=PHOTO_LIMIT_MESSAGE)
def upload_photo():
    sent = request.files.get("photo")
    if sent is None:
        raise DomainError("missing_photo", "Choose or take a photo first.", "photo")
    # A photo queued on the phone offline names itself (client_id, so a retry is stored once)
    # and the damage flag or arrival mark it belongs to (event_id, the event's client id).
    client_id = request.form.get("client_id") or None
    event_id = request.form.get("event_id") or None
    if event_id is not None:
        check_client_id(event_id, "event_id")
    photo, created = store_photo(current_user.store_id, current_user.id, sent.read(), client_id=client_id)
    attached = False
    if event_id is not None:
        attached = service.attach_photo(current_user.store_id, current_user.id, event_id, photo)
    body = {"id": photo.id, "url": url_for("photos.show", photo_id=photo.id), "width": photo.width,
            "height": photo.height, "attached": attached}
    return jsonify(body), 201 if created else 200
