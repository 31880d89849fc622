"""Clover's rate limits and 429s (clover-api.md section 6 and 8.9).

Reproduces: new requests per second and requests in flight, counted per token and per app
(defaults 16/5 and 50/10); a breach answers 429 with ``retry-after`` in seconds and the one
``X-RateLimit-<type>: <limit>`` header naming the limit hit; a rate breach opens a penalty
window that every request sent inside it lengthens; and a "force 429 on the next N calls"
control. The 429 body is a guess (6 says it was not found).
"""

import math
import time
from collections import deque
from dataclasses import dataclass, field

from clover_emulator.errors import CloverError
from clover_emulator.state import Store


@dataclass
class _Bucket:
    started: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    penalty_until: float = 0.0
    penalty_header: str = ""
    penalty_limit: int = 0


def too_many(header: str, limit: int, wait: float) -> CloverError:
    headers = {"retry-after": str(max(1, math.ceil(wait))), f"X-RateLimit-{header}": str(limit)}
    return CloverError(429, "Too Many Requests", None, headers)


class RateLimiter:
    """Admission control for /v3 requests; ``enter`` before the handler, ``leave`` after."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, key: str) -> _Bucket:
        return self._buckets.setdefault(key, _Bucket())

    def enter(self, token: str) -> bool:
        """Admit the request (True: the caller must ``leave``) or raise the 429 Clover sends."""
        store = self._store
        with store.lock:
            limits = store.settings["rate_limits"]
            if store.forced_429 > 0:
                store.forced_429 -= 1
                raise too_many("tokenLimit", int(limits["token_per_second"]), 1)
            if not limits["enabled"]:
                return False
            now = time.monotonic()
            penalty = float(limits["penalty_seconds"])
            buckets = [self._bucket("token:" + token), self._bucket("app")]
            for bucket in buckets:
                if bucket.penalty_until > now:
                    bucket.penalty_until = now + penalty  # retrying early lengthens the wait
                    raise too_many(bucket.penalty_header, bucket.penalty_limit, penalty)
            for bucket in buckets:
                while bucket.started and bucket.started[0] <= now - 1.0:
                    bucket.started.popleft()
            checks = [
                (buckets[0], "tokenConcurrentLimit", int(limits["token_in_flight"]), False),
                (buckets[0], "tokenLimit", int(limits["token_per_second"]), True),
                (buckets[1], "crossTokenConcurrentLimit", int(limits["app_in_flight"]), False),
                (buckets[1], "crossTokenLimit", int(limits["app_per_second"]), True),
            ]
            for bucket, header, limit, per_second in checks:
                used = len(bucket.started) if per_second else bucket.in_flight
                if used >= limit:
                    if not per_second:
                        raise too_many(header, limit, 1)
                    bucket.penalty_until = now + penalty
                    bucket.penalty_header, bucket.penalty_limit = header, limit
                    raise too_many(header, limit, penalty)
            for bucket in buckets:
                bucket.started.append(now)
                bucket.in_flight += 1
            return True

    def arrive(self, merchant_id: str) -> None:
        """Record a request Clover received for a merchant (whether or not it is then refused),
        so tests can check what callers sent: the most in any one second and in flight at once."""
        store = self._store
        with store.lock:
            now = time.monotonic()
            starts = store.arrivals.setdefault(merchant_id, deque())
            starts.append(now)
            while starts and starts[0] <= now - 1.0:
                starts.popleft()
            store.in_flight[merchant_id] += 1
            peak = store.peaks.setdefault(merchant_id, {"per_second": 0, "in_flight": 0})
            peak["per_second"] = max(peak["per_second"], len(starts))
            peak["in_flight"] = max(peak["in_flight"], store.in_flight[merchant_id])

    def depart(self, merchant_id: str) -> None:
        with self._store.lock:
            self._store.in_flight[merchant_id] -= 1

    def leave(self, token: str) -> None:
        with self._store.lock:
            for key in ("token:" + token, "app"):
                self._bucket(key).in_flight -= 1

    def reset(self) -> None:
        with self._store.lock:
            self._buckets.clear()
