"""A small Clover REST v3 client on ``requests``: throttled, retrying, paginating, never logging a token.

Why ``requests``: it is already pinned for the emulator's webhook sender, its ``Session`` pools
connections per host (a sync makes hundreds of calls), and its timeouts and exceptions are the
well-known ones; no async is needed since Clover caps us at 5 requests in flight anyway.

The rules it keeps come from Clover's published limits (shared/reference/clover-api.md 6):

* at most ``rate`` (16) new requests in any one second and ``concurrency`` (5) in flight per
  merchant token, enforced before sending: Clover counts requests it receives, so we never
  send one it would refuse; and, given a ``shared_throttle.Layered`` throttle (connection.client_for), the
  same for every merchant of the app together, under Clover's per-app 50 and 10;
* a 429 pauses every caller of that merchant for ``retry-after`` seconds (plus a margin),
  because a request sent inside the penalty window lengthens it;
* 5xx answers, timeouts and dropped connections are retried with exponential backoff and
  jitter, a bounded number of times; other 4xx answers are raised at once;
* a 401 asks the token source for a fresh token once (an expiring OAuth token), then raises.

The throttle here is process-local (a sliding window and a semaphore per merchant). With
REDIS_URL set, connection.client_for hands the client a ``shared_throttle.RedisThrottle``
instead, which every process and app server spends together. Without Redis, several processes
on one merchant share Clover's budget only approximately: each stays under the limit on its
own, and the 429s the sum may cause are honoured, so nothing is lost, only slowed.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

MAX_PAGE = 1000
DAY_MS = 86_400_000
NINETY_DAYS_MS = 90 * DAY_MS

Params = Sequence[tuple[str, str | int]]


class CloverError(Exception):
    """Clover answered with an error we do not retry; ``status`` is the HTTP status (0: none)."""

    def __init__(self, status: int, message: str, details: str | None = None) -> None:
        super().__init__(f"Clover {status}: {message}" + (f" ({details})" if details else ""))
        self.status = status
        self.message = message
        self.details = details


class CloverAuthError(CloverError):
    """401: a bad or expired token, or a missing permission (Clover uses 401 for both)."""


class CloverNotFound(CloverError):
    pass


class CloverUnavailable(CloverError):
    """Retries ran out: Clover is down, slow, or keeps refusing us with 429."""


class TokenSource(Protocol):
    def current(self) -> str: ...

    def refresh(self, failed: str) -> str | None:
        """A fresh token after ``failed`` was refused, or None when none can be had."""


@dataclass
class StaticToken:
    """A merchant-generated API token (CLOVER_API_TOKEN): it never expires, so never refreshes."""

    token: str

    def current(self) -> str:
        return self.token

    def refresh(self, failed: str) -> str | None:  # noqa: ARG002
        return None

    def __repr__(self) -> str:
        return "StaticToken(<redacted>)"


class Limiter(Protocol):
    """What the client needs of a throttle: ``Throttle`` here, or ``shared_throttle.RedisThrottle``."""

    rate: int

    def pause(self, seconds: float) -> None: ...

    def slot(self) -> AbstractContextManager[None]: ...


class Throttle:
    """At most ``rate`` request starts in any sliding ``window`` and ``concurrency`` in flight.

    A sliding log rather than a token bucket: a bucket that starts full lets ``2 * rate``
    requests through within one second at its start, which Clover's per-second count refuses.
    """

    def __init__(self, rate: float, concurrency: int, window: float = 1.0, margin: float = 0.1,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.rate = max(1, int(rate))
        self.window = window + margin
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._clock = clock
        self._sleep = sleep

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (a 429's retry-after)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _admit(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and self._starts[0] <= now - self.window:
                    self._starts.popleft()
                wait = self._paused_until - now
                if wait <= 0 and len(self._starts) < self.rate:
                    self._starts.append(now)
                    return
                if wait <= 0:
                    wait = self._starts[0] + self.window - now
            self._sleep(max(wait, 0.001))

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._slots:
            self._admit()
            yield


_throttles: dict[tuple[str, str], Throttle] = {}
_throttles_lock = threading.Lock()


def throttle_for(base_url: str, merchant_id: str, rate: float, concurrency: int) -> Throttle:
    """One throttle per merchant per process, shared by every client of that merchant."""
    key = (base_url, merchant_id)
    with _throttles_lock:
        found = _throttles.get(key)
        if found is None or found.rate != max(1, int(rate)):
            found = _throttles[key] = Throttle(rate, concurrency)
        return found


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    by_path: dict[str, int] = field(default_factory=dict)


def retry_after_seconds(value: str | None, default: float = 1.0) -> float:
    """``retry-after`` as seconds: delta-seconds (what Clover sends) or an HTTP date."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


class CloverClient:
    def __init__(self, base_url: str, merchant_id: str, tokens: TokenSource, *, rate: float = 16,
                 concurrency: int = 5, timeout: tuple[float, float] = (5.0, 30.0), max_retries: int = 5,
                 max_throttled: int = 20, backoff_base: float = 0.5, backoff_cap: float = 20.0,
                 retry_after_margin: float = 0.1, throttle: Limiter | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not base_url:
            raise ValueError("CLOVER_BASE_URL is not set")
        self.base_url = base_url.rstrip("/")
        self.merchant_id = merchant_id
        self.tokens = tokens
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_throttled = max_throttled
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_margin = retry_after_margin
        self.throttle = throttle or throttle_for(self.base_url, merchant_id, rate, concurrency)
        self.stats = ClientStats()
        self._stats_lock = threading.Lock()
        self._sleep = sleep
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(10, concurrency * 2), max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"CloverClient({self.base_url!r}, merchant={self.merchant_id!r})"

    def close(self) -> None:
        self.session.close()

    # ----- one request ---------------------------------------------------------------------

    def url(self, path: str) -> str:
        if path.startswith("/"):
            return self.base_url + path
        return f"{self.base_url}/v3/merchants/{self.merchant_id}/{path}" if path else \
            f"{self.base_url}/v3/merchants/{self.merchant_id}"

    def request(self, method: str, path: str, params: Params | None = None, json: Any = None) -> Any:
        url = self.url(path)
        failures = throttled = 0
        refreshed = False
        while True:
            token = self.tokens.current()
            response = None
            try:
                with self.throttle.slot():
                    self._count(path)
                    response = self.session.request(
                        method, url, params=list(params or ()), json=json, timeout=self.timeout,
                        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
            except (requests.Timeout, requests.ConnectionError) as exc:
                problem = type(exc).__name__
            else:
                status = response.status_code
                if status < 400:
                    return response.json() if response.content else {}
                if status == 429:
                    throttled += 1
                    wait = retry_after_seconds(response.headers.get("retry-after")) + self.retry_after_margin
                    with self._stats_lock:
                        self.stats.throttled += 1
                    if throttled > self.max_throttled:
                        raise CloverUnavailable(429, "still rate limited after waiting", path)
                    log.info("clover 429 on %s %s; waiting %.2fs", method, path, wait)
                    self.throttle.pause(wait)
                    continue
                if status == 401 and not refreshed:
                    refreshed = True
                    if self.tokens.refresh(token) is not None:
                        continue
                if status < 500:
                    raise _error(response)
                problem = f"HTTP {status}"
            failures += 1
            if failures > self.max_retries:
                raise CloverUnavailable(0 if response is None else response.status_code,
                                        f"gave up after {failures} attempts", problem)
            delay = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1))
            delay = delay / 2 + random.uniform(0, delay / 2)  # jitter: retries of many callers spread out
            with self._stats_lock:
                self.stats.retries += 1
            log.info("clover %s on %s %s; retry %d in %.2fs", problem, method, path, failures, delay)
            self._sleep(delay)

    def _count(self, path: str) -> None:
        with self._stats_lock:
            self.stats.requests += 1
            key = path.split("?")[0]
            self.stats.by_path[key] = self.stats.by_path.get(key, 0) + 1

    def get(self, path: str, params: Params | None = None) -> Any:
        return self.request("GET", path, params)

    def post(self, path: str, json: Any, params: Params | None = None) -> Any:
        return self.request("POST", path, params, json)

    # ----- collections ---------------------------------------------------------------------

    def paginate(self, path: str, params: Params = (), limit: int = MAX_PAGE) -> Iterator[dict]:
        """Every element of a list, page by page (limit/offset) until a short page."""
        limit = min(limit, MAX_PAGE)
        offset = 0
        while True:
            page = self.get(path, [*params, ("limit", limit), ("offset", offset)]).get("elements") or []
            yield from page
            if len(page) < limit:
                return
            offset += len(page)

    def changed_since(self, path: str, since_ms: int | None, params: Params = (), *,
                      until_ms: int | None = None, field: str = "modifiedTime",
                      limit: int = MAX_PAGE) -> Iterator[dict]:
        """Objects with ``field`` >= ``since_ms``, oldest change first, without skipping any.

        Keyset paging rather than offsets: an object modified while we page moves to the end
        of the order; with plain offsets the one after it would slide into a page already read
        and be missed. Each page restarts at the last ``field`` value seen, skipping the ids
        already yielded at exactly that value.
        """
        limit = min(limit, MAX_PAGE)
        cursor = since_ms
        seen_at_cursor: set[str] = set()
        while True:
            filters: list[tuple[str, str | int]] = []
            if cursor is not None:
                filters.append(("filter", f"{field}>={cursor}"))
            if until_ms is not None:
                filters.append(("filter", f"{field}<{until_ms}"))
            query = [*params, *filters, ("orderBy", f"{field} ASC")]
            offset = len(seen_at_cursor)
            page = self.get(path, [*query, ("limit", limit), ("offset", offset)]).get("elements") or []
            for element in page:
                value = element.get(field)
                if value is None:
                    continue
                if value != cursor:
                    cursor, seen_at_cursor = value, set()
                ident = _identity(element)
                if ident in seen_at_cursor:
                    continue
                seen_at_cursor.add(ident)
                yield element
            if len(page) < limit:
                return

    def every_since(self, path: str, since_ms: int | None, params: Params = (), *,
                    field: str = "modifiedTime", limit: int = MAX_PAGE) -> Iterator[dict]:
        """Objects with ``field`` >= ``since_ms``, each once, in whatever order Clover lists them.

        For lists whose ``orderBy`` may be ignored (voided line items, clover-fidelity.md row 3):
        keyset paging over a newest-first answer asks for the same page again and again, or skips
        the rest. Offsets cannot loop (they only rise), and over a list that only grows they miss
        nothing that was there at the start: a record added meanwhile can only push the others
        later, so one may be read twice (and is yielded once), never skipped.
        """
        limit = min(limit, MAX_PAGE)
        query = [*params, ("orderBy", f"{field} ASC")]
        if since_ms is not None:
            query.append(("filter", f"{field}>={since_ms}"))
        seen: set[str] = set()
        offset = 0
        while True:
            page = self.get(path, [*query, ("limit", limit), ("offset", offset)]).get("elements") or []
            for element in page:
                ident = _identity(element)
                if ident not in seen:
                    seen.add(ident)
                    yield element
            if len(page) < limit:
                return
            offset += len(page)

    def changed_in_slices(self, path: str, start_ms: int, end_ms: int, params: Params = (), *,
                          field: str = "modifiedTime", slice_ms: int = NINETY_DAYS_MS) -> Iterator[dict]:
        """A backfill over a long range, in slices of at most 90 days (Clover narrows longer
        time filters on orders, payments and refunds to their last 90 days, silently)."""
        for lo, hi in time_slices(start_ms, end_ms, slice_ms):
            yield from self.changed_since(path, lo, params, until_ms=hi, field=field)


def time_slices(start_ms: int, end_ms: int, slice_ms: int = NINETY_DAYS_MS) -> list[tuple[int, int]]:
    """[start, end) cut into half-open slices no longer than ``slice_ms``."""
    count = max(1, math.ceil((end_ms - start_ms) / slice_ms))
    return [(start_ms + i * slice_ms, min(end_ms, start_ms + (i + 1) * slice_ms)) for i in range(count)]


def _identity(element: dict) -> str:
    """An object's id; a voided line item record has none of its own, only its line's."""
    return str(element.get("id") or (element.get("lineItem") or {}).get("id") or sorted(element.items()))


def _error(response: requests.Response) -> CloverError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    message = str(body.get("message") or response.reason or "error") if isinstance(body, dict) else "error"
    details = body.get("details") if isinstance(body, dict) else None
    cls = {401: CloverAuthError, 404: CloverNotFound}.get(response.status_code, CloverError)
    return cls(response.status_code, message, None if details is None else str(details))
