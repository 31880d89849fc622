"""``flask jobs run``: the periodic jobs (Clover sync, then the low-stock alert sweep) in one process."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import UTC, datetime

import click

from webapp.jobs import service


@click.group("jobs", help="The periodic jobs: Clover sync for every connected store, then the alert sweep.")
def cli() -> None:
    pass


def _print(results: list[service.StepResult]) -> None:
    click.echo(f"== {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    for result in results:
        click.echo(f"{result.name}: {'ok' if result.ok else 'FAILED'}: {result.summary}",
                   err=not result.ok)
    sys.stdout.flush()  # a log file sees each cycle as it ends, not a buffer's worth later
    sys.stderr.flush()


@cli.command("run")
@click.option("--every", type=click.FloatRange(min=1), default=15.0, show_default=True,
              help="Seconds from the start of one cycle to the start of the next.")
@click.option("--once", is_flag=True, help="One cycle, then exit (for cron): status 1 when a step failed.")
def run(every: float, once: bool) -> None:
    """Sync Clover for every connected store, then sweep low-stock alerts; again every --every
    seconds until SIGTERM or Ctrl-C, which let the step in progress finish. A failing step is
    logged and the next one still runs."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if once:
        results = service.run_cycle()
        _print(results)
        sys.exit(0 if all(r.ok for r in results) else 1)
    stop = threading.Event()

    def request_stop(signum, _frame) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping after the step in progress", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    cycles = service.run_forever(every, stop, _print)
    click.echo(f"stopped after {cycles} cycle(s)")
