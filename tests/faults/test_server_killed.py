"""The server is SIGKILLed in the middle of a sync batch.

A phone holds 600 transfer events in its outbox and sends them in batches of 200, deleting an
event only once the server answered accepted or duplicate for it (STYLE.md 15). While the second
batch is in flight the whole gunicorn group is killed; the phone gets no answer, keeps the batch,
and sends it again to the restarted server along with the rest. Every event the phone saw
acknowledged must be in the ledger once, every other lands once on the retry, and every level
equals what the events imply.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import select

from tests.faults.servers import Gunicorn

TOTAL, BATCH = 600, 200


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _outbox(items, a, b, count: int) -> list[dict]:
    now = datetime.now(UTC)
    return [{"id": str(uuid.uuid4()), "type": "transfer", "occurred_at": _iso(now - timedelta(seconds=n)),
             "item_id": items[n % len(items)].id, "from_location_id": a if n % 3 else b,
             "to_location_id": b if n % 3 else a, "quantity": 1 + n % 4} for n in range(count)]


def _send(server: Gunicorn, session, token: str, events: list[dict]) -> list[dict] | None:
    body = {"device_id": "phone-1", "device_time": _iso(datetime.now(UTC)), "events": events}
    try:
        answer = session.post(f"{server.url}/api/v1/sync", json=body, headers={"X-CSRFToken": token},
                              timeout=60)
    except requests.ConnectionError:
        return None
    return answer.json()["results"] if answer.status_code == 200 else None


def test_events_acknowledged_before_a_kill_are_kept_and_the_rest_land_once_on_retry(
        _migrated, db, store, make_item, make_user, tmp_path):
    from webapp.inventory.models import StockEvent, StockLevel

    items = [make_item(f"Item {n}") for n in range(20)]
    a, b = (loc.id for loc in store.locations)
    make_user("receiver", username="dock", password="correct horse")
    outbox = {e["id"]: e for e in _outbox(items, a, b, TOTAL)}
    acknowledged: set[str] = set()
    server = Gunicorn(_migrated, tmp_path / "gunicorn.log").start()
    try:
        session, token = server.login("dock", "correct horse")
        first = list(outbox.values())[:BATCH]
        for event, result in zip(first, _send(server, session, token, first), strict=True):
            assert result["status"] == "accepted"
            acknowledged.add(event["id"])
            del outbox[event["id"]]

        second = list(outbox.values())[:BATCH]
        answers: list = []
        sender = threading.Thread(target=lambda: answers.append(_send(server, session, token, second)))
        sender.start()
        threading.Event().wait(0.2)  # the batch is being parsed, applied or committed
        server.kill()
        sender.join(timeout=60)
        killed_mid_batch = answers == [None]
        if not killed_mid_batch:  # the batch finished first on a fast machine: still a valid run
            for event, result in zip(second, answers[0], strict=True):
                assert result["status"] == "accepted"
                acknowledged.add(event["id"])
                del outbox[event["id"]]

        server.start()
        session, token = server.login("dock", "correct horse")
        statuses: Counter[str] = Counter()
        while outbox:
            batch = list(outbox.values())[:BATCH]
            results = _send(server, session, token, batch)
            assert results is not None
            for event, result in zip(batch, results, strict=True):
                statuses[result["status"]] += 1
                assert result["status"] in ("accepted", "duplicate"), result
                acknowledged.add(event["id"])
                del outbox[event["id"]]
    finally:
        server.stop()

    print(f"killed mid batch: {killed_mid_batch}; retry answers {dict(statuses)}")
    db.session.expire_all()
    keys = Counter(k.split(":")[1] for k in db.session.scalars(select(StockEvent.key))
                   if k.startswith("transfer:"))
    assert len(acknowledged) == TOTAL
    assert set(keys) == acknowledged, "lost or unknown events"
    assert set(keys.values()) == {2}, "an event doubled (or lost a leg)"
    levels = {(lvl.item_id, lvl.location_id): lvl.quantity for lvl in db.session.scalars(select(StockLevel))}
    sums = Counter()
    for event in db.session.scalars(select(StockEvent)):
        sums[(event.item_id, event.location_id)] += event.quantity
    assert {cell: q for cell, q in levels.items() if q} == {cell: q for cell, q in sums.items() if q}
