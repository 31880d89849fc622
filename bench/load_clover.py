"""The Clover side of bench/load.py: the emulator selling, webhooks, and sync loops on every server.

While the phones sync, a thread rings up sales on the emulator, the emulator posts webhooks to
the first app server, and each app server runs its scheduler, `flask jobs run --every N`
(Clover sync, then the low-stock sweep), as every machine of a chain would. At the end the
schedulers stop, one last `flask clover sync` runs, and every Clover item's sale events must
add up to the units the emulator sold: nothing lost, nothing doubled.
"""

from __future__ import annotations

import random
import signal
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.clover_emulator import RunningEmulator

MERCHANT = "LOADBENCHMRCH"
TOKEN = "load-bench-token"  # noqa: S105  (the emulator's, in a throwaway run)
AUTH_CODE = "load-bench-webhook-code"
ROOT = Path(__file__).resolve().parent.parent


def emulator_items(count: int) -> list[dict]:
    return [{"name": f"Clover item {n}", "price": 199 + n, "cost": 100, "sku": f"CLV-{n:04d}",
             "code": f"CLV{n:06d}", "quantity": 10_000} for n in range(count)]


class CloverSide:
    def __init__(self, db_url: str, store_id: int, env: dict[str, str], items: int = 40) -> None:
        self.db_url, self.store_id, self.env = db_url, store_id, env
        self.emulator = RunningEmulator({
            "rate_limits": {"enabled": False}, "ninety_day_rule": False,
            "webhooks": {"mode": "manual"},
            "merchants": [{"id": MERCHANT, "items": emulator_items(items), "tokens": [{"token": TOKEN}]}],
        })
        self.sold: Counter[str] = Counter()
        self.sales = 0
        self.cycles: Counter[str] = Counter()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._schedulers: list[tuple[subprocess.Popen, Path]] = []
        self._logs = Path(tempfile.mkdtemp(prefix="shelfcount-load-jobs-"))

    def start(self) -> dict[str, str]:
        """Start the emulator; returns the environment the app servers need to reach it."""
        self.emulator.start()
        return {"CLOVER_BASE_URL": self.emulator.url, "CLOVER_WEBHOOK_AUTH_CODE": AUTH_CODE,
                "CLOVER_BACKOFF_BASE": "0.05"}

    def connect(self) -> None:
        from webapp import create_app
        from webapp.clover.connection import connect_with_token
        from webapp.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": self.db_url, "CLOVER_BASE_URL": self.emulator.url})
        with app.app_context():
            connect_with_token(self.store_id, MERCHANT, TOKEN)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()

    def point_webhooks(self, server: str) -> None:
        self.emulator.settings(webhooks={"url": f"{server}/clover/webhook", "auth_code": AUTH_CODE,
                                         "mode": "background"})

    def run(self, servers: int, every: float, env: dict[str, str]) -> None:
        items = [i["id"] for i in self.emulator.control("GET", f"/merchants/{MERCHANT}")["items"]]
        self._threads = [threading.Thread(target=self._sell, args=(items,), daemon=True)]
        for thread in self._threads:
            thread.start()
        for n in range(servers):
            log = self._logs / f"jobs-{n}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "jobs", "run", "--every", str(every)],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            self._schedulers.append((proc, log))

    def _sell(self, items: list[str]) -> None:
        rng = random.Random(8)
        while not self._stop.wait(0.2):
            lines = [{"item_id": rng.choice(items), "qty": rng.randint(1, 3)}
                     for _ in range(rng.randint(1, 3))]
            self.emulator.sale(MERCHANT, lines)
            self.sales += 1
            for line in lines:
                self.sold[line["item_id"]] += line["qty"]

    def sync_once(self, env: dict[str, str], name: str = "final") -> None:
        done = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "clover", "sync"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        out = (done.stdout + done.stderr).lower()
        kind = "failed" if done.returncode else ("skipped" if "another sync is running" in out else "ran")
        self.cycles[f"{name} {kind}"] += 1

    def stop(self, env: dict[str, str]) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=300)
        for n, (proc, log) in enumerate(self._schedulers):
            proc.send_signal(signal.SIGTERM)  # the cycle in progress finishes first
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("clover sync: "):
                    kind = ("failed" if "FAILED" in line else
                            "skipped" if "another sync is running" in line else "ran")
                    self.cycles[f"server {n} {kind}"] += 1
        self.emulator.control("POST", "/webhooks/flush", {})
        self.sync_once(env)  # sales stopped: one cycle must bring everything in

    def check(self) -> dict:
        engine = create_engine(self.db_url)
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT i.clover_id, -SUM(e.quantity), COUNT(*), COUNT(DISTINCT e.key) FROM stock_events e "
                "JOIN items i ON i.id = e.item_id WHERE e.store_id = :s AND e.kind = 'sale' "
                "GROUP BY i.clover_id"), {"s": self.store_id}).all()
        engine.dispose()
        recorded = {clover_id: int(units) for clover_id, units, _, _ in rows}
        doubled_keys = sum(int(count) - int(distinct) for _, _, count, distinct in rows)
        missing = sum(max(0, self.sold[i] - recorded.get(i, 0)) for i in self.sold)
        extra = sum(max(0, recorded.get(i, 0) - self.sold[i]) for i in set(self.sold) | set(recorded))
        return {"sales": self.sales, "units_sold": sum(self.sold.values()),
                "units_recorded": sum(recorded.values()), "units_missing": missing, "units_extra": extra,
                "doubled_keys": doubled_keys, "cycles": dict(self.cycles)}

    def close(self) -> None:
        self._stop.set()
        for proc, _ in self._schedulers:
            if proc.poll() is None:
                proc.kill()
        self.emulator.stop()
