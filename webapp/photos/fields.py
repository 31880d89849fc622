"""Sync event fields that name a flag's photos (a damage flag, an arrival damage mark)."""

from __future__ import annotations

from webapp.errors import DomainError
from webapp.photos.service import check_client_id
from webapp.sync import DeviceEvent


def photo_ids_field(event: DeviceEvent) -> tuple[int, ...]:
    raw = event.fields.get("photo_ids") or []
    if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
        raise DomainError("bad_field", "photo_ids must be a list of photo numbers.", "photo_ids")
    return tuple(raw)


MAX_PHOTOS = 10


def photo_client_ids_field(event: DeviceEvent) -> tuple[str, ...]:
    """The phone's own ids of photos it queued offline for this event (uploaded later or sooner)."""
    raw = event.fields.get("photo_client_ids") or []
    if not isinstance(raw, list) or len(raw) > MAX_PHOTOS:
        raise DomainError("bad_field", f"photo_client_ids must be a list of at most {MAX_PHOTOS} ids.",
                          "photo_client_ids")
    return tuple(check_client_id(i, "photo_client_ids") for i in raw)
