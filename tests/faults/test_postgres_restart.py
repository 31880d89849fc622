"""PostgreSQL restarted under a running app: requests fail cleanly, then recover by themselves.

Runs on a private cluster (initdb in a temp folder, its own port), never the shared server.
While it is down every request answers 503 with a JSON message the phone can show, and the
phone keeps its outbox; once it is back the same gunicorn serves again (pool_pre_ping drops
the dead connections) and the resent batch lands once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.faults.servers import ROOT, Gunicorn, PrivatePostgres, postgres_bin


@pytest.fixture
def cluster():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root needs runuser to start PostgreSQL as the postgres user")
    workdir = Path(tempfile.mkdtemp(prefix="shelfcount-pg-"))
    pg = PrivatePostgres(workdir).init()
    pg.start()
    try:
        yield pg
    finally:
        pg.stop("immediate")
        shutil.rmtree(workdir, ignore_errors=True)


def _seed(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "fault-test-secret"}
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    from webapp import create_app
    from webapp.auth.service import NewUser, create_user
    from webapp.catalog.models import Item, Location, Store
    from webapp.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        store = Store(name="Restart Market")
        db.session.add(store)
        db.session.flush()
        a = Location(store_id=store.id, name="Sales floor", kind="floor", is_selling=True)
        b = Location(store_id=store.id, name="Back room", kind="backroom")
        item = Item(store_id=store.id, name="Oat Milk")
        db.session.add_all([a, b, item])
        db.session.commit()
        create_user(NewUser("dock", "correct horse", "receiver", store.id))
        ids = {"a": a.id, "b": b.id, "item": item.id}
        db.session.remove()
        db.engine.dispose()
    return ids


def _batch(ids: dict, n: int) -> dict:
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"device_id": "phone-1", "device_time": now, "events": [
        {"id": str(uuid.uuid4()), "type": "transfer", "occurred_at": now, "item_id": ids["item"],
         "from_location_id": ids["a"], "to_location_id": ids["b"], "quantity": 1} for _ in range(n)]}


def test_a_database_restart_gives_clean_503s_and_the_app_recovers_without_a_restart(cluster, tmp_path):
    admin = create_engine(cluster.url.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE shelfcount"))
    admin.dispose()
    url = cluster.url.rsplit("/", 1)[0] + "/shelfcount"
    ids = _seed(url)
    server = Gunicorn(url, tmp_path / "gunicorn.log", workers=2).start()
    try:
        session, token = server.login("dock", "correct horse")
        headers = {"X-CSRFToken": token}
        first = session.post(f"{server.url}/api/v1/sync", json=_batch(ids, 5), headers=headers, timeout=30)
        assert first.status_code == 200

        cluster.stop("fast")
        pending = _batch(ids, 5)
        down = [session.post(f"{server.url}/api/v1/sync", json=pending, headers=headers, timeout=30)
                for _ in range(4)]
        down.append(session.get(f"{server.url}/api/v1/catalog", timeout=30))
        assert {r.status_code for r in down} == {503}, [(r.status_code, r.text[:200]) for r in down]
        assert {r.json()["error"]["code"] for r in down} == {"database_unavailable"}

        cluster.start()
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            answer = session.post(f"{server.url}/api/v1/sync", json=pending, headers=headers, timeout=30)
            if answer.status_code == 200:
                break
            time.sleep(0.5)
        assert answer is not None and answer.status_code == 200, answer.text[:300]
        assert {r["status"] for r in answer.json()["results"]} == {"accepted"}
        again = session.post(f"{server.url}/api/v1/sync", json=pending, headers=headers, timeout=30)
        assert {r["status"] for r in again.json()["results"]} == {"duplicate"}
    finally:
        server.stop()
    check = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with check.connect() as conn:
        level = conn.execute(text("SELECT quantity FROM stock_levels WHERE location_id = :b"),
                             {"b": ids["b"]}).scalar()
    check.dispose()
    assert level == 10
