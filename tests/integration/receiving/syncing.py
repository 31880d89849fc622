"""Send device events the way the phone does, and read levels back."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from webapp.types import utcnow


def iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ev(type_: str, at: datetime | None = None, **fields) -> dict:
    return {"id": str(uuid.uuid4()), "type": type_, "occurred_at": iso(at or utcnow()), **fields}


def sync(client, *events, device_time: datetime | None = None, expect: str | None = "accepted") -> list[dict]:
    client.csrf_token()  # fetched first, so device_time is taken just before the request
    payload = {"device_id": "dock-phone", "device_time": iso(device_time or utcnow()), "events": list(events)}
    response = client.post_json("/api/v1/sync", payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.json["results"]
    if expect is not None:
        assert [r["status"] for r in results] == [expect] * len(events), results
    return results


def minutes_ago(n: float) -> datetime:
    return utcnow() - timedelta(minutes=n)


def level(item, location=None) -> int:
    from webapp.inventory.ledger import levels_for_item

    levels = levels_for_item(item.id)
    return levels.get(location.id, 0) if location is not None else sum(levels.values())


def backroom(store):
    return next(loc for loc in store.locations if loc.kind == "backroom")
