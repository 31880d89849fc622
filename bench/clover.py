"""Clover sync figures against the local emulator (real HTTP, a throwaway SQLite database).

    .venv/bin/python bench/clover.py [--orders 2000] [--push-items 400] [--latency 0.1]

Prints:
1. line items ingested per second by the orders pull, with the emulator's rate limit off;
2. Clover requests used per 1,000 orders;
3. the time to push changed items at Clover's real limits (16 requests/s, 5 in flight per
   token), measured on --push-items items with --latency seconds per response, and
   extrapolated to 5,000 items (a full run of 5,000 takes over five minutes by design).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.clover_emulator import RunningEmulator  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.catalog.models import Item, Location, Store  # noqa: E402
from webapp.clover.catalog_import import import_items  # noqa: E402
from webapp.clover.connection import client_for, connect_with_token  # noqa: E402
from webapp.clover.orders import pull_orders  # noqa: E402
from webapp.clover.push import push_levels  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.inventory.ledger import Ledger, NewEvent  # noqa: E402
from webapp.types import utcnow  # noqa: E402

MERCHANT = "BENCHMERCHANT"
TOKEN = "bench-token"  # noqa: S105 (the emulator's, not a secret)


def _app(folder: str, url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "CLOVER_BASE_URL": url,
                      "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
    return app


def _store() -> Store:
    store = Store(name="Bench store")
    db.session.add(store)
    db.session.flush()
    db.session.add_all([Location(store_id=store.id, name="Sales floor", is_selling=True),
                        Location(store_id=store.id, name="Back room", kind="backroom")])
    db.session.commit()
    return store


def ingest(orders: int) -> None:
    items = [{"name": f"Item {n}", "price": 100 + n, "sku": f"B-{n}", "quantity": 500} for n in range(200)]
    items.append({"name": "Bulk beans", "price": 1899, "priceType": "PER_UNIT", "unitName": "lb",
                  "quantity": 90})
    config = {"rate_limits": {"enabled": False}, "merchants": [
        {"id": MERCHANT, "items": items, "tokens": [{"token": TOKEN}]}]}
    with tempfile.TemporaryDirectory() as folder, RunningEmulator(config) as emu:
        app = _app(folder, emu.url)
        with app.app_context():
            connection = connect_with_token(_store().id, MERCHANT, TOKEN)
            client = client_for(connection)
            import_items(client, connection)
            # Sales rung up after the opening balances, as in steady trading (sales dated before
            # the opening would each make the ledger re-check earlier counts: a backfill, not trading).
            made = emu.generate(MERCHANT, seed=11, orders=orders, hours=0.5, stamp="simulated",
                                start_time=int(time.time() * 1000) + 1000)
            before = client.stats.requests
            started = time.perf_counter()
            result = pull_orders(client, connection)
            elapsed = time.perf_counter() - started
            used = client.stats.requests - before
            client.close()
        print(f"orders pulled: {result.orders} ({made['lines']} line items generated, {result.lines} mapped, "
              f"{result.events} ledger events) in {elapsed:.2f} s")
        print(f"  line items ingested per second (rate limit off): {result.lines / elapsed:,.0f}")
        per_thousand = used * 1000 / max(1, result.orders)
        print(f"  requests per 1,000 orders: {per_thousand:.1f} ({used} for {result.orders})")


def push(count: int, latency: float) -> None:
    items = [{"name": f"Item {n}", "price": 100 + n, "sku": f"P-{n}", "quantity": 10} for n in range(count)]
    config = {"rate_limits": {"enabled": True, "token_per_second": 16, "token_in_flight": 5},
              "response_delay": latency,
              "merchants": [{"id": MERCHANT, "items": items, "tokens": [{"token": TOKEN}]}]}
    with tempfile.TemporaryDirectory() as folder, RunningEmulator(config) as emu:
        app = _app(folder, emu.url)
        with app.app_context():
            store = _store()
            connection = connect_with_token(store.id, MERCHANT, TOKEN)
            client = client_for(connection)
            import_items(client, connection)
            floor = db.session.scalars(select(Location.id).where(Location.store_id == store.id,
                                                                 Location.is_selling.is_(True))).one()
            ledger = Ledger(source="web")
            for item_id in db.session.scalars(select(Item.id).where(Item.store_id == store.id)):
                ledger.append(NewEvent(key=f"bench:{uuid.uuid4()}", kind="count", store_id=store.id,
                                       item_id=item_id, location_id=floor, quantity=7, occurred_at=utcnow()))
            ledger.settle()
            db.session.commit()
            started = time.perf_counter()
            result = push_levels(client, connection)
            elapsed = time.perf_counter() - started
            client.close()
        refused = emu.counters()["responses_by_status"].get("429", 0)
        print(f"push at 16 req/s, 5 in flight, {latency * 1000:.0f} ms per response: "
              f"{result.pushed} changed items in {elapsed:.1f} s ({result.pushed / elapsed:.1f} items/s, "
              f"{refused} answered 429)")
        print(f"  5,000 changed items: about {elapsed / max(1, result.pushed) * 5000 / 60:.1f} minutes "
              f"(extrapolated from {result.pushed})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--push-items", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    ingest(args.orders)
    push(args.push_items, args.latency)


if __name__ == "__main__":
    main()
