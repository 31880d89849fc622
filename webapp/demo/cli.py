"""`flask demo ...`: the demo store that `make run` serves."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.demo import service
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
