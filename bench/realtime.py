"""Real-time figures against the local emulator at a realistic 100 ms a request (real HTTP both ways).

    .venv/bin/python bench/realtime.py [--trials 20] [--latency 0.1] [--port 8501]

Shelfcount is served on 127.0.0.1:--port with CLOVER_REALTIME on; the emulator keeps Clover's
real rate limits, answers each /v3 request after --latency seconds, and posts its webhooks the
way Clover does (batched, with X-Clover-Auth). No sync cycle runs during the measures. Prints:
1. a sale on the till -> the level in Shelfcount: p50, p95, max (aim: p95 <= 2 s);
2. a count approval -> Clover's number: p50, p95, max (aim: p95 <= 5 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from tests.clover_emulator import RunningEmulator, _QuietHandler  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.catalog.models import Item, Location, Store  # noqa: E402
from webapp.clover import realtime  # noqa: E402
from webapp.clover.connection import connect_with_token  # noqa: E402
from webapp.clover.sync import run_sync  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.inventory.ledger import Ledger, NewEvent  # noqa: E402
from webapp.inventory.models import StockLevel  # noqa: E402
from webapp.types import utcnow  # noqa: E402

MERCHANT = "BENCHRTMERCH1"
TOKEN = "bench-token"  # noqa: S105 (the emulator's, not a secret)
AUTH = "bench-webhook-auth"
ITEMS = 40


def _level(item_id: int) -> int:
    value = db.session.scalar(select(func.coalesce(func.sum(StockLevel.quantity), 0))
                              .where(StockLevel.item_id == item_id))
    db.session.rollback()  # hold no read transaction against the real-time writers
    return int(value)


def _wait(read, wanted, timeout: float = 30.0) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if read() == wanted:
            return time.perf_counter() - started
        time.sleep(0.01)
    return None


def _figures(name: str, seconds: list[float | None], aim: float) -> None:
    done = sorted(s for s in seconds if s is not None)
    missed = len(seconds) - len(done)
    if not done:
        print(f"{name}: no trial finished within 30 s")
        return
    p95 = done[min(len(done) - 1, int(round(0.95 * len(done) + 0.5)) - 1)]
    print(f"{name}: n={len(done)} p50={statistics.median(done):.2f}s p95={p95:.2f}s max={done[-1]:.2f}s"
          f" (aim p95 <= {aim:.0f} s: {'met' if p95 <= aim and not missed else 'NOT met'}"
          f"{f', {missed} timed out' if missed else ''})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--port", type=int, default=8501)
    args = parser.parse_args()
    ours = f"http://127.0.0.1:{args.port}"
    config = {"response_delay": args.latency, "ninety_day_rule": True,
              "webhooks": {"url": f"{ours}/clover/webhook", "auth_code": AUTH, "mode": "background"},
              "merchants": [{"id": MERCHANT, "tokens": [{"token": TOKEN}], "items": [
                  {"name": f"Item {n}", "price": 100 + n, "sku": f"RT-{n}", "quantity": 1000}
                  for n in range(ITEMS)]}]}
    with tempfile.TemporaryDirectory() as folder, RunningEmulator(config) as emu:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                          "CLOVER_BASE_URL": emu.url, "SECRET_KEY": "bench",
                          "CLOVER_WEBHOOK_AUTH_CODE": AUTH, "CLOVER_REALTIME": True})
        with app.app_context():
            upgrade()
        server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=_QuietHandler)
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        serving.start()
        try:
            with app.app_context():
                store = Store(name="Bench store")
                db.session.add(store)
                db.session.flush()
                db.session.add(Location(store_id=store.id, name="Sales floor", is_selling=True))
                db.session.commit()
                connect_with_token(store.id, MERCHANT, TOKEN)
                run_sync(store.id)
                kicks = realtime.for_app(app)
                kicks.drain(60)
                local = dict(db.session.execute(select(Item.clover_id, Item.id)).tuples().all())
                where = db.session.scalar(select(Location.id).where(Location.store_id == store.id))
                clover_ids = sorted(local)
                db.session.rollback()

                sales = []
                for n in range(args.trials):
                    clover_id = clover_ids[n % len(clover_ids)]
                    wanted = _level(local[clover_id]) - 1
                    emu.sale(MERCHANT, [{"item_id": clover_id, "qty": 1}])
                    sales.append(_wait(lambda c=clover_id: _level(local[c]), wanted))
                    kicks.drain(60)
                _figures("till sale -> Shelfcount level", sales, 2.0)

                counts = []
                for n in range(args.trials):
                    clover_id = clover_ids[(n * 7 + 3) % len(clover_ids)]
                    counted = 500 + n
                    ledger = Ledger(source="web")
                    ledger.append(NewEvent(key=f"bench:{uuid.uuid4()}", kind="count", store_id=store.id,
                                           item_id=local[clover_id], location_id=where, quantity=counted,
                                           occurred_at=utcnow(), source="web"))
                    ledger.settle()
                    db.session.commit()  # the approval's commit: the push is kicked here
                    counts.append(_wait(lambda c=clover_id: emu.stock(MERCHANT, c).get("quantity"),
                                        float(counted)))
                    kicks.drain(60)
                _figures("count approval -> Clover's number", counts, 5.0)
                print(f"emulator: {args.latency * 1000:.0f} ms a request, Clover's rate limits on; "
                      f"{args.trials} trials each")
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
