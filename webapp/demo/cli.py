"""`flask demo ...`: the demo store that `make run` serves."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

from webapp.demo import catalog, service
from webapp.errors import DomainError

cli = AppGroup("demo", help="Seed and run the demo store (demo mode only).")


@cli.command("seed")
def seed():
    """Create the demo store, its items and one login per role (password "demo").

    Safe to run again: what exists is left alone, and the output says nothing changed.
    """
    try:
        report = service.seed()
    except DomainError as err:
        raise click.ClickException(err.message) from None
    if report.changed:
        parts = ", ".join(f"{n} {what}" for what, n in report.created.items())
        click.echo(f"Demo store seeded (store id {report.store_id}): created {parts}.")
        click.echo('Logins: staff, receiver, manager, admin; password "demo".')
    else:
        click.echo(f"Demo store already seeded (store id {report.store_id}); nothing changed.")
    for note in report.skipped:
        click.echo(f"  skipped {note}", err=True)


@cli.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--merchant", default=catalog.EMULATOR_MERCHANT_ID, show_default=True)
@click.option("--token", default=catalog.EMULATOR_TOKEN, show_default=True)
@click.option("--trade-every", type=float, default=20.0, show_default=True,
              help="Ring up a generated sale every N seconds (0: no live trading).")
@click.option("--webhook-url", default=None, help="Where the emulator posts its webhooks.")
def emulator(host, port, merchant, token, trade_every, webhook_url):
    """Serve a local Clover emulator stocked with the demo store's items, trading live."""
    if not service.demo_allowed():
        raise click.ClickException("The emulator serves the demo store; run it in demo mode (DEMO_MODE=1).")
    # Imported here: the emulator is a development tool, not part of the app a store runs.
    from clover_emulator.__main__ import main

    with tempfile.TemporaryDirectory(prefix="shelfcount-emulator-") as folder:
        items = Path(folder) / "items.json"
        items.write_text(json.dumps(catalog.emulator_items()))
        argv = ["--host", host, "--port", str(port), "--merchant", merchant, "--token", token,
                "--items-json", str(items)]
        if trade_every:
            argv += ["--trade-every", str(trade_every)]
        if webhook_url:
            argv += ["--webhook-url", webhook_url]
        raise SystemExit(main(argv))
