"""Two app servers (separate processes, each its own app and database session, one database)
find the merchant's access token expired at the same moment: exactly one refresh reaches Clover.

A Clover refresh token works once (the emulator refuses a reused one with 401, as Clover does),
so a second refresh would fail, or worse, retire the pair the first one stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.clover.conftest import MERCHANT
from tests.integration.clover.test_tokens import _connect_by_oauth
from webapp.clover.connection import connection_for_store
from webapp.clover.token_crypto import cipher
from webapp.types import utcnow

ROOT = Path(__file__).resolve().parents[3]

# One app server: build the app, wait for "go" on stdin, then make one Clover call with the
# expired token (DatabaseTokens refreshes before sending), and report what it used.
SERVER = r"""
import hashlib, json, sys
from webapp import create_app
from webapp.clover.connection import client_for, connection_for_store

config = json.loads(sys.argv[1])
app = create_app(config)
with app.app_context():
    row = connection_for_store(config["STORE_ID"])
    client = client_for(row)
    print("ready", flush=True)
    sys.stdin.readline()
    merchant = client.get("")
    used = client.tokens.current()
    print(json.dumps({"merchant": merchant["id"], "refreshed": client.tokens.refreshes,
                      "token": hashlib.sha256(used.encode()).hexdigest()}), flush=True)
    client.close()
"""


def _servers(app, store_id: int, count: int) -> list[subprocess.Popen]:
    config = {key: app.config[key] for key in ("TESTING", "SQLALCHEMY_DATABASE_URI", "CLOVER_BASE_URL",
                                               "CLOVER_APP_ID", "SECRET_KEY")}
    config["STORE_ID"] = store_id
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)  # the throttle is not under test here
    return [subprocess.Popen([sys.executable, "-c", SERVER, json.dumps(config)], cwd=ROOT, env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(count)]


@pytest.mark.parametrize("emulator_settings", [{"tokens": {"access_lifetime": 600.0}}])
def test_two_app_servers_finding_the_token_expired_at_once_refresh_it_once(
        login_as, emulator, app, db, store, emulator_settings):
    # Runs on SQLite too (one database file shared by both processes) and on PostgreSQL
    # (TEST_DATABASE_URL), where the row lock is what serialises the two refreshers.
    _connect_by_oauth(login_as, emulator)
    row = connection_for_store(store.id)
    row.access_expires_at = utcnow() - timedelta(seconds=1)
    store_id = store.id
    db.session.commit()
    db.session.close()  # hold no lock while the servers run
    emulator.control("POST", "/counters/reset", {})
    servers = _servers(app, store_id, 2)
    try:
        for server in servers:
            assert server.stdout.readline().strip() == "ready", server.stderr.read()
        for server in servers:  # both are past start-up; release them together
            server.stdin.write("go\n")
            server.stdin.flush()
        results = []
        for server in servers:
            out, err = server.communicate(timeout=120)
            assert server.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for server in servers:
            if server.poll() is None:
                server.kill()
    assert emulator.counters()["refreshes"] == {MERCHANT: 1}
    assert sorted(r["refreshed"] for r in results) == [0, 1]
    assert [r["merchant"] for r in results] == [MERCHANT, MERCHANT]
    db.session.expire_all()
    stored = cipher().open(connection_for_store(store_id).access_token)
    assert {r["token"] for r in results} == {hashlib.sha256(stored.encode()).hexdigest()}
    assert emulator.counters()["responses_by_status"].get("401", 0) == 0
