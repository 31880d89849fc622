"""The login throttle counts failed attempts only, and every worker counts the same ones."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from webapp.config import from_environment

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _login(client, password: str) -> int:
    return client.post_form("/login", {"username": "dana", "password": password}).status_code


class TestFailuresOnly:
    @pytest.fixture
    def app_config(self):
        return {"LOGIN_RATE_LIMIT": "3 per minute"}

    def test_successful_logins_do_not_use_up_the_limit(self, app, client, make_user):
        make_user("staff", username="dana", password="correct horse")
        # A shared tablet: eight people log in and out within the minute.
        for _ in range(8):
            assert _login(client, "correct horse") == 302
            client._token = None  # a login and a logout each start a new session, and CSRF token
            assert client.post_form("/logout").status_code == 302
            client._token = None
        assert [_login(client, f"guess{i}") for i in range(4)] == [401, 401, 401, 429]

    def test_past_the_limit_even_the_right_password_waits(self, client, make_user):
        make_user("staff", username="dana", password="correct horse")
        assert [_login(client, f"guess{i}") for i in range(3)] == [401] * 3
        refused = client.post_form("/login", {"username": "dana", "password": "correct horse"})
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "memory://"),
    ({"REDIS_URL": "redis://cache:6379/3"}, "redis://cache:6379/3"),
    ({"REDIS_URL": "redis://cache:6379/3", "RATELIMIT_STORAGE_URI": "memcached://m:11211"}, "memcached://m:11211"),
])
def test_the_throttle_counts_in_redis_when_redis_url_is_set(monkeypatch, env, expected):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert from_environment()["RATELIMIT_STORAGE_URI"] == expected


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI_REQUIRE_ALL"):
            raise
        pytest.skip(f"Redis does not answer at {REDIS_URL} ({type(exc).__name__}); start redis-server")


OTHER_WORKER = textwrap.dedent("""
    import sys
    from webapp import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                      "RATELIMIT_STORAGE_URI": sys.argv[2], "LOGIN_RATE_LIMIT": "5 per minute"})
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    print(" ".join(str(client.post("/login", data={"username": "dana", "password": f"w{i}"}).status_code)
                   for i in range(3)))
""")


class TestSharedByWorkers:
    @pytest.fixture
    def app_config(self):
        _redis_or_skip()
        return {"LOGIN_RATE_LIMIT": "5 per minute", "RATELIMIT_STORAGE_URI": REDIS_URL}

    def test_failures_in_another_process_count_here(self, app, client, make_user, database_url):
        make_user("staff", username="dana", password="correct horse")
        # Another worker (a process of its own, as under gunicorn) takes three failures...
        other = subprocess.run([sys.executable, "-c", OTHER_WORKER, database_url, REDIS_URL],
                               cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
        assert other.stdout.split() == ["401", "401", "401"]
        # ...so this one has two left of the five a minute, not five.
        assert [_login(client, f"guess{i}") for i in range(3)] == [401, 401, 429]
