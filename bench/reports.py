"""How long each report takes on a big store: 20,000 items and 1,000,000 ledger events.

Usage: .venv/bin/python bench/reports.py [--database postgresql://postgres@127.0.0.1/test]
                                          [--items 20000] [--events 1000000] [--repeat 3]

Builds a throwaway database (a temporary SQLite file, or a new PostgreSQL database beside the
one given, dropped afterwards), migrates it, and bulk-loads a store: two locations, items in
12 categories, an opening balance per item-location 120 days ago, Clover sales over the last
90 days, receipts, damage with reasons, and approved counts with their adjustments. Levels
are then rebuilt from the ledger. Each report page is fetched as a logged-in manager through
the whole Flask stack (query, chart, template); the median of --repeat runs is printed, with
the time of the report's service call alone. The aim is every page under 500 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench._data import CATEGORIES, insert_rows, private_database, store_events  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402


def make_database(raw: str | None):
    """(url, cleanup) for a fresh database."""
    return private_database(raw)


def seed(app, items: int, total: int) -> None:
    from webapp.auth.service import NewUser, create_user
    from webapp.catalog.models import Item, Location, Store
    from webapp.inventory.models import StockEvent, StockLevel

    rng = random.Random(7)
    now = datetime.now(UTC)
    with app.app_context():
        store = Store(name="Bench Market", timezone="America/New_York")
        db.session.add(store)
        db.session.flush()
        floor = Location(store_id=store.id, name="Sales floor", kind="floor", is_selling=True)
        back = Location(store_id=store.id, name="Back room", kind="backroom")
        db.session.add_all([floor, back])
        db.session.commit()
        create_user(NewUser("boss", "bench-password", "manager", store.id))
        db.session.execute(Item.__table__.insert(), [
            {"store_id": store.id, "name": f"Item {i:05d}", "sku": f"SKU{i:05d}",
             "category": CATEGORIES[i % len(CATEGORIES)], "cost_cents": rng.randint(50, 3000),
             "price_cents": rng.randint(100, 5000), "reorder_point": rng.choice([None, 5, 10, 20]),
             "active": True, "measure": "each", "unit_name": "", "created_at": now, "modified_at": now}
            for i in range(1, items + 1)])
        db.session.commit()
        streams: dict[tuple[int, int], list] = {}

        def follow(event):  # the merge rule, event by event, for the levels below
            stream = streams.setdefault((event["item_id"], event["location_id"]), [0, None, 0, []])
            if event["kind"] in ("count", "opening"):
                if stream[1] is None or (event["occurred_at"], event["key"]) > stream[1]:
                    stream[1], stream[2] = (event["occurred_at"], event["key"]), event["quantity"]
            elif event["kind"] != "adjustment":
                stream[3].append((event["occurred_at"], event["quantity"]))

        insert_rows(db.session, StockEvent.__table__,
                    store_events(items, total, now, floor.id, back.id, rng, store.id), seen=follow)
        # The merge rule over the generated events (rebuild.rebuild_levels does the same in SQL,
        # but is slow on SQLite at this size and is not what this bench measures).
        db.session.execute(StockLevel.__table__.insert(), [
            {"item_id": item_id, "location_id": loc, "store_id": store.id,
             "quantity": base_q + sum(q for at, q in deltas if base is None or at > base[0]),
             "base_at": base[0] if base else None, "base_key": base[1] if base else None,
             "base_quantity": base_q, "updated_at": now}
            for (item_id, loc), (_, base, base_q, deltas) in streams.items()])
        db.session.commit()
        # Fresh statistics, and on PostgreSQL the visibility map its index-only scans need, as
        # autovacuum gives a live database after inserts.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))


def timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds. CPU time is this process's own (on SQLite that is
    the whole query), which neighbours on a shared machine cannot inflate."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL to create the bench database beside")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    url, cleanup = make_database(args.database)
    try:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False})
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        engine = make_url(url).get_backend_name()
        start = time.perf_counter()
        seed(app, args.items, args.events)
        print(f"{engine}: seeded {args.items:,} items and {args.events:,} events "
              f"in {time.perf_counter() - start:.1f} s")
        run(app, args.repeat)
    finally:
        with app.app_context():
            db.engine.dispose()
        cleanup()


def run(app, repeat: int) -> None:
    from webapp.reports import accuracy, coverage, dashboard, ledger_view, shrink, valuation
    from webapp.reports.filters import Filter
    from webapp.types import utcnow

    client = app.test_client()
    response = client.post("/login", data={"username": "boss", "password": "bench-password"})
    assert response.status_code == 302, response.status_code
    today = date.today()
    past = (today - timedelta(days=45)).isoformat()
    pages = [
        ("dashboard", "/reports/", lambda f: dashboard.dashboard(1, utcnow())),
        ("valuation now", "/reports/valuation", lambda f: valuation.valuation(f, None, row_limit=100)),
        ("valuation 45 days ago", f"/reports/valuation?at={past}",
         lambda f: valuation.valuation(f, datetime.now(UTC) - timedelta(days=45), row_limit=100)),
        ("shrink, 30 days", "/reports/shrink", lambda f: shrink.shrink(f, with_rows=False)),
        ("accuracy, 90 days", "/reports/accuracy",
         lambda f: accuracy.accuracy(Filter(1, f.tz, f.currency, today - timedelta(days=89), today),
                                     row_limit=100)),
        ("coverage", "/reports/coverage", lambda f: coverage.coverage(f)),
        ("ledger, 7 days", "/reports/ledger",
         lambda f: ledger_view.page(Filter(1, f.tz, f.currency, today - timedelta(days=6), today))),
        ("valuation CSV", "/reports/valuation.csv", None),
        ("alerts", "/alerts/", None),
    ]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'page':24} {'page ms':>9} {'page cpu':>9} {'service ms':>11}  status")
    for name, url, service in pages:
        def fetch(url=url):
            r = client.get(url)
            r.get_data()
            assert r.status_code == 200, (url, r.status_code)

        fetch()  # warm caches and templates once, untimed
        page_ms, page_cpu = timed(fetch, repeat)
        service_ms = ""
        if service is not None:
            with app.app_context():
                f = Filter(1, "America/New_York", "USD", today - timedelta(days=29), today)
                service_ms = f"{timed(lambda f=f, service=service: service(f), repeat)[0]:.0f}"
        flag = "ok" if page_ms < 500 else "over 500 ms"
        print(f"{name:24} {page_ms:9.0f} {page_cpu:9.0f} {service_ms:>11}  {flag}")


if __name__ == "__main__":
    main()
