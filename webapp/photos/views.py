from flask import Blueprint, Response, jsonify, request, url_for
from flask_login import current_user, login_required

from webapp.auth.decorators import role_required
from webapp.errors import DomainError
from webapp.photos.service import get_photo, save_photo

bp = Blueprint("photos", __name__)


@bp.post("/photos")
@role_required("staff")
def upload():
    sent = request.files.get("photo")
    if sent is None:
        raise DomainError("missing_photo", "Choose or take a photo first.", "photo")
    photo = save_photo(current_user.store_id, current_user.id, sent.read())
    return jsonify({"id": photo.id, "url": url_for("photos.show", photo_id=photo.id),
                    "width": photo.width, "height": photo.height}), 201


@bp.get("/photos/<int:photo_id>")
@login_required
def show(photo_id: int):
    photo, data = get_photo(current_user.store_id, photo_id)
    response = Response(data, mimetype=photo.content_type)
    # Damage photos may show a person or a till: never in a shared cache.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
