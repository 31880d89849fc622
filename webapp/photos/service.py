"""Keep and hand out photos, for the store that took them only."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from webapp.errors import NotFound
from webapp.extensions import db
from webapp.photos import storage
from webapp.photos.models import Photo
from webapp.photos.processing import reencode


def save_photo(store_id: int, user_id: int, data: bytes) -> Photo:
    config = current_app.config
    processed = reencode(data, max_bytes=config["UPLOAD_MAX_BYTES"], max_pixels=config["UPLOAD_MAX_PIXELS"])
    key = secrets.token_urlsafe(24)
    storage.backend(config).put(store_id, key, processed.data, processed.content_type)
    photo = Photo(store_id=store_id, key=key, content_type=processed.content_type, width=processed.width,
                  height=processed.height, size_bytes=len(processed.data), uploaded_by=user_id)
    db.session.add(photo)
    db.session.commit()
    return photo


def get_photo(store_id: int, photo_id: int) -> tuple[Photo, bytes]:
    photo = db.session.get(Photo, photo_id)
    data = None
    if photo is not None and photo.store_id == store_id:
        data = storage.backend(current_app.config).get(store_id, photo.key)
    if data is None:
        raise NotFound("not_found", f"No photo {photo_id} in your store.")
    return photo, data


def photos_in_store(store_id: int, ids: Iterable[int]) -> list[Photo]:
    """The photos among ``ids`` that belong to the store; another store's id is an error."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    found = list(db.session.scalars(select(Photo).where(Photo.id.in_(wanted), Photo.store_id == store_id)))
    if len(found) != len(wanted):
        raise NotFound("unknown_photo", "A photo given is not in your store; upload it again.", "photo_ids")
    return found
