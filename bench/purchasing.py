"""How long suggested orders take on a big store: 15,000 items, 50 vendors, 1,000,000 ledger events.

Usage: .venv/bin/python bench/purchasing.py [--database postgresql://postgres@127.0.0.1/test]
                                             [--items 15000] [--vendors 50] [--events 1000000]
                                             [--repeat 3]

Seeds the store of bench/reports.py (two locations, Clover sales over 90 days, receipts,
damage, counts), then 50 vendors; every item is in one vendor's catalog as preferred and one
in five also in a second vendor's; 200 sent POs are on order. Prints the median of --repeat
runs of ``purchasing.suggest.suggest`` for every vendor at once (what /purchasing/ shows) and
for one vendor (what a vendor's suggestion page shows), wall-clock and CPU. The aim is 2 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench._data import private_database  # noqa: E402
from bench.reports import seed as seed_store  # noqa: E402
from bench.reports import timed  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402


def seed_purchasing(app, vendors: int, open_pos: int) -> None:
    from webapp.auth.models import User
    from webapp.catalog.models import Item, Store
    from webapp.purchasing.models import POVendor, Vendor, VendorItem
    from webapp.receiving.models import POLine, PurchaseOrder

    rng = random.Random(18)
    now = datetime.now(UTC)
    with app.app_context():
        store_id = db.session.scalar(select(Store.id))
        user_id = db.session.scalar(select(User.id))
        db.session.execute(Vendor.__table__.insert(), [
            {"store_id": store_id, "name": f"Vendor {v:02d}", "contact_name": "", "email": "", "phone": "",
             "lead_time_days": rng.choice([2, 3, 5, 7, 10, 14]),
             "order_minimum_cents": rng.choice([0, 10000, 25000]),
             "currency": "USD", "active": True, "created_at": now} for v in range(1, vendors + 1)])
        vendor_ids = list(db.session.scalars(select(Vendor.id).order_by(Vendor.id)))
        item_ids = list(db.session.scalars(select(Item.id).order_by(Item.id)))
        rows = []
        for item_id in item_ids:
            first = rng.choice(vendor_ids)
            size = rng.choice([1, 6, 12, 24])
            rows.append({"store_id": store_id, "vendor_id": first, "item_id": item_id,
                         "vendor_sku": f"V{item_id}", "case_size": size,
                         "case_cost_cents": size * rng.randint(50, 3000), "preferred": True})
            if rng.random() < 0.2:
                second = rng.choice([v for v in vendor_ids if v != first][:10])
                rows.append({"store_id": store_id, "vendor_id": second, "item_id": item_id,
                             "vendor_sku": f"W{item_id}", "case_size": size,
                             "case_cost_cents": size * rng.randint(50, 3000), "preferred": False})
        db.session.execute(VendorItem.__table__.insert(), rows)
        for n in range(open_pos):
            vendor_id = rng.choice(vendor_ids)
            po = PurchaseOrder(store_id=store_id, reference=f"BENCH-{n}", vendor=f"Vendor {vendor_id}",
                               status="open", created_by=user_id,
                               expected_on=(now + timedelta(days=rng.randint(1, 10))).date())
            po.lines = [POLine(item_id=i, ordered_qty=rng.choice([6, 12, 24]), unit_cost_cents=100)
                        for i in rng.sample(item_ids, 20)]
            db.session.add(po)
            db.session.flush()
            db.session.add(POVendor(po_id=po.id, vendor_id=vendor_id))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))


def run(app, repeat: int) -> None:
    from webapp.catalog.models import Store
    from webapp.purchasing.suggest import suggest

    with app.test_request_context():
        store_id = db.session.scalar(select(Store.id))
        everything = suggest(store_id)
        lines = sum(len(s.lines) for s in everything)
        busiest = max(everything, key=lambda s: len(s.lines))
        wall, cpu = timed(lambda: suggest(store_id), repeat)
        print(f"suggest, all vendors: {len(everything)} vendors, {lines:,} lines: "
              f"{wall:,.0f} ms wall, {cpu:,.0f} ms CPU")
        wall, cpu = timed(lambda: suggest(store_id, vendor_id=busiest.vendor_id), repeat)
        print(f"suggest, one vendor ({len(busiest.lines)} lines): {wall:,.0f} ms wall, {cpu:,.0f} ms CPU")
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL to create the bench database beside")
    parser.add_argument("--items", type=int, default=15_000)
    parser.add_argument("--vendors", type=int, default=50)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--open-pos", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url, cleanup = private_database(args.database)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    try:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        start = time.perf_counter()
        seed_store(app, args.items, args.events)
        seed_purchasing(app, args.vendors, args.open_pos)
        print(f"{make_url(url).get_backend_name()}: seeded {args.items:,} items, {args.vendors} vendors and "
              f"{args.events:,} events in {time.perf_counter() - start:.1f} s")
        run(app, args.repeat)
    finally:
        with app.app_context():
            db.engine.dispose()
        cleanup()


if __name__ == "__main__":
    main()
