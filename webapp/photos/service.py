"""Keep and hand out photos, for the store that took them only."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.loaders import in_store
from webapp.photos import storage
from webapp.photos.models import Photo
from webapp.photos.processing import reencode

log = logging.getLogger(__name__)

# A phone names a photo it queued offline with its own UUID; 8 to 64 letters, digits and dashes.
CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def check_client_id(client_id: str, field: str = "client_id") -> str:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise DomainError("bad_client_id", "A photo's client id is 8 to 64 letters, digits or dashes "
                          "(the phone's UUID for it).", field)
    return client_id


def client_key(store_id: int, client_id: str) -> str:
    """The storage key of a photo the phone named: the same photo sent twice has the same key.

    A hash, so the key still says nothing about order or volume, and one store's client ids
    can never reach another store's photos.
    """
    digest = hashlib.sha256(f"shelfcount-photo:{int(store_id)}:{client_id}".encode()).digest()
    return "c" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _by_key(key: str) -> Photo | None:
    return db.session.scalar(select(Photo).where(Photo.key == key))


def save_photo(store_id: int, user_id: int, data: bytes) -> Photo:
    return store_photo(store_id, user_id, data)[0]


def store_photo(store_id: int, user_id: int, data: bytes, *,
                client_id: str | None = None) -> tuple[Photo, bool]:
    """Re-encode and keep a photo; ``(photo, created)``.

    With the phone's ``client_id`` a second upload of the same photo (a retry after a lost
    answer) returns the first one and stores nothing. The file is written before the row
    commits; if the row cannot be committed the file is removed again, so no file is left
    that no row points to.
    """
    config = current_app.config
    key = None
    if client_id is not None:
        key = client_key(store_id, check_client_id(client_id))
        existing = _by_key(key)
        if existing is not None:
            return existing, False
    processed = reencode(data, max_bytes=config["UPLOAD_MAX_BYTES"], max_pixels=config["UPLOAD_MAX_PIXELS"])
    key = key or secrets.token_urlsafe(24)
    backend = storage.backend(config)
    backend.put(store_id, key, processed.data, processed.content_type)
    try:
        photo = Photo(store_id=store_id, key=key, content_type=processed.content_type, width=processed.width,
                      height=processed.height, size_bytes=len(processed.data), uploaded_by=user_id)
        db.session.add(photo)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        winner = _by_key(key) if client_id is not None else None
        if winner is not None:
            # The same photo's other upload committed first; the file is the same one, so it stays.
            return winner, False
        _discard(backend, store_id, key)
        raise
    except BaseException:
        db.session.rollback()
        _discard(backend, store_id, key)
        raise
    return photo, True


def _discard(backend: storage.Storage, store_id: int, key: str) -> None:
    try:
        backend.delete(store_id, key)
    except Exception:  # the row's failure is what the caller must hear about, not this
        log.warning("could not remove photo %s of store %s after a failed save", key, store_id, exc_info=True)


def get_photo(store_id: int, photo_id: int) -> tuple[Photo, bytes]:
    photo = db.session.get(Photo, photo_id)
    data = None
    if in_store(photo, store_id):
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


def photos_by_client_ids(store_id: int, client_ids: Iterable[str]) -> list[Photo]:
    """The photos among the phone's ids that have arrived; the rest may still be on their way."""
    keys = sorted({client_key(store_id, c) for c in client_ids})
    if not keys:
        return []
    return list(db.session.scalars(select(Photo).where(Photo.key.in_(keys), Photo.store_id == store_id)
                                   .order_by(Photo.id)))
