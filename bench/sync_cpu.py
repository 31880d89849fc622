"""Server CPU per sync batch of a store's mix, through the Flask test client: the figure a busy
shared machine moves least (``bench/load.py``'s latencies mostly measure the queue).

    .venv/bin/python bench/sync_cpu.py                       # SQLite
    .venv/bin/python bench/sync_cpu.py --db postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/sync_cpu.py --profile 25          # and the 25 costliest functions
    .venv/bin/python bench/sync_cpu.py --statements 15       # and the 15 commonest statements

Seeds the store ``bench/load.py`` seeds and plays its phones one after the other, each sending
``--batches`` batches built by ``load.make_events`` (``--mix``, resends, late batches, the
session's start, submit and close), in one process. Prints, per round (every phone's 1st batch,
2nd, ...), the mean CPU time of a batch in this process (on SQLite that includes every query)
and, on PostgreSQL, of the database's backends (read from /proc), the wall time, and the
statements per batch; then the answers, as ``load.py`` counts them.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    MIXES,
    PASSWORD,
    PhonePlan,
    cpu_seconds,
    iso,
    make_events,
    migrate_and_seed,
    private_database,
)


def token_of(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (a private database is made beside it)")
    parser.add_argument("--phones", type=int, default=6)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--mix", default="store", choices=sorted(MIXES))
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions (cumulative)")
    parser.add_argument("--statements", type=int, default=0, help="print the N commonest statements")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="shelfcount-synccpu-") as tmp:
        db_url, drop = private_database(args.db, Path(tmp))
        try:
            return run(args, db_url)
        finally:
            drop()


def run(args, db_url: str) -> int:
    seed = migrate_and_seed(db_url, args.phones, args.items, args.phones)
    from webapp import create_app
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "WTF_CSRF_ENABLED": True})
    database = make_url(db_url).database or ""
    pg = db_url.startswith("postgres")
    statements = [0]
    shapes: Counter[str] = Counter()

    def counted(_conn, _cursor, sql, *_args) -> None:
        statements[0] += 1
        if args.statements:
            shapes[re.sub(r"\s+", " ", sql)[:120]] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counted)
    clients = []
    for n in range(args.phones):
        client = app.test_client()
        token_of(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"username": f"phone{n:03d}", "password": PASSWORD,
                                    "csrf_token": token_of(client.get("/login").get_data(as_text=True))})
        clients.append((client, token_of(client.get("/").get_data(as_text=True))))
    profiler = cProfile.Profile() if args.profile else None
    per_round: dict[int, list[tuple[float, float, float, int]]] = {}
    answers: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for n, (client, token) in enumerate(clients):
        rng = random.Random(args.seed * 1000 + n)
        plan, sent = PhonePlan(n, seed, rng), []
        for round_ in range(args.batches):
            now = datetime.now(UTC)
            events = make_events(seed, args.events, rng, now, sent, MIXES[args.mix], plan,
                                 round_ == 0, round_ == args.batches - 1)
            body = {"device_id": f"phone-{n}", "device_time": iso(now), "events": events}
            pg_before = cpu_seconds([], database)["PostgreSQL backends"] if pg else 0.0
            statements[0] = 0
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.post("/api/v1/sync", json=body, headers={"X-CSRFToken": token})
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            pg_cpu = cpu_seconds([], database)["PostgreSQL backends"] - pg_before if pg else 0.0
            assert response.status_code == 200, response.get_data(as_text=True)[:500]
            per_round.setdefault(round_, []).append((cpu, pg_cpu, wall, statements[0]))
            for e, r in zip(events, response.get_json()["results"], strict=True):
                answers[r["status"]] += 1
                if r["status"] == "rejected":
                    rejected[f"{e['type']}: {r['error']['code']}"] += 1
            sent.extend(e for e, r in zip(events, response.get_json()["results"], strict=True)
                        if r["status"] in ("accepted", "duplicate"))
    print(f"engine {'PostgreSQL' if pg else 'SQLite'}, mix {args.mix}, {args.phones} phones x {args.batches} "
          f"batches x {args.events} events, one at a time through the test client")
    rows = [r for rs in per_round.values() for r in rs]
    for label, rs in [*((f"round {k + 1}", v) for k, v in sorted(per_round.items())), ("all", rows)]:
        print(f"{label:>8}: app CPU {statistics.fmean(r[0] for r in rs) * 1000:7.1f} ms"
              + (f", PostgreSQL CPU {statistics.fmean(r[1] for r in rs) * 1000:6.1f} ms" if pg else "")
              + f", wall {statistics.fmean(r[2] for r in rs) * 1000:7.1f} ms"
              f", statements {statistics.fmean(r[3] for r in rs):6.1f} (mean per batch)")
    print(f"answers {dict(answers)}")
    if rejected:
        print(f"rejected {dict(rejected)}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    for shape, n in shapes.most_common(args.statements):
        print(f"{n:7d}  {shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
