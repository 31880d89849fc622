from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_login import current_user, login_required

from webapp.auth.decorators import role_required
from webapp.damage.service import attach_photo
from webapp.errors import DomainError
from webapp.extensions import limiter
from webapp.photos.service import check_client_id, get_photo, store_photo

bp = Blueprint("photos", __name__)


PHOTO_LIMIT_MESSAGE = ("That is more photos than a minute allows; wait a minute and send the rest. "
                       "Photos waiting on this phone go by themselves.")


@bp.post("/photos")
@role_required("staff")
# Per user, not per address: a store's phones share one Wi-Fi. PHOTO_RATE_LIMIT (30/min) is
# above what a receiver photographing a damaged pallet takes, and above the 20 photos a
# phone's queue holds (static/js/photo-queue.js), so a reconnecting phone sends them all.
@limiter.limit(lambda: current_app.config["PHOTO_RATE_LIMIT"], key_func=lambda: f"photos:{current_user.id}",
               error_message=PHOTO_LIMIT_MESSAGE)
def upload():
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
        attached = attach_photo(current_user.store_id, current_user.id, event_id, photo)
    body = {"id": photo.id, "url": url_for("photos.show", photo_id=photo.id), "width": photo.width,
            "height": photo.height, "attached": attached}
    return jsonify(body), 201 if created else 200


@bp.get("/photos/<int:photo_id>")
@login_required
def show(photo_id: int):
    photo, data = get_photo(current_user.store_id, photo_id)
    response = Response(data, mimetype=photo.content_type)
    # Damage photos may show a person or a till: never in a shared cache.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
