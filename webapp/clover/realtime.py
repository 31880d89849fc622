"""Real time with Clover: a verified webhook pulls at once, a level that moved is pushed at once.

Two kinds of kick, each debounced per store in a thread of the process that saw the cause:

* ``pull``: a webhook delivery was verified and stored hints for a merchant; its hints are
  fetched (``sync.run_quick``) as soon as deliveries stop for ``CLOVER_REALTIME_DELAY``
  seconds (Clover batches its notifications; a burst becomes one pull).
* ``push``: a transaction that moved item levels committed (the ledger's ``LEVEL_LISTENERS``
  name the items); once quiet, only those items are read from Clover and written
  (``push.push_items``: one GET and at most one POST each, no listing of every item_stock).

A kick never waits longer than ``CLOVER_REALTIME_MAX_WAIT`` seconds however busy the till is.
Every request goes through the client's throttle (per token and per app, across processes
through Redis when set), so real time stays within Clover's limits. A job finding the
merchant's lease taken (a periodic cycle is running) tries again shortly; the periodic cycle
remains the safety net for anything a kick misses (a process that dies, a lost webhook).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import event

from webapp.extensions import db
from webapp.inventory import ledger

log = logging.getLogger(__name__)

MOVED = "clover.realtime.moved"
COMMITTED = "clover.realtime.committed"
RETRY_DELAY = 0.1  # doubling up to RETRY_CAP while a cycle holds the lease
RETRY_CAP = 2.0
QUIET = "clover.realtime.quiet"  # set by a sync cycle, which pushes what it moved itself
RETRY_FOR = 60.0  # seconds a job keeps retrying a taken lease before the periodic cycle takes over


class _Pending:
    def __init__(self) -> None:
        self.first = self.last = time.monotonic()
        self.kicks = 0
        self.items: set[int] = set()
        self.wake = threading.Event()


class Realtime:
    """The debounced kicks of one app. ``runner(kind, store_id, items) -> bool`` does one job and
    says whether it ran (False: the lease was taken, try again)."""

    def __init__(self, app: Flask, runner: Callable[[str, int, set[int]], bool]) -> None:
        self.app = app
        self.runner = runner
        self.delay = float(app.config.get("CLOVER_REALTIME_DELAY", 0.2))
        self.max_wait = float(app.config.get("CLOVER_REALTIME_MAX_WAIT", 2.0))
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], _Pending] = {}

    def kick(self, kind: str, store_id: int, items: set[int] | None = None) -> None:
        key = (kind, store_id)
        with self._lock:
            pending = self._pending.get(key)
            fresh = pending is None
            if fresh:
                pending = self._pending[key] = _Pending()
            pending.last = time.monotonic()
            pending.kicks += 1
            pending.items |= items or set()
            pending.wake.set()
        if fresh:
            threading.Thread(target=self._run, args=(key, pending), name=f"clover-{kind}-{store_id}",
                             daemon=True).start()

    def _quiet(self, pending: _Pending) -> None:
        while True:
            now = time.monotonic()
            due = min(pending.last + self.delay, pending.first + self.max_wait)
            if now >= due:
                return
            pending.wake.clear()
            pending.wake.wait(due - now)

    def _run(self, key: tuple[str, int], pending: _Pending) -> None:
        kind, store_id = key
        try:
            while True:
                self._quiet(pending)
                with self._lock:
                    items, pending.items, seen = pending.items, set(), pending.kicks
                started = time.monotonic()
                wait = RETRY_DELAY
                while not self._once(kind, store_id, items):
                    if time.monotonic() - started > RETRY_FOR:
                        log.info("clover %s for store %s left to the periodic cycle", kind, store_id)
                        break
                    time.sleep(wait)
                    wait = min(RETRY_CAP, wait * 2)
                    with self._lock:  # kicks that came meanwhile join this try
                        items |= pending.items
                        pending.items, seen = set(), pending.kicks
                with self._lock:
                    if pending.kicks == seen:
                        del self._pending[key]
                        return
                    pending.first = time.monotonic()
        except BaseException:
            with self._lock:
                self._pending.pop(key, None)
            raise

    def _once(self, kind: str, store_id: int, items: set[int]) -> bool:
        with self.app.app_context():
            try:
                return self.runner(kind, store_id, items)
            except Exception:  # a failed job must not kill the thread silently: the cycle retries
                log.exception("clover %s for store %s failed; the periodic cycle will retry", kind, store_id)
                return True
            finally:
                db.session.remove()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no kick is pending or running (tests and the bench); True when idle."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.02)
        return False


def for_app(app: Flask) -> Realtime | None:
    return app.extensions.get("clover_realtime")


def install(app: Flask, runner: Callable[[str, int, set[int]], bool]) -> None:
    if app.config.get("CLOVER_REALTIME"):
        app.extensions["clover_realtime"] = Realtime(app, runner)


def pull_soon(store_ids: list[int]) -> None:
    realtime = for_app(current_app)
    for store_id in store_ids if realtime is not None else ():
        realtime.kick("pull", store_id)


def push_soon(store_id: int, item_ids: set[int]) -> None:
    realtime = for_app(current_app)
    if realtime is not None:
        realtime.kick("push", store_id, item_ids)


def _levels_moved(store_id: int, item_ids: set[int]) -> None:
    if db.session.info.get(QUIET):
        return
    db.session.info.setdefault(MOVED, {}).setdefault(store_id, set()).update(item_ids)


if _levels_moved not in ledger.LEVEL_LISTENERS:
    ledger.LEVEL_LISTENERS.append(_levels_moved)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    session.info[COMMITTED] = True  # also on a savepoint's release: see _push_soon


@event.listens_for(Session, "after_transaction_end")
def _push_soon(session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return  # only the outermost transaction's end: the levels are visible to others now
    moved = session.info.pop(MOVED, None)
    committed = session.info.pop(COMMITTED, False)
    if not moved or not committed:
        # Rolled back: nothing moved. (A savepoint released inside a transaction that then
        # rolled back kicks a push that finds nothing to write: harmless.)
        return
    try:
        realtime = for_app(current_app)
    except RuntimeError:  # no app context: nothing to kick
        return
    for store_id, item_ids in sorted(moved.items()) if realtime is not None else ():
        realtime.kick("push", store_id, item_ids)
