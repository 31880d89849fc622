"""Several phones syncing overlapping batches, with shared duplicates, against one item at once."""

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.integration.ledger.conftest import event
from webapp.inventory import merge
from webapp.inventory.ledger import NewEvent
from webapp.inventory.models import StockEvent, StockLevel
from webapp.sync import DeviceEvent, SyncContext, int_field, registry_of, str_field
from webapp.types import utcnow

pytestmark = pytest.mark.postgres


def _test_stock_event(event: DeviceEvent, ctx: SyncContext) -> None:
    """A stand-in for the receiving, damage and Clover types: one ledger event per device event."""
    ctx.ledger.append(NewEvent(
        key=event.id, kind=str_field(event.fields, "kind"), store_id=ctx.store_id,
        item_id=int_field(event.fields, "item_id"), location_id=event.location_id,
        quantity=int_field(event.fields, "quantity"), occurred_at=event.occurred_at,
        actor_user_id=ctx.user_id, device_id=ctx.device_id, device_time=event.device_occurred_at))


def _all_at_once(app, run, count: int) -> None:
    """run(0) ... run(count - 1), each in its own thread and app context, released together."""
    barrier = threading.Barrier(count)

    def start(n: int) -> None:
        with app.app_context():
            barrier.wait()
            run(n)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture(autouse=True)
def _postgres_only(app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL: set TEST_DATABASE_URL")
    # Registered on this test's app only: the OpenAPI document (and the fuzzing built from it)
    # lists every registered type.
    registry_of(app).register("test_stock_event", _test_stock_event, needs_location=True)


def test_six_phones_sending_overlapping_batches_end_with_the_merged_level_and_no_duplicate_rows(
        app, login_as, make_item, floor, db):
    item = make_item("Contested")
    rng = random.Random(3)
    start = utcnow() - timedelta(hours=2)
    pool = []
    for i in range(240):
        kinds = ["sale", "sale", "sale", "receive", "damage"] + (["opening"] if i % 80 == 0 else [])
        kind = rng.choice(kinds)
        quantity = {"sale": -1, "damage": -2, "receive": 6, "opening": 40}[kind]
        pool.append(event("test_stock_event", start + timedelta(seconds=rng.randrange(0, 5400)),
                          kind=kind, item_id=item.id, location_id=floor.id, store_id=floor.store_id,
                          quantity=quantity))
    phones = [login_as("staff") for _ in range(6)]
    for phone in phones:
        phone.csrf_token()
    plans = []
    for n, _ in enumerate(phones):
        mine = pool[n::6] + rng.sample(pool, 90)  # its own share, plus events other phones also send
        rng.shuffle(mine)
        plans.append([mine[i:i + 50] for i in range(0, len(mine), 50)])
    answers: list[list[dict]] = [[] for _ in phones]
    failures: list[str] = []

    def run(n: int) -> None:
        for chunk in plans[n]:
            body = {"device_id": f"phone-{n}", "device_time": event("x", utcnow())["occurred_at"],
                    "events": chunk}
            response = phones[n].post_json("/api/v1/sync", body)
            if response.status_code != 200:
                failures.append(response.get_data(as_text=True)[:300])
                return
            answers[n].extend(response.get_json()["results"])

    _all_at_once(app, run, len(phones))

    assert failures == []
    accepted = Counter(r["id"] for rs in answers for r in rs if r["status"] == "accepted")
    assert set(accepted) == {e["id"] for e in pool} and set(accepted.values()) == {1}
    assert {r["status"] for rs in answers for r in rs} <= {"accepted", "duplicate"}
    db.session.expire_all()
    rows = db.session.scalar(select(func.count()).where(StockEvent.item_id == item.id))
    assert rows == len(pool)
    facts = [merge.Event(e["id"], merge.Kind(e["kind"]), db.session.scalar(
        select(StockEvent.occurred_at).where(StockEvent.key == e["id"])), e["quantity"]) for e in pool]
    level = db.session.get(StockLevel, (item.id, floor.id))
    assert level.quantity == merge.current(facts).quantity


def test_batches_creating_the_same_new_level_rows_at_once_do_not_deadlock(app, db, store, make_item,
                                                                          make_location):
    """A new store's first syncs: every batch finds level rows missing that other batches are
    creating at that moment. Each batch must lock its rows in one order, created or found,
    or two of them wait on each other until PostgreSQL breaks the deadlock (a second lost,
    and a whole batch to redo)."""
    from sqlalchemy.exc import OperationalError

    from webapp.inventory.ledger import Ledger

    items = [make_item(f"Fresh {n}", barcodes=[]).id for n in range(40)]
    places = [store.selling_location.id] + [make_location(f"Bay {n}").id for n in range(3)]
    store_id = store.id  # read now: the threads must not touch this session's objects
    cells = [(i, loc) for i in items for loc in places]
    rng = random.Random(11)
    plans = [[rng.sample(cells, 60) for _ in range(3)] for _ in range(8)]
    deadlocks: list[str] = []

    def run(n: int) -> None:
        for k, cells_now in enumerate(plans[n]):
            ledger = Ledger(source="test")
            for m, (item_id, location_id) in enumerate(cells_now):
                ledger.stage(NewEvent(key=f"t{n}:{k}:{m}", kind="receive", store_id=store_id,
                                      item_id=item_id, location_id=location_id, quantity=1,
                                      occurred_at=utcnow()))
            try:
                ledger.settle()
                db.session.commit()
            except OperationalError as exc:
                db.session.rollback()
                deadlocks.append(str(exc.orig)[:200])
                return

    _all_at_once(app, run, len(plans))

    assert deadlocks == []
    expected = Counter(cell for plan in plans for cells_now in plan for cell in cells_now)
    db.session.expire_all()
    levels = {(r.item_id, r.location_id): r.quantity for r in db.session.scalars(
        select(StockLevel).where(StockLevel.item_id.in_(items)))}
    assert levels == dict(expected)
