"""Load: N phones syncing batches against gunicorn, then every level checked against a reference.

    .venv/bin/python bench/load.py                                  # SQLite, 50 phones
    .venv/bin/python bench/load.py --db postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/load.py --phones 20 --batches 2          # a quick look

Each phone logs in as its own receiver and sends --batches batches of --events `transfer`
events (both ledger legs, always accepted, so every event moves a level): about 10% are
resent copies of events sent before (same id, in a later batch or the same one), batches are
shuffled so events arrive out of their time order, and some carry times hours in the past
with the device clock skewed (an offline phone coming back). The driver keeps the set of
distinct event ids the server acknowledged and computes the level each (item, location)
must have; at the end it reads the ledger and the materialised levels and prints how many
events were lost or doubled (both must be 0).

Runs gunicorn with --workers on 127.0.0.1 on a private database: a fresh SQLite file, or a
new database created beside --db's and dropped afterwards. Stops by itself; --timeout bounds
the whole run. Prints requests/s and p50/p95/p99 latency of the sync requests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # webapp, tests.clover_emulator and bench.load_clover, run as a script

PASSWORD = "load-test-password"  # noqa: S105  (the bench users live in a throwaway database)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----- database and server ----------------------------------------------------------------


def private_database(raw: str | None, workdir: Path) -> tuple[str, callable]:
    from webapp.config import database_url

    if not raw:
        return f"sqlite:///{workdir / 'load.db'}", lambda: None
    base = make_url(database_url(raw))
    name = f"shelfcount_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def server_env(db_url: str) -> dict[str, str]:
    # Cheap password hashes: 50 logins at once are not what this measures.
    return {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "load-bench-secret",
            "SESSION_COOKIE_SECURE": "0", "RATELIMIT_ENABLED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def migrate_and_seed(db_url: str, phones: int, items: int) -> dict:
    env = server_env(db_url)
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    os.environ.update(env)
    from webapp import create_app
    from webapp.auth.service import NewUser, create_user
    from webapp.catalog.models import Barcode, Item, Location, Store
    from webapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    with app.app_context():
        store = Store(name="Load Market")
        db.session.add(store)
        db.session.flush()
        floor = Location(store_id=store.id, name="Sales floor", kind="floor", is_selling=True)
        back = Location(store_id=store.id, name="Back room", kind="backroom")
        db.session.add_all([floor, back])
        item_ids = []
        for n in range(items):
            item = Item(store_id=store.id, name=f"Load item {n}", cost_cents=100 + n)
            item.barcodes.append(Barcode(store_id=store.id, code=f"LOAD{n:06d}", pack_qty=1))
            db.session.add(item)
            db.session.flush()
            item_ids.append(item.id)
        db.session.commit()
        for n in range(phones):
            create_user(NewUser(f"phone{n:03d}", PASSWORD, "receiver", store.id))
        seeded = {"store": store.id, "locations": [floor.id, back.id], "items": item_ids}
        db.session.remove()
        db.engine.dispose()
    return seeded


def start_gunicorn(db_url: str, port: int, workers: int, log: Path, extra_env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket", "wsgi:app"],
        cwd=ROOT, env={**server_env(db_url), **extra_env}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def cpu_seconds(masters: list[int], database: str) -> dict[str, float]:
    """CPU used so far by the app servers' workers and by the database's backends (Linux /proc;
    empty where it cannot be read), to say where the machine's two cores went."""
    out = {"app servers": 0.0, "PostgreSQL backends": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if int(pid) in masters or int(fields[1]) in masters:
            out["app servers"] += used
        elif cmdline.startswith("postgres:") and f" {database} " in cmdline:
            out["PostgreSQL backends"] += used
    return out


# ----- the phones -------------------------------------------------------------------------


class Reference:
    """What the server must hold: distinct acknowledged events, and the levels they imply."""

    def __init__(self) -> None:
        self.events: dict[str, dict] = {}
        self.acknowledged: set[str] = set()
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.failures: Counter[str] = Counter()
        self.ready = 0
        self.by_round: dict[int, list[float]] = {}

    def levels(self) -> Counter[tuple[int, int]]:
        out: Counter[tuple[int, int]] = Counter()
        for event_id in self.acknowledged:
            e = self.events[event_id]
            out[(e["item_id"], e["from_location_id"])] -= e["quantity"]
            out[(e["item_id"], e["to_location_id"])] += e["quantity"]
        return out


def make_events(seed: dict, count: int, rng: random.Random, now: datetime, sent: list[dict]) -> list[dict]:
    events = []
    a, b = seed["locations"]
    late = rng.random() < 0.2  # an offline phone: the whole batch happened hours ago
    for _ in range(count):
        if sent and rng.random() < 0.10:
            events.append(rng.choice(sent))  # a resend: the phone missed the answer last time
            continue
        source, target = (a, b) if rng.random() < 0.5 else (b, a)
        at = now - timedelta(hours=rng.uniform(1, 8) if late else rng.uniform(0, 0.2))
        events.append({"id": str(uuid.uuid4()), "type": "transfer", "occurred_at": iso(at),
                       "item_id": rng.choice(seed["items"]), "from_location_id": source,
                       "to_location_id": target, "quantity": rng.randint(1, 5)})
    rng.shuffle(events)  # out of time order
    return events


async def login(http: aiohttp.ClientSession, base: str, username: str) -> str:
    async with http.get(f"{base}/login") as r:
        token = re.search(r'name="csrf-token" content="([^"]+)"', await r.text()).group(1)
    async with http.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                                 "csrf_token": token}, allow_redirects=False) as r:
        assert r.status == 302, await r.text()
    async with http.get(f"{base}/") as r:
        return re.search(r'name="csrf-token" content="([^"]+)"', await r.text()).group(1)


async def phone(n: int, bases: list[str], seed: dict, args, ref: Reference, start: asyncio.Event,
                logins: asyncio.Semaphore) -> None:
    base = bases[n % len(bases)]  # the load balancer: phones spread over the app servers
    rng = random.Random(args.seed * 1000 + n)
    skew = timedelta(seconds=rng.uniform(-120, 120))  # this phone's clock is off by up to 2 min
    timeout = aiohttp.ClientTimeout(total=120)
    # unsafe=True: aiohttp otherwise drops cookies set by an IP address such as 127.0.0.1.
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with logins:
            token = await login(http, base, f"phone{n:03d}")
        ref.ready += 1
        await start.wait()
        sent: list[dict] = []
        for round_ in range(args.batches):
            device_now = datetime.now(UTC) + skew
            events = make_events(seed, args.events, rng, device_now, sent)
            body = {"device_id": f"phone-{n}", "device_time": iso(device_now), "events": events}
            for attempt in range(5):
                began = time.perf_counter()
                try:
                    async with http.post(f"{base}/api/v1/sync", json=body,
                                         headers={"X-CSRFToken": token}) as r:
                        answer = await r.json(content_type=None) if r.status == 200 else None
                        status = r.status
                except (TimeoutError, aiohttp.ClientError) as exc:
                    answer, status = None, type(exc).__name__
                ref.latencies.append(time.perf_counter() - began)
                ref.by_round.setdefault(round_, []).append(ref.latencies[-1])
                if answer is not None:
                    break
                ref.failures[str(status)] += 1  # the phone keeps its outbox and sends it again
                await asyncio.sleep(0.5 * (attempt + 1))
            else:
                continue
            for event, result in zip(events, answer["results"], strict=True):
                ref.events.setdefault(event["id"], event)
                ref.statuses[result["status"]] += 1
                if result["status"] in ("accepted", "duplicate"):
                    ref.acknowledged.add(event["id"])
            sent.extend(e for e in events if e["id"] in ref.acknowledged)


async def drive(base: list[str], seed: dict, args, ref: Reference, cpu) -> tuple[float, bool, dict]:
    """Returns (seconds the syncing took, whether it finished before --timeout, the CPU seconds
    ``cpu()`` counts that the syncing used)."""
    start, logins = asyncio.Event(), asyncio.Semaphore(4)
    tasks = [asyncio.create_task(phone(n, base, seed, args, ref, start, logins)) for n in range(args.phones)]
    while ref.ready < args.phones:  # every phone logged in before the clock starts
        await asyncio.sleep(0.1)
    before, began = cpu(), time.perf_counter()
    start.set()
    _, pending = await asyncio.wait(tasks, timeout=args.timeout)
    used = {k: v - before[k] for k, v in cpu().items()}
    for task in pending:  # out of time: what was answered still has to be right
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return time.perf_counter() - began, not pending, used


# ----- the check --------------------------------------------------------------------------


def check(db_url: str, seed: dict, ref: Reference) -> dict:
    from webapp.config import database_url

    engine = create_engine(database_url(db_url))
    # Only the phones' items: with --clover the store also holds Clover's items and their sales.
    mine = set(seed["items"])
    with engine.connect() as conn:
        keys = [key for key, item in conn.execute(text(
            "SELECT key, item_id FROM stock_events WHERE store_id = :s"), {"s": seed["store"]})
            if item in mine]
        levels = {(i, loc): q for i, loc, q in conn.execute(text(
            "SELECT item_id, location_id, quantity FROM stock_levels WHERE store_id = :s"),
            {"s": seed["store"]}) if i in mine}
        ledger = Counter()
        for i, loc, q in conn.execute(text("SELECT item_id, location_id, SUM(quantity) FROM stock_events "
                                           "WHERE store_id = :s GROUP BY item_id, location_id"),
                                      {"s": seed["store"]}):
            if i in mine:
                ledger[(i, loc)] = int(q)
    engine.dispose()
    expected = ref.levels()
    # Each transfer writes two legs keyed transfer:<event id>:out and :in.
    legs = Counter(key.split(":")[1] for key in keys if key.startswith("transfer:"))
    lost = sum(1 for event_id in ref.acknowledged if legs.get(event_id, 0) == 0)
    doubled = sum(1 for count in legs.values() if count > 2)
    unknown = sum(1 for event_id in legs if event_id not in ref.acknowledged)
    cells = set(expected) | set(levels)
    wrong_levels = sum(1 for cell in cells if levels.get(cell, 0) != expected.get(cell, 0))
    wrong_ledger = sum(1 for cell in cells if ledger.get(cell, 0) != expected.get(cell, 0))
    levels_vs_ledger = sum(1 for cell in set(ledger) | set(levels)
                           if levels.get(cell, 0) != ledger.get(cell, 0))
    return {"acknowledged": len(ref.acknowledged), "ledger_rows": len(keys), "lost": lost,
            "doubled": doubled, "unacknowledged_in_ledger": unknown, "levels_wrong": wrong_levels,
            "ledger_sums_wrong": wrong_ledger, "levels_vs_ledger_wrong": levels_vs_ledger,
            "cells": len(cells)}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (a private database is made beside it)")
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per app server")
    parser.add_argument("--servers", type=int, default=1, help="app servers sharing the database")
    parser.add_argument("--clover", action="store_true",
                        help="also sell on the Clover emulator, post webhooks, and run the scheduler "
                        "(`flask jobs run`: Clover sync, then the low-stock sweep) every --sync-every "
                        "seconds beside every app server")
    parser.add_argument("--sync-every", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds of syncing before the phones stop; what was answered is still checked")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="shelfcount-load-") as tmp:
        workdir = Path(tmp)
        db_url, drop = private_database(args.db, workdir)
        servers: list[subprocess.Popen] = []
        clover = None
        try:
            seed = migrate_and_seed(db_url, args.phones, args.items)
            extra: dict[str, str] = {}
            if args.clover:
                from bench.load_clover import CloverSide

                clover = CloverSide(db_url, seed["store"], {})
                extra = clover.start()
                clover.connect()
            ports = [free_port() for _ in range(args.servers)]
            servers = [start_gunicorn(db_url, port, args.workers, workdir / f"gunicorn-{port}.log", extra)
                       for port in ports]
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            cli_env = {**server_env(db_url), **extra}
            if clover:
                clover.point_webhooks(bases[0])
                clover.run(args.servers, args.sync_every, cli_env)
            ref = Reference()
            database = make_url(db_url).database or ""
            masters = [server.pid for server in servers]
            def cpu() -> dict[str, float]:
                return {**cpu_seconds(masters, database), "driver": time.process_time()}

            wall, finished, used = asyncio.run(drive(bases, seed, args, ref, cpu))
            time.sleep(2)  # a batch cut off by the timeout may still be committing
            result = check(db_url, seed, ref)
            engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
            load = os.getloadavg()
            print(f"engine {engine}, {args.servers} x gunicorn {args.workers} workers, "
                  f"{os.cpu_count()} CPUs, load average {load[0]:.2f}")
            print(f"{args.phones} phones x {args.batches} batches x {args.events} events in {wall:.1f} s"
                  f"{'' if finished else ' (cut off)'}")
            print(f"CPU while syncing: {used['app servers']:.1f} s app servers, "
                  + (f"{used['PostgreSQL backends']:.1f} s PostgreSQL backends, " if args.db else "")
                  + f"{used['driver']:.1f} s the phones (this driver, on the same cores); "
                  f"{wall * (os.cpu_count() or 1):.1f} s available")
            lat = ref.latencies
            print(f"sync requests {len(lat)} ({len(lat) / wall:.1f}/s, "
                  f"{sum(ref.statuses.values()) / wall:.0f} events/s); latency p50 {pct(lat, .5):.3f} s "
                  f"p95 {pct(lat, .95):.3f} s p99 {pct(lat, .99):.3f} s max {max(lat):.3f} s "
                  f"mean {statistics.fmean(lat):.3f} s")
            print("latency by round (every phone's 1st batch, 2nd, ...): " + ", ".join(
                f"{k + 1}: p50 {pct(v, .5):.2f} s max {max(v):.2f} s" for k, v in sorted(ref.by_round.items())
            ))
            print(f"answers {dict(ref.statuses)}; failed requests (retried) {dict(ref.failures) or 0}")
            retried = sum(log.read_text(errors="replace").count("sync batch retried")
                          for log in workdir.glob("gunicorn-*.log"))
            print(f"batches retried whole by the server (deadlock or serialization failure): {retried}")
            print("check: " + ", ".join(f"{k} {v}" for k, v in result.items()))
            if not finished:
                print(f"NOT FINISHED within --timeout {args.timeout:.0f} s: batches cut off in flight may "
                      "be in the ledger unacknowledged (the phone would resend them as duplicates)")
            ok = (result["lost"] == 0 and result["doubled"] == 0 and result["levels_vs_ledger_wrong"] == 0
                  and (not finished or (result["levels_wrong"] == 0 and result["ledger_sums_wrong"] == 0
                                        and result["unacknowledged_in_ledger"] == 0)))
            print("RESULT: " + ("0 lost, 0 doubled, every level right" if ok else "MISMATCH"))
            if clover:
                clover.stop(cli_env)
                sales = clover.check()
                print("clover: " + ", ".join(f"{k} {v}" for k, v in sales.items()))
                clover_ok = not (sales["units_missing"] or sales["units_extra"] or sales["doubled_keys"])
                print("CLOVER: " + ("every unit sold recorded once" if clover_ok else "MISMATCH"))
                ok = ok and clover_ok
            if not ok:
                for log in workdir.glob("gunicorn-*.log"):
                    print(log.read_text()[-3000:])
            return 0 if ok else 1
        finally:
            if clover:
                clover.close()
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
            drop()


if __name__ == "__main__":
    sys.exit(main())
