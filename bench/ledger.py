"""Ledger and sync benchmarks: prints figures; not part of the test run.

    .venv/bin/python bench/ledger.py [--pg postgresql://postgres@127.0.0.1:5432/test]
                                     [--events 1000000] [--items 20000] [--batches 10]

For each engine (SQLite always; PostgreSQL when --pg or TEST_DATABASE_URL is given) it builds
a private database from the migrations, seeds one store with --items items, and prints:

* sync ingest, events/s, for 1,000-event batches sent one after another, through the Flask
  test client and through gunicorn over HTTP (4 workers; one phone, then 4 phones at once),
  for two mixes: `count_scan` (the phone's bulk: barcode lookup, receipt, scan row) and
  stock events (receipt, ledger row, level settled in the same transaction; the event type is
  registered here, the way receiving, damage and Clover write their events);
* the time to recompute the levels of every item-location after --events ledger events
  (`rebuild.rebuild_levels`, the merge rule in SQL), and the pure core over the same events;
* p50/p95 of one item's level: `ledger.level_at` in SQL, and the materialised row.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from webapp import create_app  # noqa: E402

BATCH = 1000
PASSWORD = "bench password"  # noqa: S105


def _bench_stock_event(event, ctx) -> None:
    from webapp.inventory.ledger import NewEvent
    from webapp.sync import int_field, str_field

    ctx.ledger.append(NewEvent(
        key=event.id, kind=str_field(event.fields, "kind"), store_id=ctx.store_id,
        item_id=int_field(event.fields, "item_id"), location_id=event.location_id,
        quantity=int_field(event.fields, "quantity"), occurred_at=event.occurred_at,
        actor_user_id=ctx.user_id, device_id=ctx.device_id, device_time=event.device_occurred_at))


def _bench_stock_events(events, ctx) -> dict:
    """The batch form, as receiving, damage or Clover would write a run of stock events:
    every event checked, then staged for the ledger's multi-row insert."""
    from webapp.errors import DomainError
    from webapp.inventory.ledger import NewEvent
    from webapp.sync import int_field, str_field

    errors = {}
    for event in events:
        try:
            ctx.ledger.stage(NewEvent(
                key=event.id, kind=str_field(event.fields, "kind"), store_id=ctx.store_id,
                item_id=int_field(event.fields, "item_id"), location_id=event.location_id,
                quantity=int_field(event.fields, "quantity"), occurred_at=event.occurred_at,
                actor_user_id=ctx.user_id, device_id=ctx.device_id, device_time=event.device_occurred_at))
        except DomainError as err:
            errors[event.id] = err
    return errors


def bench_app():
    """gunicorn "bench.ledger:bench_app()": the real app plus the bench's stock event type."""
    from webapp.sync import registry_of

    app = create_app()
    registry_of(app).register("bench_stock_event", _bench_stock_event, needs_location=True,
                              batch=_bench_stock_events)
    return app


# ----- databases ------------------------------------------------------------------------------


def make_database(engine: str, pg: str | None, workdir: Path) -> tuple[str, callable]:
    from bench._data import private_database

    return private_database(None if engine == "sqlite" else pg, workdir)


def app_for(url: str):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False,
                      "WTF_CSRF_ENABLED": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def seed(app, n_items: int) -> dict:
    from webapp.auth.service import NewUser, create_user
    from webapp.catalog.models import Barcode, Item, Location, Store
    from webapp.counting import service as counting
    from webapp.extensions import db
    from webapp.types import utcnow

    with app.app_context():
        store = Store(name="Bench Market")
        db.session.add(store)
        db.session.flush()
        floor = Location(store_id=store.id, name="Sales floor", is_selling=True)
        back = Location(store_id=store.id, name="Back room", kind="backroom")
        db.session.add_all([floor, back])
        db.session.commit()
        now = utcnow()
        db.session.execute(Item.__table__.insert(), [
            dict(store_id=store.id, name=f"Item {i}", category="", cost_cents=100, price_cents=200,
                 active=True, measure="each", unit_name="", created_at=now, modified_at=now)
            for i in range(n_items)])
        ids = list(db.session.scalars(select(Item.id).where(Item.store_id == store.id).order_by(Item.id)))
        db.session.execute(Barcode.__table__.insert(), [
            dict(store_id=store.id, item_id=item_id, code=f"29{item_id:011d}", gtin14=None, pack_qty=1,
                 created_at=now) for item_id in ids])
        # A store has stock: every item opens with 1,000 on the floor a day ago. Without it the
        # stock mix's sales drove each item it touched below a suggested reorder point on first
        # contact, so every batch also raised about a thousand low-stock alerts.
        from webapp.inventory.models import StockEvent
        from webapp.inventory.rebuild import rebuild_levels

        opened = now - timedelta(days=1)
        db.session.execute(StockEvent.__table__.insert(), [
            dict(key=f"bench-opening:{item_id}", store_id=store.id, item_id=item_id, location_id=floor.id,
                 kind="opening", quantity=1000, occurred_at=opened, recorded_at=now, source="import")
            for item_id in ids])
        rebuild_levels(store.id)
        db.session.commit()
        user = create_user(NewUser("bench", PASSWORD, "manager", store.id))
        session = counting.open_session(counting.NewSession(store.id, floor.id, user.id))
        return {"store_id": store.id, "floor": floor.id, "back": back.id, "items": ids,
                "session_id": session.id}


# ----- sync ingest ----------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_batch(mix: str, world: dict, rng: random.Random) -> dict:
    now = datetime.now(UTC)
    events = []
    for _ in range(BATCH):
        item = rng.choice(world["items"])
        at = _iso(now - timedelta(seconds=rng.randrange(60, 3600)))
        if mix == "count_scan":
            events.append({"id": str(uuid.uuid4()), "type": "count_scan", "occurred_at": at,
                           "store_id": world["store_id"], "session_id": world["session_id"],
                           "code": f"29{item:011d}", "quantity": 1})
        else:
            kind, qty = rng.choice([("sale", -1), ("sale", -2), ("receive", 12), ("damage", -1)])
            events.append({"id": str(uuid.uuid4()), "type": "bench_stock_event", "occurred_at": at,
                           "store_id": world["store_id"], "location_id": world["floor"], "kind": kind,
                           "item_id": item, "quantity": qty})
    return {"device_id": "bench", "device_time": _iso(now), "events": events}


def ingest_test_client(app, world: dict, mix: str, batches: int) -> float:
    rng = random.Random(1)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    bodies = [make_batch(mix, world, rng) for _ in range(batches)]
    started, cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        response = client.post("/api/v1/sync", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        statuses = {r["status"] for r in response.get_json()["results"]}
        assert statuses == {"accepted"}, statuses
    events = batches * BATCH
    return events / (time.perf_counter() - started), events / (time.process_time() - cpu)


def _http_session(base: str):
    import requests

    http = requests.Session()
    token = re.search(r'name="csrf-token" content="([^"]+)"', http.get(f"{base}/login").text).group(1)
    http.post(f"{base}/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
    token = re.search(r'name="csrf-token" content="([^"]+)"', http.get(f"{base}/").text).group(1)
    http.headers["X-CSRFToken"] = token
    return http


def ingest_gunicorn(url: str, world: dict, mix: str, batches: int, phones: int) -> float:
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": "0",
           "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "4", "--bind", f"127.0.0.1:{port}",
         "--timeout", "600", "--log-level", "warning", "--no-control-socket", "bench.ledger:bench_app()"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base)
        rng = random.Random(2)
        sessions = [_http_session(base) for _ in range(phones)]
        plans = [[make_batch(mix, world, rng) for _ in range(batches)] for _ in range(phones)]
        errors: list[str] = []
        retries: list[int] = []

        def send(n: int) -> None:
            for body in plans[n]:
                for _ in range(10):  # a phone retries a 503 (SQLite busy past its timeout) later
                    response = sessions[n].post(f"{base}/api/v1/sync", json=body, timeout=600)
                    if response.status_code != 503:
                        break
                    retries.append(n)
                if response.status_code != 200:
                    errors.append(response.text[:300])

        started, cpu = time.perf_counter(), _cpu_seconds(server.pid)
        threads = [threading.Thread(target=send, args=(n,)) for n in range(phones)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds(server.pid) - cpu
        assert not errors, errors[0]
        events = phones * batches * BATCH
        if retries:
            print(f"  ({len(retries)} batches answered 503 and were sent again)")
        return events / elapsed, events / max(cpu, 1e-9)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for(base: str) -> None:
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/login", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its children (gunicorn's master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for p in pids + [int(c) for c in children]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# ----- a big ledger ---------------------------------------------------------------------------


def load_ledger(app, world: dict, n_events: int) -> float:
    """n_events spread over the items: an opening each, sales, receipts, damage and one count."""
    from bench._data import insert_rows, ledger_events
    from webapp.extensions import db
    from webapp.inventory.models import StockEvent

    rng = random.Random(3)
    began = time.perf_counter()
    with app.app_context():
        rows = ledger_events(world["items"], world["floor"], world["back"], world["store_id"], n_events, rng)
        insert_rows(db.session, StockEvent.__table__, rows, commit_each=True)
    return time.perf_counter() - began


def level_figures(app, world: dict) -> dict:
    from webapp.extensions import db
    from webapp.inventory import ledger, merge, rebuild
    from webapp.inventory.models import StockEvent, StockLevel

    out = {}
    with app.app_context():
        began = time.perf_counter()
        out["streams"] = rebuild.rebuild_levels(world["store_id"])
        db.session.commit()
        out["rebuild_s"] = time.perf_counter() - began

        began = time.perf_counter()
        facts = [merge.Event(r.key, merge.Kind(r.kind), r.occurred_at, r.quantity, r.item_id, r.location_id)
                 for r in db.session.execute(select(
                     StockEvent.key, StockEvent.kind, StockEvent.occurred_at, StockEvent.quantity,
                     StockEvent.item_id, StockEvent.location_id))]
        out["read_s"] = time.perf_counter() - began
        began = time.perf_counter()
        pure = merge.levels(facts)
        out["pure_s"] = time.perf_counter() - began
        stored = dict(((r.item_id, r.location_id), r.quantity) for r in db.session.execute(
            select(StockLevel.item_id, StockLevel.location_id, StockLevel.quantity)))
        out["agree"] = stored == pure

        rng = random.Random(4)
        probes = [(rng.choice(world["items"]), world["floor"]) for _ in range(2000)]
        now = datetime.now(UTC)
        sql, row = [], []
        for item, loc in probes:
            began = time.perf_counter()
            ledger.level_at(item, loc, now)
            sql.append(time.perf_counter() - began)
            began = time.perf_counter()
            db.session.get(StockLevel, (item, loc), populate_existing=True)
            row.append(time.perf_counter() - began)
            db.session.rollback()
        out["level_at_ms"] = _percentiles(sql)
        out["row_ms"] = _percentiles(row)
    return out


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[94] * 1000


# ----- main -----------------------------------------------------------------------------------


def _dispose(app) -> None:
    from webapp.extensions import db

    with app.app_context():
        db.engine.dispose()


def run(engine: str, args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = make_database(engine, args.pg, Path(tmp))
        try:
            app = app_for(url)
            world = seed(app, args.items)
            print(f"\n== {engine}: {args.items} items ==", flush=True)
            from webapp.sync import registry_of

            registry_of(app).register("bench_stock_event", _bench_stock_event, needs_location=True,
                                      batch=_bench_stock_events)
            print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
                  "(events/s = wall clock; per CPU-s = per second of the app's own CPU time)")
            for mix in ("count_scan", "stock events") if not args.skip_ingest else ():
                rate, per_cpu = ingest_test_client(app, world, mix, args.batches)
                print(f"sync ingest, test client, {mix:12s}: {rate:8.0f} events/s, {per_cpu:6.0f} per CPU-s "
                      f"({args.batches} batches of {BATCH})", flush=True)
            _dispose(app)
            for mix in ("count_scan", "stock events") if not args.skip_ingest else ():
                for phones in (1, 4):
                    rate, per_cpu = ingest_gunicorn(url, world, mix, args.batches, phones)
                    who = f"{phones} phone" + ("s" if phones > 1 else " ")
                    print(f"sync ingest, gunicorn -w 4, {mix:12s}, {who}: {rate:8.0f} events/s, "
                          f"{per_cpu:6.0f} per worker CPU-s", flush=True)
            if args.skip_levels:
                return
            loaded = load_ledger(app, world, args.events)
            print(f"loaded {args.events} ledger events in {loaded:.1f} s", flush=True)
            figures = level_figures(app, world)
            print(f"levels of {figures['streams']} item-locations from {args.events} events: "
                  f"{figures['rebuild_s']:.2f} s in SQL (rebuild_levels); pure core "
                  f"{figures['pure_s']:.2f} s (+ {figures['read_s']:.2f} s to read the rows); "
                  f"agree: {figures['agree']}")
            p50, p95 = figures["level_at_ms"]
            print(f"one item's level, ledger.level_at in SQL: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
            p50, p95 = figures["row_ms"]
            print(f"one item's level, materialised row:       p50 {p50:.2f} ms, p95 {p95:.2f} ms")
            _dispose(app)
        finally:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-levels", action="store_true")
    args = parser.parse_args()
    for engine in ("sqlite", "postgresql"):
        if args.only and engine != args.only:
            continue
        if engine == "postgresql" and not args.pg:
            print("\n(PostgreSQL skipped: give --pg or TEST_DATABASE_URL)")
            continue
        run(engine, args)


if __name__ == "__main__":
    main()
