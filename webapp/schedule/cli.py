"""`flask schedule advance`: close counted tasks and make each plan's next one."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.extensions import db
from webapp.schedule import service

cli = AppGroup("schedule", help="The cycle-count schedule.")


@cli.command("advance")
def advance():
    """Run from cron (`flask jobs run` does it each cycle)."""
    done, made = service.advance()
    db.session.commit()
    click.echo(f"{done} task(s) done, {made} new task(s) made.")
