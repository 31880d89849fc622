"""What the ledger and report benchmarks share: a private database, and big ledgers written fast.

``private_database`` makes a throwaway database (a SQLite file, or a new PostgreSQL database
beside the one given, dropped afterwards). ``insert_rows`` bulk-inserts rows in chunks, the
way both benchmarks load a million ledger events without the ledger's per-event work. The
two ledgers themselves: ``ledger_events`` (bench/ledger.py: an opening per item, then sales,
receipts, damage and counts over 60 days) and ``store_events`` (bench/reports.py: a store
with two locations over 120 days, counts with their adjustments, damage with reasons).
Both are seeded, so a run writes the same rows every time.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webapp.config import database_url

CHUNK = 20_000
CATEGORIES = ["Dairy", "Bakery", "Produce", "Meat", "Frozen", "Pantry", "Snacks", "Drinks", "Coffee",
              "Household", "Health", "Deli"]
REASONS = ["damaged", "expired", "spoiled", "theft or missing"]


def private_database(pg: str | None, workdir: Path | None = None) -> tuple[str, Callable[[], None]]:
    """(url, cleanup): a SQLite file in ``workdir`` (else in a new temporary folder that cleanup
    removes) when ``pg`` is empty, else a new database beside ``pg``'s that cleanup drops."""
    if not pg:
        if workdir is not None:
            return f"sqlite:///{workdir / 'bench.db'}", lambda: None
        folder = Path(tempfile.mkdtemp(prefix="shelfcount-bench-"))
        return f"sqlite:///{folder / 'bench.db'}", lambda: shutil.rmtree(folder, ignore_errors=True)
    base = make_url(database_url(pg))
    name = f"shelfcount_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def insert_rows(session, table, rows: Iterable[dict], *, chunk: int = CHUNK, commit_each: bool = False,
                seen: Callable[[dict], None] | None = None) -> int:
    """Insert ``rows`` into ``table`` ``chunk`` at a time (never an empty insert); ``seen`` is called
    with each row first. Commits each chunk when ``commit_each``, else once at the end."""
    batch: list[dict] = []
    total = 0
    for row in rows:
        if seen is not None:
            seen(row)
        batch.append(row)
        if len(batch) >= chunk:
            session.execute(table.insert(), batch)
            total += len(batch)
            batch.clear()
            if commit_each:
                session.commit()
    if batch:
        session.execute(table.insert(), batch)
        total += len(batch)
    session.commit()
    return total


def ledger_events(items: list[int], floor: int, back: int, store_id: int, n_events: int,
                  rng: random.Random, start: datetime = datetime(2026, 10, 1, tzinfo=UTC)) -> Iterator[dict]:
    """bench/ledger.py's ledger: an opening of 40 per item, then sales, receipts (30% of them in
    the back room), damage and counts at random instants over 60 days; n_events in all."""
    n = 0

    def row(item, loc, kind, qty, seconds):
        nonlocal n
        n += 1
        return dict(key=f"bench:{n - 1}", store_id=store_id, item_id=item, location_id=loc, kind=kind,
                    quantity=qty, occurred_at=start + timedelta(seconds=seconds), recorded_at=start,
                    source="import", count_key=None)

    for item in items:
        yield row(item, floor, "opening", 40, 0)
    while n < n_events:
        item = rng.choice(items)
        kind, qty = rng.choice([("sale", -1), ("sale", -1), ("sale", -2), ("receive", 24),
                                ("damage", -1), ("count", rng.randrange(0, 60))])
        yield row(item, back if kind == "receive" and rng.random() < 0.3 else floor, kind, qty,
                  rng.randrange(1, 60 * 86400))


def store_events(items: int, total: int, now: datetime, floor: int, back: int, rng: random.Random,
                 store_id: int = 1) -> Iterator[dict]:
    """bench/reports.py's ledger, roughly: 2 openings per item 120 days ago, then over 90 days 4%
    counts (+ adjustments), 4% receipts, 2% damage, the rest Clover sales. Every row is valid
    under the ledger's checks."""
    n = 0

    def row(kind, item, loc, qty, when, **extra):
        nonlocal n
        n += 1
        return {"key": f"bench:{n}", "store_id": store_id, "item_id": item, "location_id": loc, "kind": kind,
                "quantity": qty, "occurred_at": when, "recorded_at": when,
                "source": extra.pop("source", "web"),
                "device_id": extra.pop("device_id", None), "count_key": extra.pop("count_key", None),
                "note": extra.pop("note", None), "actor_user_id": extra.pop("actor", None)}

    opening = now - timedelta(days=120)
    for item in range(1, items + 1):
        yield row("opening", item, floor, rng.randint(20, 200), opening)
        yield row("opening", item, back, rng.randint(0, 100), opening)
    remaining = total - 2 * items
    while remaining > 0:
        item = rng.randint(1, items)
        when = now - timedelta(seconds=rng.randint(60, 90 * 86400))
        roll = rng.random()
        if roll < 0.04:
            key_row = row("count", item, floor, rng.randint(0, 150), when, actor=1, device_id="bench-device")
            yield key_row
            variance = rng.choice([0, 0, 0, 1, -1, -2, 3, -5])
            remaining -= 1
            if variance and remaining > 0:
                yield row("adjustment", item, floor, variance, when, count_key=key_row["key"], actor=1)
                remaining -= 1
            continue
        if roll < 0.08:
            yield row("receive", item, back, rng.randint(6, 48), when, actor=1)
        elif roll < 0.10:
            yield row("damage", item, floor, -rng.randint(1, 4), when, note=rng.choice(REASONS), actor=1)
        else:
            yield row("sale", item, floor, -rng.randint(1, 3), when, source="clover")
        remaining -= 1
