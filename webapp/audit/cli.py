"""`flask audit verify`: walk each store's chain and say what was edited or removed."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.audit import chain
from webapp.audit.models import AuditHead
from webapp.extensions import db

cli = AppGroup("audit", help="The tamper-evident audit trail.")


@cli.command("verify")
@click.option("--store", "store_id", type=int, help="One store's chain (default: every store's).")
def verify(store_id: int | None):
    """Exit 1 when any row was edited or deleted."""
    ids = [store_id] if store_id else list(
        db.session.scalars(select(AuditHead.store_id).order_by(AuditHead.store_id)))
    bad = 0
    for sid in ids:
        report = chain.verify(sid)
        click.echo(f"store {sid}: {report.checked} row(s) checked, "
                   + ("chain intact" if report.ok else f"{len(report.problems)} problem(s)"))
        for _, problem in report.problems:
            click.echo(f"  {problem}")
        bad += not report.ok
    if bad:
        raise SystemExit(1)
