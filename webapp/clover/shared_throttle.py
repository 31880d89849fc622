"""Clover's per-token budget shared by every process, through Redis (used when REDIS_URL is set).

Clover counts 16 new requests a second and 5 in flight per token, whichever of our processes
sends them: gunicorn workers answering webhooks, a second app server, the `flask clover sync`
loop. The in-process ``client.Throttle`` keeps each process under the limit on its own; this
one keeps them all under it together.

* **Rate: a token bucket** held in Redis (one hash per merchant), refilled and spent by one Lua
  script, so the check and the spend are atomic across processes. A bucket of ``burst``
  tokens refilled at ``r`` a second lets at most ``burst + r * t`` requests start in any
  ``t`` seconds; with ``burst`` 1 and ``r = (rate - 1) / window`` that is at most ``rate``
  in any ``window`` (1 s plus a margin for requests delayed in transit, like the local
  throttle's), i.e. about 13.6 a second sustained for Clover's 16.
* **In flight: a counted semaphore with expiry**, a sorted set of holders scored by when
  their slot lapses. A worker killed mid-request never releases its slot; the slot lapses
  after ``lease`` seconds (longer than any request may take: the client's connect and read
  timeouts) and the next acquirer sweeps it out.
* **A 429's retry-after** pauses every process of that merchant (one key with the time the
  pause ends), since a request sent inside the penalty window lengthens it.

``Layered`` puts a merchant's limiter and the app's together (Clover also limits every merchant
of one app as a whole); connection.client_for gives every client one.

Times come from Redis's own clock (``TIME`` inside the scripts), so two servers whose clocks
disagree still share one bucket. Keys hold a hash of the base URL and merchant id, never a
token. If Redis stops answering, each process falls back to its in-process throttle and says
so in the log: slower to converge on Clover's budget (the 429s are honoured), but never stuck.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from webapp.clover.client import Limiter, Throttle

log = logging.getLogger(__name__)

KEY_PREFIX = "shelfcount:clover:throttle"

# KEYS: bucket, pause.  ARGV: refill per second, burst, key ttl (ms).
# Returns "0" when admitted, else the seconds to wait before trying again.
_TAKE = """
if redis.replicate_commands then redis.replicate_commands() end  -- TIME before writes, Redis < 5
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return string.format('%.6f', paused - now) end
local refill, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(state[1]), tonumber(state[2])
if tokens == nil or ts == nil then tokens, ts = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - ts) * refill)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / refill end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return string.format('%.6f', wait)
"""

# KEYS: pause.  ARGV: seconds.  Moves the end of the pause later, never earlier.
_PAUSE = """
if redis.replicate_commands then redis.replicate_commands() end  -- TIME before writes, Redis < 5
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then
  redis.call('SET', KEYS[1], string.format('%.6f', until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""

# KEYS: holders (sorted set).  ARGV: limit, lease seconds, holder id.  Returns 1 when acquired.
_ACQUIRE = """
if redis.replicate_commands then redis.replicate_commands() end  -- TIME before writes, Redis < 5
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.6f', now))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], string.format('%.6f', now + tonumber(ARGV[2])), ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
return 1
"""


def merchant_key(base_url: str, merchant_id: str, namespace: str = KEY_PREFIX) -> str:
    digest = hashlib.sha256(f"{base_url.rstrip('/')}|{merchant_id}".encode()).hexdigest()[:24]
    return f"{namespace}:{digest}"


class RedisThrottle:
    """``client.Throttle``'s interface (``slot()``, ``pause()``, ``rate``), shared through Redis."""

    def __init__(self, redis_url: str, key: str, rate: float, concurrency: int, *, window: float = 1.0,
                 margin: float = 0.1, burst: int = 1, lease: float = 45.0, poll: float = 0.02,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        import redis  # only a deployment with REDIS_URL needs the package at all

        self.rate = max(1, int(rate))
        self.concurrency = max(1, int(concurrency))
        self.burst = max(1, min(int(burst), self.rate - 1)) if self.rate > 1 else 1
        self.refill = max(self.rate - self.burst, 1) / (window + margin)
        self.lease = lease
        self.poll = poll
        self.key = key
        self._sleep = sleep
        self._errors = (redis.RedisError, OSError)
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._take = self._redis.register_script(_TAKE)
        self._pause = self._redis.register_script(_PAUSE)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self.fallback = Throttle(rate, concurrency, window=window, margin=margin)
        self._warned_at = 0.0

    def __repr__(self) -> str:
        return f"RedisThrottle({self.key!r}, rate={self.rate}, in_flight={self.concurrency})"

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning("Redis unavailable for the Clover throttle (%s); this process throttles alone",
                        type(exc).__name__)

    # ----- the parts, public for tests -----------------------------------------------------

    def try_acquire(self) -> str | None:
        """An in-flight slot's holder id, or None when all are taken."""
        holder = uuid.uuid4().hex
        taken = self._acquire(keys=[self.key + ":flight"], args=[self.concurrency, self.lease, holder])
        return holder if int(taken) == 1 else None

    def release(self, holder: str) -> None:
        try:
            self._redis.zrem(self.key + ":flight", holder)
        except self._errors as exc:  # the slot lapses by itself after the lease
            self._warn(exc)

    def try_start(self) -> float:
        """0 when a request may start now (and counts it), else the seconds to wait."""
        wait = self._take(keys=[self.key + ":rate", self.key + ":pause"],
                          args=[f"{self.refill:.6f}", self.burst, 60_000])
        return float(wait)

    # ----- the interface -------------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """Hold every process of this merchant back for ``seconds`` (a 429's retry-after)."""
        try:
            self._pause(keys=[self.key + ":pause"], args=[f"{max(seconds, 0.0):.6f}"])
        except self._errors as exc:
            self._warn(exc)
            self.fallback.pause(seconds)

    @contextmanager
    def slot(self) -> Iterator[None]:
        try:
            holder = self._wait_for_slot()
        except self._errors as exc:
            self._warn(exc)
            with self.fallback.slot():
                yield
            return
        try:
            try:
                self._wait_to_start()
            except self._errors as exc:
                self._warn(exc)
                self.fallback._admit()
            yield
        finally:
            self.release(holder)

    def _wait_for_slot(self) -> str:
        while True:
            holder = self.try_acquire()
            if holder is not None:
                return holder
            self._sleep(self.poll * random.uniform(0.5, 1.5))

    def _wait_to_start(self) -> None:
        while True:
            wait = self.try_start()
            if wait <= 0:
                return
            self._sleep(max(wait, 0.001))


class Layered:
    """A merchant token's limiter and the app's together: Clover also limits every merchant of one
    app as a whole (50 new requests a second, 10 in flight; clover-fidelity.md row 6), so several
    merchants syncing at once each under their own limit would still draw 429s. A request takes
    the app's slot, then its merchant's, and is sent as soon as its merchant admits it: the
    merchant's is the limit a lone store meets, so its count is taken last, right before the
    send (a count taken before a wait lets requests bunch up in Clover's second). The app's count
    is taken before that wait, so its rate is set below Clover's (CLOVER_APP_RATE_PER_SECOND).
    A 429 pauses the merchant that got it."""

    def __init__(self, token: Limiter, app: Limiter) -> None:
        self.token = token
        self.app = app
        self.rate = token.rate

    def pause(self, seconds: float) -> None:
        self.token.pause(seconds)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self.app.slot(), self.token.slot():
            yield


APP_KEY = "app:"  # a throttle key no Clover merchant id can take (ids are letters and digits)


_shared: dict[tuple[str, str], RedisThrottle] = {}
_shared_lock = threading.Lock()


def shared_throttle_for(redis_url: str, base_url: str, merchant_id: str, rate: float,
                        concurrency: int) -> RedisThrottle:
    """One RedisThrottle (and connection pool) per merchant per process."""
    key = merchant_key(base_url, merchant_id)
    with _shared_lock:
        found = _shared.get((redis_url, key))
        if found is None or found.rate != max(1, int(rate)) or found.concurrency != max(1, int(concurrency)):
            found = _shared[(redis_url, key)] = RedisThrottle(redis_url, key, rate, concurrency)
        return found
