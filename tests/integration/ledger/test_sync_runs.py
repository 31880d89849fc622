"""Runs of one event type are written in bulk; the answers must be exactly those of one event
at a time (webapp/sync/batch.py: claim, check, write, or replay one by one)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text

from tests.integration.ledger.conftest import event
from webapp.errors import DomainError
from webapp.extensions import db as _db
from webapp.inventory.ledger import NewEvent
from webapp.inventory.models import StockLevel
from webapp.sync import registry_of
from webapp.sync.models import SyncReceipt
from webapp.types import utcnow


def _new(event_, ctx, item_id):
    return NewEvent(key=event_.id, kind="receive", store_id=ctx.store_id, item_id=item_id,
                    location_id=event_.location_id, quantity=int(event_.fields["quantity"]),
                    occurred_at=event_.occurred_at, source="device")


def _probe_type(app, item_id: int, *, bulk_breaks: bool):
    """A stock event type whose bulk form checks like its one-event form, or breaks a
    constraint the checks did not foresee (a store id that exists), as a bug would."""

    def one(event_, ctx):
        if event_.fields.get("bad"):
            raise DomainError("bad_probe", "This probe is bad.", "bad")
        ctx.ledger.append(_new(event_, ctx, item_id))

    def many(events, ctx):
        errors = {}
        for event_ in events:
            if event_.fields.get("bad"):
                errors[event_.id] = DomainError("bad_probe", "This probe is bad.", "bad")
            else:
                ctx.ledger.stage(_new(event_, ctx, item_id))
        if bulk_breaks:
            _db.session.execute(text("INSERT INTO stores (id, name, created_at) VALUES (:i, 'dup', :t)"),
                                {"i": ctx.store_id, "t": utcnow()})
        return errors

    registry_of(app).register("test_probe", one, needs_location=True, batch=many)


def _probes(floor, *flags):
    return [event("test_probe", utcnow(), location_id=floor.id, quantity=1, bad=bad) for bad in flags]


def _level(db, item, floor):
    db.session.expire_all()
    row = db.session.get(StockLevel, (item.id, floor.id))
    return row.quantity if row else 0


def test_a_bulk_run_answers_each_event_and_a_rejected_one_can_be_sent_again(
        app, login_as, sync, floor, make_item, db):
    item = make_item()
    _probe_type(app, item.id, bulk_breaks=False)
    staff = login_as("staff")
    good, bad, also = _probes(floor, False, True, False)
    answer = sync(staff, [good, bad, also])
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "accepted"]
    assert answer["results"][1]["error"]["code"] == "bad_probe"
    assert _level(db, item, floor) == 2
    assert db.session.get(SyncReceipt, bad["id"]) is None  # no trace: it may come back fixed
    fixed = dict(bad, bad=False)
    assert [r["status"] for r in sync(staff, [fixed, good])["results"]] == ["accepted", "duplicate"]
    assert _level(db, item, floor) == 3


def test_a_run_that_breaks_a_constraint_in_bulk_is_replayed_one_event_at_a_time(
        app, login_as, sync, floor, make_item, db):
    item = make_item()
    _probe_type(app, item.id, bulk_breaks=True)
    staff = login_as("staff")
    events = _probes(floor, False, True, False, False)
    answer = sync(staff, events)
    # One event at a time the probe is fine: the answers are what they would have been.
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "accepted", "accepted"]
    assert _level(db, item, floor) == 3
    stores = db.session.scalar(select(func.count()).select_from(text("stores")))
    assert stores == 1  # nothing of the broken bulk attempt stayed
    assert db.session.scalar(select(func.count()).select_from(SyncReceipt)) == 3


def test_an_id_repeated_inside_one_run_is_one_event(app, login_as, sync, floor, make_item, db):
    item = make_item()
    _probe_type(app, item.id, bulk_breaks=False)
    staff = login_as("staff")
    first, second = _probes(floor, False, False)
    again = dict(first, quantity=5, id=first["id"])  # the same id, as a retry would send it
    answer = sync(staff, [first, second, again, dict(second)])
    assert [r["status"] for r in answer["results"]] == ["accepted", "accepted", "duplicate", "duplicate"]
    assert _level(db, item, floor) == 2
    assert str(uuid.UUID(first["id"]))  # ids are the phone's UUIDs
