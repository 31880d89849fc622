"""Parsers for the fields of a device event: each refuses bad input with a DomainError that
names the field, so the phone shows the counter what to fix."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from webapp.catalog.models import Location
from webapp.catalog.service import resolve_many
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.sync.registry import DeviceEvent, SyncContext

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def parse_time(raw: Any, name: str) -> datetime:
    if not isinstance(raw, str):
        raise DomainError("bad_time", f"{name} must be an ISO 8601 time with a zone.", name)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise DomainError("bad_time", f"{name} {raw!r} is not an ISO 8601 time.", name) from None
    if value.tzinfo is None:
        raise DomainError("bad_time", f"{name} must say its zone (end it with Z).", name)
    return value


def int_field(fields: Mapping[str, Any], name: str, *, default: int | None = None,
              minimum: int | None = None) -> int:
    raw = fields.get(name, default)
    if raw is None:
        raise DomainError("missing_field", f"The event needs {name}.", name)
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise DomainError("bad_field", f"{name} must be a whole number.", name)
    if not INT_MIN <= raw <= INT_MAX:  # PostgreSQL's integer columns refuse more with a DataError
        raise DomainError("bad_field", f"{name} is out of range.", name)
    if minimum is not None and raw < minimum:
        code = "negative_quantity" if raw < 0 else "bad_field"
        raise DomainError(code, f"{name} must be at least {minimum}.", name)
    return raw


def str_field(fields: Mapping[str, Any], name: str, *, required: bool = True,
              max_length: int = 64) -> str | None:
    raw = fields.get(name)
    if raw is None or raw == "":
        if required:
            raise DomainError("missing_field", f"The event needs {name}.", name)
        return None
    if not isinstance(raw, str) or len(raw) > max_length:
        raise DomainError("bad_field", f"{name} must be text of at most {max_length} characters.", name)
    if "\x00" in raw:  # PostgreSQL text cannot hold NUL; refuse it on every engine alike
        raise DomainError("bad_field", f"{name} must not contain a NUL character.", name)
    return raw


def check_location(location_id: int, ctx: SyncContext) -> None:
    stores = ctx.cache.get("location_store")
    if stores is None:  # the store's own locations, in one query per batch
        stores = ctx.cache["location_store"] = dict.fromkeys(db.session.scalars(
            select(Location.id).where(Location.store_id == ctx.store_id)), ctx.store_id)
    if location_id not in stores:
        location = db.session.get(Location, location_id)
        stores[location_id] = location.store_id if location else None
    if stores[location_id] is None:
        raise DomainError("unknown_location", f"No location {location_id}.", "location_id")
    if stores[location_id] != ctx.store_id:
        raise DomainError("wrong_store", "That location belongs to another store.", "location_id")


def item_ids_of(events: list[DeviceEvent], ctx: SyncContext) -> dict[str, int]:
    """The item each event names by ``item_id`` or ``code``, as the types read them, in two
    queries for the batch; events naming none they can read are left out."""
    out, codes = {}, {}
    for event in events:
        raw = event.fields.get("item_id")
        if raw is not None:
            if isinstance(raw, int) and not isinstance(raw, bool) and INT_MIN <= raw <= INT_MAX:
                out[event.id] = raw
        elif isinstance(event.fields.get("code"), str) and "\x00" not in event.fields["code"] \
                and len(event.fields["code"]) <= 120:  # as str_field would take it
            codes[event.id] = event.fields["code"]
    found = resolve_many(ctx.store_id, list(codes.values())) if codes else {}
    out.update({event_id: found[code][0] for event_id, code in codes.items() if found.get(code)})
    return out
