"""A sync batch is one transaction: a crash after some events were applied leaves nothing behind.

The deterministic twin of test_server_killed.py: an event type registered only for this test
raises an unexpected error after a good event was applied; the 500 must roll the good one back
too, or its ledger rows would stand without the level settle that runs at the end of a batch.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from webapp.sync import registry_of


def _boom(event, ctx):
    raise RuntimeError("the process dies here")


def test_an_unexpected_error_mid_batch_rolls_back_the_events_before_it(login_as, store, make_item,
                                                                       app, db):
    from webapp.inventory.models import StockEvent, StockLevel
    from webapp.sync.models import SyncReceipt

    registry_of(app).register("test_boom", _boom)
    item = make_item("Oat Milk")
    a, b = (loc.id for loc in store.locations)
    good = {"id": str(uuid.uuid4()), "type": "transfer", "occurred_at": "2026-11-28T10:00:00Z",
            "item_id": item.id, "from_location_id": a, "to_location_id": b, "quantity": 2}
    crash = {"id": str(uuid.uuid4()), "type": "test_boom", "occurred_at": "2026-11-28T10:00:01Z"}
    client = login_as("receiver")
    answer = client.post_json("/api/v1/sync", {"device_id": "p1", "device_time": "2026-11-28T10:00:02Z",
                                               "events": [good, crash]})
    assert answer.status_code == 500
    assert db.session.scalar(select(func.count()).select_from(StockEvent)) == 0
    assert db.session.scalar(select(func.count()).select_from(SyncReceipt)) == 0
    assert db.session.scalar(select(func.count()).select_from(StockLevel)) == 0
