"""Load: N phones syncing batches against gunicorn, then every level checked against a reference.

    .venv/bin/python bench/load.py                                  # SQLite, 50 phones
    .venv/bin/python bench/load.py --db postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/load.py --phones 20 --batches 2          # a quick look
    .venv/bin/python bench/load.py --mix transfers                  # the transfers-only bench

Each phone sends --batches batches of --events events. With ``--mix store`` (the default) a
batch is a store's real traffic: about 60% ``count_scan``, 15% ``receive_scan`` (half the
phones against a purchase order two phones share), 10% ``transfer``, 5% ``damage`` (some
above the store's approval threshold), 5% ``unknown_barcode``; a phone's first batch opens
its count session, its last ends with ``count_submit`` and ``receive_close``; two phones share
each login. ``--mix transfers`` sends only ``transfer`` events (the bench before the mix),
``--mix damage`` half ``transfer`` and half ``damage``. In every mix about 10% are resent
copies of events sent before (same id, in a later batch or the same one), batches are
shuffled so events arrive out of their time order, and a fifth carry times hours in the past
with the device clock skewed (an offline phone coming back). The driver keeps the set of
distinct event ids the server acknowledged; at the end it reads the database and prints, per
type, how many acknowledged events were lost or doubled, which ledger rows differ from what
the acknowledged events imply, and which materialised levels differ from the merge rule
replayed over the ledger (all must be 0).

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


DAMAGE_APPROVAL_CENTS = 800  # some damage flags wait for a manager (items cost 1.00-3.99)
PURCHASE_ORDERS = 4


def migrate_and_seed(db_url: str, phones: int, items: int, logins: int) -> dict:
    env = server_env(db_url)
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    os.environ.update(env)
    from webapp import create_app
    from webapp.auth.service import NewUser, create_user
    from webapp.catalog.models import Barcode, Item, Location, Store
    from webapp.extensions import db
    from webapp.receiving.models import POLine, PurchaseOrder

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    with app.app_context():
        store = Store(name="Load Market", damage_approval_cents=DAMAGE_APPROVAL_CENTS)
        db.session.add(store)
        db.session.flush()
        floor = Location(store_id=store.id, name="Sales floor", kind="floor", is_selling=True)
        back = Location(store_id=store.id, name="Back room", kind="backroom")
        db.session.add_all([floor, back])
        item_ids, costs = [], {}
        for n in range(items):
            item = Item(store_id=store.id, name=f"Load item {n}", cost_cents=100 + n % 300)
            item.barcodes.append(Barcode(store_id=store.id, code=f"LOAD{n:06d}", pack_qty=1))
            db.session.add(item)
            db.session.flush()
            item_ids.append(item.id)
            costs[item.id] = item.cost_cents
        db.session.commit()
        users = [create_user(NewUser(f"phone{n:03d}", PASSWORD, "receiver", store.id)).id
                 for n in range(logins)]
        # Receiving against a PO at the item's own cost, so closing leaves every cost (hence
        # every damage flag's value) as it was; ordered far beyond what the phones scan.
        pos = []
        for n in range(PURCHASE_ORDERS):
            po = PurchaseOrder(store_id=store.id, reference=f"LOAD-PO-{n}", vendor="Load Foods",
                               status="open", created_by=users[0])
            po.lines = [POLine(item_id=i, ordered_qty=1_000_000, unit_cost_cents=costs[i]) for i in item_ids]
            db.session.add(po)
            db.session.flush()
            pos.append(po.id)
        db.session.commit()
        seeded = {"store": store.id, "locations": [floor.id, back.id], "items": item_ids, "costs": costs,
                  "pos": pos, "codes": {i: f"LOAD{n:06d}" for n, i in enumerate(item_ids)}}
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
    """What the server must hold: the events the phones sent, which ones were acknowledged."""

    def __init__(self) -> None:
        self.events: dict[str, dict] = {}
        self.acknowledged: set[str] = set()
        self.statuses: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()  # "type: code", for the printout
        self.latencies: list[float] = []
        self.failures: Counter[str] = Counter()
        self.ready = 0
        self.by_round: dict[int, list[float]] = {}

    def of_type(self, type_: str) -> list[dict]:
        return [self.events[i] for i in self.acknowledged if self.events[i]["type"] == type_]


MIXES = {
    # type: share of a batch's fresh events (resends, session starts and ends come on top)
    "store": {"count_scan": 60, "receive_scan": 15, "transfer": 10, "damage": 5, "unknown_barcode": 5},
    "transfers": {"transfer": 100},
    "damage": {"transfer": 50, "damage": 50},
}


class PhonePlan:
    """One phone's sessions: a count at one location, a delivery (against a PO for half the
    phones, a PO two phones share), opened in its first batch and closed in its last."""

    def __init__(self, n: int, seed: dict, rng: random.Random) -> None:
        self.count_session = str(uuid.uuid4())
        self.count_location = seed["locations"][n % 2]
        self.receive_session = str(uuid.uuid4())
        self.po_id = seed["pos"][(n // 2) % len(seed["pos"])] if n % 4 < 2 else None


def make_events(seed: dict, count: int, rng: random.Random, now: datetime, sent: list[dict],
                mix: dict[str, int], plan: PhonePlan, first: bool, last: bool) -> list[dict]:
    events = []
    a, b = seed["locations"]
    late = rng.random() < 0.2  # an offline phone: the whole batch happened hours ago
    counting = "count_scan" in mix
    receiving = "receive_scan" in mix

    def at() -> str:
        return iso(now - timedelta(hours=rng.uniform(1, 8) if late else rng.uniform(0, 0.2)))

    def new(type_: str, **fields) -> dict:
        return {"id": str(uuid.uuid4()), "type": type_, "occurred_at": at(), **fields}

    types, weights = zip(*mix.items(), strict=True)
    for _ in range(count):
        if sent and rng.random() < 0.10:
            events.append(rng.choice(sent))  # a resend: the phone missed the answer last time
            continue
        type_ = rng.choices(types, weights)[0]
        item = rng.choice(seed["items"])
        if type_ == "transfer":
            source, target = (a, b) if rng.random() < 0.5 else (b, a)
            events.append(new("transfer", item_id=item, from_location_id=source, to_location_id=target,
                              quantity=rng.randint(1, 5)))
        elif type_ == "damage":
            events.append(new("damage", item_id=item, location_id=rng.choice((a, b)),
                              quantity=rng.randint(1, 5), reason="damaged"))
        elif type_ == "count_scan":
            events.append(new("count_scan", session_id=plan.count_session, code=seed["codes"][item],
                              quantity=1))
        elif type_ == "receive_scan":
            extra = {"po_id": plan.po_id} if plan.po_id else {}
            events.append(new("receive_scan", session_id=plan.receive_session, code=seed["codes"][item],
                              **extra))
        else:
            events.append(new("unknown_barcode", code=f"99{rng.randrange(40):06d}",
                              session_id=plan.count_session) if counting else
                          new("unknown_barcode", code=f"99{rng.randrange(40):06d}", location_id=a))
    rng.shuffle(events)  # out of time order
    if first and counting:  # a session starts before its scans, in the outbox's order
        events.insert(0, new("count_start", session_id=plan.count_session, location_id=plan.count_location))
    if last and counting:
        events.append(new("count_submit", session_id=plan.count_session))
    if last and receiving:
        extra = {"po_id": plan.po_id} if plan.po_id else {}
        events.append(new("receive_close", session_id=plan.receive_session, **extra))
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
            token = await login(http, base, f"phone{n // args.share:03d}")  # phones sharing a login
        ref.ready += 1
        await start.wait()
        sent: list[dict] = []
        plan = PhonePlan(n, seed, rng)
        for round_ in range(args.batches):
            device_now = datetime.now(UTC) + skew
            events = make_events(seed, args.events, rng, device_now, sent, MIXES[args.mix], plan,
                                 round_ == 0, round_ == args.batches - 1)
            body = {"device_id": f"phone-{n}", "device_time": iso(device_now), "events": events}
            for event in events:
                ref.events.setdefault(event["id"], event)
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
                elif result["status"] == "rejected":
                    ref.rejected[f"{event['type']}: {result['error']['code']}"] += 1
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


def aware(value) -> datetime:
    """A time as the engine returns it (SQLite: text without a zone, meaning UTC)."""
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check(db_url: str, seed: dict, ref: Reference) -> dict:
    """Lost and doubled per event type, the ledger rows against what the acknowledged events
    imply, and every materialised level against the merge rule replayed over the ledger."""
    from webapp.config import database_url
    from webapp.inventory import merge

    engine = create_engine(database_url(db_url))
    # Only the phones' items: with --clover the store also holds Clover's items and their sales.
    mine = set(seed["items"])
    store = {"s": seed["store"]}
    with engine.connect() as conn:
        def rows(sql: str) -> list:
            return conn.execute(text(sql), store).all()

        ledger = [r for r in rows("SELECT key, kind, item_id, location_id, quantity, occurred_at, count_key"
                                  " FROM stock_events WHERE store_id = :s") if r.item_id in mine]
        levels = {(r.item_id, r.location_id): r.quantity for r in rows(
            "SELECT item_id, location_id, quantity FROM stock_levels WHERE store_id = :s")
            if r.item_id in mine}
        per_id = {
            "transfer": rows("SELECT event_id FROM transfers WHERE store_id = :s"),
            "damage": rows("SELECT event_id FROM damage_records WHERE store_id = :s"),
            "receive_scan": rows("SELECT c.event_id FROM receipt_scans c JOIN receipts r"
                                 " ON r.id = c.receipt_id WHERE r.store_id = :s"),
            "unknown_barcode": rows("SELECT event_id FROM unknown_scans WHERE store_id = :s"),
        }
        sessions = dict(rows("SELECT id, status FROM count_sessions WHERE store_id = :s"))
        receipts = {r.session_key: (r.status, r.location_id) for r in rows(
            "SELECT session_key, status, location_id FROM receipts WHERE store_id = :s")}
        scans = Counter({(r.session_id, r.item_id): int(r.n) for r in rows(
            "SELECT c.session_id, c.item_id, COUNT(*) AS n FROM count_scans c JOIN count_sessions s"
            " ON s.id = c.session_id WHERE s.store_id = :s GROUP BY c.session_id, c.item_id")})
        lines = {(r.session_id, r.item_id): r for r in rows(
            "SELECT session_id, item_id, counted, status, ledger_key FROM count_lines WHERE store_id = :s")}
    engine.dispose()

    lost, doubled = Counter(), Counter()
    for type_, found in per_id.items():
        held = Counter(r.event_id for r in found)
        for e in ref.of_type(type_):
            lost[type_] += held[e["id"]] == 0
        doubled[type_] += sum(1 for n in held.values() if n > 1)
    def cell(e: dict) -> tuple[str, int]:
        return e["session_id"], seed["items"][int(e["code"][4:])]

    counted = Counter(cell(e) for e in ref.of_type("count_scan"))
    # count_scans keep no event id: compare per session and item, with the acknowledged scans
    # (fewer rows: lost) and with every scan sent (more rows: doubled; a batch cut off in
    # flight may have been committed unacknowledged).
    sent = Counter(cell(e) for e in ref.events.values() if e["type"] == "count_scan")
    for key in set(counted) | set(scans):
        lost["count_scan"] += max(0, counted[key] - scans[key])
        doubled["count_scan"] += max(0, scans[key] - sent[key])
    for e in ref.of_type("count_start"):
        lost["count_start"] += e["session_id"] not in sessions
    submitted = {e["session_id"] for e in ref.of_type("count_submit")}
    lost["count_submit"] += sum(1 for sid in submitted if sessions.get(sid) != "submitted")
    closed = {e["session_id"] for e in ref.of_type("receive_close")}
    lost["receive_close"] += sum(1 for key in closed if receipts.get(key, ("",))[0] != "closed")

    # The ledger rows the acknowledged events imply (counts: their quantity is the tally).
    costs = {int(k): v for k, v in seed["costs"].items()}
    expected: dict[str, tuple] = {}
    for e in ref.of_type("transfer"):
        item, quantity = e["item_id"], e["quantity"]
        expected[f"transfer:{e['id']}:out"] = ("transfer_out", item, e["from_location_id"], -quantity)
        expected[f"transfer:{e['id']}:in"] = ("transfer_in", item, e["to_location_id"], quantity)
    for e in ref.of_type("damage"):
        if e["quantity"] * costs[e["item_id"]] <= DAMAGE_APPROVAL_CENTS:  # above it: waits for a manager
            expected[f"damage:{e['id']}"] = ("damage", e["item_id"], e["location_id"], -e["quantity"])
    for e in ref.of_type("receive_scan"):
        if e["session_id"] in closed and e["session_id"] in receipts:
            item = seed["items"][int(e["code"][4:])]
            expected[f"receive:{e['id']}"] = ("receive", item, receipts[e["session_id"]][1], 1)
    line_keys = {}
    for (session_id, item), line in lines.items():
        if line.ledger_key:
            line_keys[line.ledger_key] = (session_id, item)
    count_lines_wrong = sum(1 for cell, n in counted.items() if cell[0] in submitted
                            and (cell not in lines or not n <= (lines[cell].counted or 0) <= sent[cell]))
    held = {r.key: r for r in ledger}
    missing = sum(1 for key in expected if key not in held)
    wrong, unexplained = 0, 0
    for r in ledger:
        if r.kind == "adjustment":
            continue  # a count's explanation, never applied to a level
        if r.kind == "count":  # the tally of its scans (a cut-off run may hold unacknowledged ones)
            cell = line_keys.get(r.key)
            wrong += cell is None or not counted.get(cell, 0) <= r.quantity <= sent.get(cell, 0)
            continue
        want = expected.get(r.key)
        if want is None:
            unexplained += 1
        elif want != (r.kind, r.item_id, r.location_id, r.quantity):
            wrong += 1
    legs = Counter(r.key.split(":")[1] for r in ledger if r.key.startswith("transfer:"))
    doubled["transfer"] += sum(1 for n in legs.values() if n > 2)
    replayed = merge.levels(merge.Event(r.key, merge.Kind(r.kind), aware(r.occurred_at), r.quantity,
                                        r.item_id, r.location_id, r.count_key) for r in ledger)
    cells = set(replayed) | set(levels)
    levels_wrong = sum(1 for cell in cells if levels.get(cell, 0) != replayed.get(cell, 0))
    return {"acknowledged": len(ref.acknowledged), "ledger_rows": len(ledger),
            "lost": sum(lost.values()), "doubled": sum(doubled.values()),
            "lost_by_type": dict(+lost) or 0, "doubled_by_type": dict(+doubled) or 0,
            "ledger_rows_missing": missing, "ledger_rows_wrong": wrong,
            "unacknowledged_in_ledger": unexplained, "count_lines_wrong": count_lines_wrong,
            "levels_wrong": levels_wrong, "cells": len(cells)}


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
    parser.add_argument("--port", type=int, default=None,
                        help="the first app server's port (else any free one)")
    parser.add_argument("--servers", type=int, default=1, help="app servers sharing the database")
    parser.add_argument("--clover", action="store_true",
                        help="also sell on the Clover emulator, post webhooks, and run the scheduler "
                        "(`flask jobs run`: Clover sync, then the low-stock sweep) every --sync-every "
                        "seconds beside every app server")
    parser.add_argument("--sync-every", type=float, default=3.0)
    parser.add_argument("--mix", nargs="?", const="store", default="store", choices=sorted(MIXES),
                        help="the event types of a batch: store (the default: a store's real traffic), "
                        "transfers, or damage (half transfers, half damage)")
    parser.add_argument("--share", type=int, default=None,
                        help="phones per login (default 2 with --mix store, else 1)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds of syncing before the phones stop; what was answered is still checked")
    args = parser.parse_args()
    args.share = args.share or (2 if args.mix == "store" else 1)

    with tempfile.TemporaryDirectory(prefix="shelfcount-load-") as tmp:
        workdir = Path(tmp)
        db_url, drop = private_database(args.db, workdir)
        servers: list[subprocess.Popen] = []
        clover = None
        try:
            seed = migrate_and_seed(db_url, args.phones, args.items, -(-args.phones // args.share))
            extra: dict[str, str] = {}
            if args.clover:
                from bench.load_clover import CloverSide

                clover = CloverSide(db_url, seed["store"], {})
                extra = clover.start()
                clover.connect()
            ports = ([args.port + k for k in range(args.servers)] if args.port
                     else [free_port() for _ in range(args.servers)])
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
            print(f"mix {args.mix} ({', '.join(f'{t} {w}%' for t, w in MIXES[args.mix].items())}), "
                  f"{args.share} phone(s) per login")
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
            if ref.rejected:
                print(f"rejected: {dict(ref.rejected)}")
            logs = "".join(log.read_text(errors="replace") for log in workdir.glob("gunicorn-*.log"))
            attempts = Counter(int(m) for m in re.findall(
                r"sync batch retried after \w+ \(attempt (\d+)\)", logs))
            retried = sum(attempts.values())
            print(f"batches retried whole by the server (deadlock or serialization failure): {retried}"
                  f" (redone more than once: {sum(n for k, n in attempts.items() if k >= 2)})")
            print("check: " + ", ".join(f"{k} {v}" for k, v in result.items()))
            if not finished:
                print(f"NOT FINISHED within --timeout {args.timeout:.0f} s: batches cut off in flight may "
                      "be in the ledger unacknowledged (the phone would resend them as duplicates)")
            ok = (result["lost"] == 0 and result["doubled"] == 0 and result["levels_wrong"] == 0
                  and result["ledger_rows_missing"] == 0 and result["ledger_rows_wrong"] == 0
                  and result["count_lines_wrong"] == 0
                  and (not finished or result["unacknowledged_in_ledger"] == 0))
            print("RESULT: " + ("0 lost, 0 doubled, every level right" if ok else "MISMATCH"))
            if clover:
                clover.stop(cli_env)
                sales = clover.check()
                print("clover: " + ", ".join(f"{k} {v}" for k, v in sales.items()))
                clover_ok = not (sales["units_missing"] or sales["units_extra"] or sales["doubled_keys"])
                print("CLOVER: " + ("every unit sold recorded once" if clover_ok else "MISMATCH"))
                ok = ok and clover_ok
            errors = Counter(line for line in logs.splitlines()
                             if re.match(r"^[\w.]*(Error|Exception)\b", line))
            if errors:
                print("server errors: " + "; ".join(f"{n} x {line[:200]}"
                                                    for line, n in errors.most_common(5)))
            if not ok or ref.failures:
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
