"""Serving a stored photo. Uploads arrive through damage (``POST /photos``), which attaches each
photo to its flag or arrival mark."""

from flask import Blueprint, Response
from flask_login import current_user, login_required

from webapp.photos.service import get_photo

bp = Blueprint("photos", __name__)


@bp.get("/photos/<int:photo_id>")
@login_required
def show(photo_id: int):
    photo, data = get_photo(current_user.store_id, photo_id)
    response = Response(data, mimetype=photo.content_type)
    # Damage photos may show a person or a till: never in a shared cache.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
