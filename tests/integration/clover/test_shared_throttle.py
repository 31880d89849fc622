"""The Clover throttle shared through Redis: callers in separate processes (here, separate limiter
instances with their own Redis connections) stay under Clover's per-token limits together."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.clover.client import CloverClient, StaticToken, Throttle

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_url() -> str:
    redis = pytest.importorskip("redis", reason="redis-py is not installed (requirements.txt pins it)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError) as exc:
        pytest.skip(f"Redis does not answer at {REDIS_URL} ({type(exc).__name__}); "
                    "start redis-server or set REDIS_URL")
    return REDIS_URL


def _throttle(redis_url: str, key: str, **kwargs):
    from webapp.clover.shared_throttle import RedisThrottle

    return RedisThrottle(redis_url, key, kwargs.pop("rate", 16), kwargs.pop("concurrency", 5), **kwargs)


def _hammer(emulator, throttles, requests_each: int, threads_each: int = 4) -> None:
    """Each throttle stands for one process: its own client, several threads sending at once."""
    errors: list[BaseException] = []

    def worker(client: CloverClient, count: int) -> None:
        try:
            for _ in range(count):
                client.get("items", [("limit", 1)])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    clients = [CloverClient(emulator.url, MERCHANT, StaticToken(TOKEN), throttle=t) for t in throttles]
    threads = [threading.Thread(target=worker, args=(c, requests_each // threads_each))
               for c in clients for _ in range(threads_each)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    assert errors == []


@pytest.mark.parametrize("emulator_settings", [{"response_delay": 0.03}])
def test_two_processes_sharing_redis_stay_under_clovers_limits_together(
        emulator, redis_url, emulator_settings):
    key = f"shelfcount-test:{uuid.uuid4().hex}"
    _hammer(emulator, [_throttle(redis_url, key), _throttle(redis_url, key)], requests_each=32)
    counters = emulator.counters()
    assert counters["requests_by_path"][f"GET /v3/merchants/{MERCHANT}/items"] == 64
    peak = counters["peaks"][MERCHANT]
    assert peak["per_second"] <= 16, peak
    assert peak["in_flight"] <= 5, peak


@pytest.mark.parametrize("emulator_settings", [{"response_delay": 0.03}])
def test_two_processes_throttling_alone_exceed_the_limit_the_emulator_counts(emulator, emulator_settings):
    # The same load through two in-process throttles: what the shared one exists to prevent,
    # and proof that the emulator's peaks would show a breach.
    _hammer(emulator, [Throttle(16, 5), Throttle(16, 5)], requests_each=32)
    peak = emulator.counters()["peaks"][MERCHANT]
    assert peak["per_second"] > 16 or peak["in_flight"] > 5, peak


def test_a_slot_held_by_a_crashed_worker_lapses_after_its_lease(redis_url):
    key = f"shelfcount-test:{uuid.uuid4().hex}"
    crashed = _throttle(redis_url, key, concurrency=1, lease=0.5)
    assert crashed.try_acquire() is not None  # and never released: the worker was killed
    survivor = _throttle(redis_url, key, concurrency=1, lease=0.5)
    assert survivor.try_acquire() is None
    entered = threading.Event()

    def request() -> None:
        with survivor.slot():
            entered.set()

    thread = threading.Thread(target=request, daemon=True)
    thread.start()
    assert entered.wait(10), "the dead worker's slot never lapsed"
    thread.join(5)
    holder = survivor.try_acquire()
    assert holder is not None  # the survivor released its own slot
    survivor.release(holder)


def test_a_429_in_one_process_pauses_the_others(redis_url):
    key = f"shelfcount-test:{uuid.uuid4().hex}"
    one, other = _throttle(redis_url, key), _throttle(redis_url, key)
    assert other.try_start() == 0
    one.pause(5)
    assert other.try_start() > 1


def test_the_redis_keys_name_no_token(redis_url, emulator):
    import redis

    from webapp.clover.shared_throttle import shared_throttle_for

    throttle = shared_throttle_for(redis_url, emulator.url, MERCHANT, 16, 5)
    with throttle.slot():
        keys = [k.decode() for k in redis.Redis.from_url(redis_url).keys(throttle.key + "*")]
    assert keys and not any(TOKEN in k or MERCHANT in k for k in keys)


def test_without_redis_the_process_throttles_alone():
    throttle = _throttle("redis://127.0.0.1:1/0", "shelfcount-test:down")  # nothing listens on port 1
    done = []
    for _ in range(3):
        with throttle.slot():
            done.append(1)
    assert len(done) == 3
    assert len(throttle.fallback._starts) == 3  # the in-process throttle counted them instead
