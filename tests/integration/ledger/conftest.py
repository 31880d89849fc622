"""Helpers for the ledger, sync, counting and approval tests: batches in the contract's shape."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from webapp.inventory.ledger import Ledger, NewEvent
from webapp.types import utcnow


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event(type_: str, occurred_at: datetime, **fields) -> dict:
    return {"id": fields.pop("id", None) or str(uuid.uuid4()), "type": type_,
            "occurred_at": iso(occurred_at), **fields}


def batch(events: list[dict], *, device_time: datetime | None = None, device_id: str = "phone-1") -> dict:
    return {"device_id": device_id, "device_time": iso(device_time or utcnow()), "events": events}


@pytest.fixture
def floor(store):
    return store.selling_location


@pytest.fixture
def record(db):
    """record("sale", item, location, -2, at) appends one ledger event and commits, like a Clover pull."""

    def append(kind: str, item, location, quantity: int, at: datetime, key: str | None = None):
        led = Ledger(source="clover")
        added = led.append(NewEvent(key=key or f"test:{uuid.uuid4()}", kind=kind, store_id=item.store_id,
                                    item_id=item.id, location_id=location.id, quantity=quantity,
                                    occurred_at=at, source="clover"))
        led.settle()
        db.session.commit()
        return added

    return append


@pytest.fixture
def sync(login_as):
    """sync(client, events, device_time=...) posts one batch and returns the parsed answer."""

    def post(client, events: list[dict], **kwargs):
        response = client.post_json("/api/v1/sync", batch(events, **kwargs))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return post


@pytest.fixture
def hours_ago():
    now = utcnow().replace(microsecond=0)
    return lambda h, m=0: now - timedelta(hours=h, minutes=m)
