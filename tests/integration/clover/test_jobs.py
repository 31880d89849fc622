"""`flask jobs run`: Clover sync for every connected store, then the alert sweep, in one process;
a failing step is reported and the other still runs; SIGTERM stops the loop cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp.alerts.models import StockAlert
from webapp.inventory.models import StockEvent
from webapp.types import utcnow

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def low_oil(db, store, make_item):
    """An item whose level was rebuilt in bulk below its point: only the sweep can raise its alert."""
    from webapp.inventory.rebuild import rebuild_levels

    oil = make_item("Olive Oil", reorder_point=3)
    db.session.execute(StockEvent.__table__.insert().values(
        key="import:1", store_id=store.id, item_id=oil.id, location_id=store.selling_location.id,
        kind="opening", quantity=2, occurred_at=utcnow(), recorded_at=utcnow(), source="import"))
    rebuild_levels(store.id)
    db.session.commit()
    return oil.id


def _alerted(db) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(StockAlert.item_id)))


def test_once_syncs_the_connected_store_then_raises_the_alerts(
        app, db, connected, low_oil, level, clover_items):
    assert _alerted(db) == []
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert level(clover_items["Oat Milk 1L"]) == 24
    assert _alerted(db) == [low_oil]
    assert "clover sync: ok" in result.output and "alerts check: ok: 1 alert(s) raised" in result.output
    assert "snapshots prune: ok: 0 snapshot(s) pruned" in result.output
    assert "sessions prune: ok: 0 expired session(s) removed" in result.output


def test_clover_out_of_reach_does_not_stop_the_alert_sweep(app, db, connected, low_oil, level, clover_items):
    app.config["CLOVER_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens: every request is refused
    app.config["CLOVER_MAX_RETRIES"] = 1
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--once"])
    assert result.exit_code == 1
    assert "clover sync: FAILED: store" in result.output
    assert _alerted(db) == [low_oil]
    assert level(clover_items["Oat Milk 1L"]) == 0


def test_a_broken_alert_sweep_does_not_stop_the_clover_sync(
        app, db, connected, level, clover_items, monkeypatch):
    def broken_sweep():
        raise RuntimeError("mail queue table is locked")

    monkeypatch.setattr("webapp.jobs.service.alerts.sweep", broken_sweep)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--once"])
    assert result.exit_code == 1
    assert "alerts check: FAILED: RuntimeError: mail queue table is locked" in result.output
    assert level(clover_items["Oat Milk 1L"]) == 24


def test_sigterm_stops_the_loop_after_the_step_in_progress(_migrated, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CLOVER_", "REDIS_"))}
    env.update(DATABASE_URL=_migrated, SECRET_KEY="jobs-test-secret", PYTHONDONTWRITEBYTECODE="1",
               SHELFCOUNT_INSTANCE=str(tmp_path))
    jobs = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--every", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        for line in jobs.stdout:
            seen.append(line)
            if line.startswith("alerts check:"):
                break
        assert any(line.startswith("clover sync: ok: no store is connected") for line in seen), seen
        jobs.send_signal(signal.SIGTERM)
        rest, _ = jobs.communicate(timeout=60)
    finally:
        if jobs.poll() is None:
            jobs.kill()
    assert jobs.returncode == 0, rest
    assert "stopped after" in rest
