"""The merge rule through the database: the Ledger's materialised levels, its SQL level_at and its
adjustments agree with the pure core and with the slow replay, whatever the arrival order."""

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.unit.inventory.test_merge_properties import MINUTES, arrivals, at, histories, replay
from webapp.inventory import ledger, merge, rebuild
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.inventory.models import StockEvent, StockLevel

through_the_database = settings(max_examples=25, deadline=None,
                                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def streams(make_item, store):
    items = [make_item(), make_item()]
    return [(item.id, loc.id) for item in items for loc in store.locations[:2]]


def _clear(db):
    db.session.rollback()
    db.session.execute(StockEvent.__table__.delete())
    db.session.execute(StockLevel.__table__.delete())
    db.session.commit()


def _deliver(db, store_id, arriving, cuts):
    """Append the events in arrival order, in batches cut where ``cuts`` says, one commit each."""
    bounds = sorted({c % (len(arriving) + 1) for c in cuts} | {0, len(arriving)})
    for start, end in zip(bounds, bounds[1:], strict=False):
        led = Ledger(source="import")
        for e in arriving[start:end]:
            led.append(NewEvent(key=e.key, kind=str(e.kind), store_id=store_id, item_id=e.item_id,
                                location_id=e.location_id, quantity=e.quantity, occurred_at=e.occurred_at))
        led.settle()
        db.session.commit()


@through_the_database
@given(data=st.data())
def test_any_arrival_order_and_batching_gives_the_pure_levels_level_at_and_adjustments(
        data, db, store, streams):
    _clear(db)
    events = data.draw(histories(streams=streams, max_size=30))
    arriving = data.draw(arrivals(events))
    _deliver(db, store.id, arriving, data.draw(st.lists(st.integers(0, 60), max_size=4)))

    stored = {(r.item_id, r.location_id): r.quantity for r in db.session.execute(
        select(StockLevel.item_id, StockLevel.location_id, StockLevel.quantity))}
    expected = merge.levels(events)
    assert {s: q for s, q in stored.items() if s in expected or q} == expected
    facts = db.session.scalar(select(func.count()).where(StockEvent.kind != "adjustment"))
    assert facts == len({e.key for e in events}), "no duplicate rows"

    when = at(data.draw(st.integers(-1, 2 * MINUTES + 2)) / 2)
    for stream in streams:
        mine = [e for e in events if e.stream == stream]
        assert ledger.level_at(*stream, when) == merge.level_at(mine, when) == replay(mine, until=when)

    explained = defaultdict(int)
    for key, quantity in db.session.execute(
            select(StockEvent.count_key, StockEvent.quantity).where(StockEvent.kind == "adjustment")):
        explained[key] += quantity
    for count in (e for e in events if e.kind is merge.Kind.COUNT):
        mine = [e for e in events if e.stream == count.stream]
        assert explained[count.key] == merge.variance(mine, count)
    assert set(explained) <= {e.key for e in events if e.kind is merge.Kind.COUNT}


@through_the_database
@given(data=st.data())
def test_rebuilding_every_level_from_the_ledger_gives_the_materialised_levels(data, db, store, streams):
    _clear(db)
    events = data.draw(histories(streams=streams, max_size=30))
    _deliver(db, store.id, data.draw(arrivals(events)), data.draw(st.lists(st.integers(0, 60), max_size=3)))
    levels = select(StockLevel.item_id, StockLevel.location_id, StockLevel.quantity, StockLevel.base_key)
    before = {(r.item_id, r.location_id): (r.quantity, r.base_key) for r in db.session.execute(levels)}
    rebuild.rebuild_levels(store.id)
    db.session.commit()
    after = {(r.item_id, r.location_id): (r.quantity, r.base_key) for r in db.session.execute(levels)}
    assert after == before
