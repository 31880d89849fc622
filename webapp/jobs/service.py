"""One cycle of the periodic jobs, each step on its own: a step that fails is logged and the
next one still runs, so a Clover outage never stops low-stock alerts (nor the reverse)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app

from webapp.alerts import service as alerts
from webapp.audit.context import acting_as
from webapp.auth import service as auth
from webapp.channels import webhooks
from webapp.clover.cli import store_ids
from webapp.clover.client import CloverError
from webapp.clover.sync import run_sync
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.reports import snapshots
from webapp.schedule import service as schedule

log = logging.getLogger(__name__)


class StepFailed(Exception):
    """A step did part of its work; the message says what failed."""


@dataclass
class StepResult:
    name: str
    ok: bool
    summary: str


def clover_step() -> str:
    """Pull and push every connected store; one store's failure does not skip the others."""
    done, failures = [], []
    for store_id in store_ids():
        try:
            with acting_as("clover sync"):  # prices and items that Clover changed, in the audit trail
                report = run_sync(store_id)
        except (CloverError, DomainError) as exc:
            failures.append(f"store {store_id}: {exc}")
            continue
        if not report.ran:
            done.append(f"store {store_id}: another sync is running; skipped")
            continue
        orders = report.orders
        done.append(f"store {store_id}: orders {orders.orders if orders else 0}, "
                    f"events {orders.events if orders else 0}, "
                    f"created in clover {report.new_items.created if report.new_items else 0}, "
                    f"pushed {report.push.pushed if report.push else 0}, requests {report.requests}")
    if failures:
        raise StepFailed("; ".join(failures + done))
    return "; ".join(done) or "no store is connected"


def alerts_step() -> str:
    raised, retried = alerts.sweep()
    return f"{raised} alert(s) raised, {retried} delivery retried"


def snapshots_step() -> str:
    """Delete the level snapshots no valuation has used for SNAPSHOT_KEEP_DAYS days."""
    pruned = snapshots.prune(current_app.config["SNAPSHOT_KEEP_DAYS"])
    return f"{pruned} snapshot(s) pruned"


def sessions_step() -> str:
    """Delete the login sessions that have expired (their cookies are refused already)."""
    return f"{auth.prune_sessions()} expired session(s) removed"


def channels_step() -> str:
    """Send the level feed's due webhook deliveries to the other sales channels."""
    o = webhooks.deliver()
    return f"{o.queued} webhook(s) queued, {o.delivered} delivered, {o.retrying} to retry, {o.failed} failed"


def schedule_step() -> str:
    """Close the count tasks whose count was submitted and make each plan's next task."""
    done, made = schedule.advance()
    return f"{done} count task(s) done, {made} made"


Step = tuple[str, Callable[[], str]]
STEPS: tuple[Step, ...] = (("clover sync", clover_step), ("alerts check", alerts_step),
                           ("channels webhooks", channels_step), ("count schedule", schedule_step),
                           ("snapshots prune", snapshots_step), ("sessions prune", sessions_step))


def run_cycle(steps: Iterable[Step] = STEPS) -> list[StepResult]:
    results = []
    for name, step in steps:
        try:
            summary = step()
            db.session.commit()
            results.append(StepResult(name, True, summary))
        except StepFailed as exc:
            db.session.rollback()
            log.warning("%s failed: %s", name, exc)
            results.append(StepResult(name, False, str(exc)))
        except Exception as exc:  # a bug or an outage in one step must not stop the others
            db.session.rollback()
            log.exception("%s failed", name)
            results.append(StepResult(name, False, f"{type(exc).__name__}: {exc}"))
    return results


def run_forever(every: float, stop: threading.Event, report: Callable[[list[StepResult]], None],
                steps: Iterable[Step] = STEPS) -> int:
    """Cycle until ``stop`` is set, starting one cycle ``every`` seconds after the last began
    (at once when a cycle took longer). The step in progress finishes first. Returns the cycles run."""
    cycles = 0
    steps = tuple(steps)
    while not stop.is_set():
        began = time.monotonic()
        report(run_cycle(steps))
        db.session.remove()  # a long-lived process: no identity map or connection kept between cycles
        cycles += 1
        stop.wait(max(0.0, every - (time.monotonic() - began)))
    return cycles
