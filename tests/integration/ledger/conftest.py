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


def batch(events: list[dict], *, device_time: datetime | None = None, device_id: str = "phone-1",
          backlog: dict | None = None) -> dict:
    body = {"device_id": device_id, "device_time": iso(device_time or utcnow()), "events": events}
    return body if backlog is None else {**body, "backlog": backlog}


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


@pytest.fixture
def count_of(make_user):
    """count_of(item, location, 12, at) -> the line of a one-item count submitted by a counter."""
    from webapp.approvals.service import submit_count
    from webapp.counting import service

    def count(item, location, quantity: int, at: datetime, *, user=None, blind: bool = True):
        user = user or make_user("staff")
        session = service.open_session(service.NewSession(
            store_id=item.store_id, location_id=location.id, created_by_id=user.id, blind=blind))
        service.record_scan(service.Scan(session.id, user.id, at, quantity=quantity, item_id=item.id),
                            item.store_id)
        (line,) = submit_count(session.id, user, at + timedelta(minutes=1))
        return line

    return count


@pytest.fixture
def level_of(db):
    """level_of(item, location) -> the materialised level (0 when nothing happened there)."""
    from webapp.inventory.models import StockLevel

    def level(item, location) -> int:
        db.session.expire_all()
        row = db.session.get(StockLevel, (item.id, location.id))
        return 0 if row is None else row.quantity

    return level


def adjustments(db, count_key: str) -> list[int]:
    from sqlalchemy import select

    from webapp.inventory.models import StockEvent

    return list(db.session.scalars(select(StockEvent.quantity).where(
        StockEvent.kind == "adjustment", StockEvent.count_key == count_key).order_by(StockEvent.id)))
