"""`flask channels ...`: send the webhook's due deliveries; feed totals the feed missed."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.catalog.models import Item
from webapp.channels import feed, webhooks
from webapp.channels.models import SalesChannel
from webapp.extensions import db

cli = AppGroup("channels", help="Other sales channels: the level feed and its webhook.")


@cli.command("deliver")
@click.option("--store", "store_id", type=int)
def deliver(store_id: int | None):
    """Queue new level changes for each channel's webhook and send the due deliveries."""
    o = webhooks.deliver(store_id)
    click.echo(f"{o.queued} queued, {o.delivered} delivered, {o.retrying} to retry, {o.failed} failed.")


@cli.command("refeed")
def refeed():
    """Feed every item whose store total differs from the last one fed (after a rebuild or a fault)."""
    stores = set(db.session.scalars(select(SalesChannel.store_id).where(SalesChannel.active.is_(True))))
    moved = {s: set(db.session.scalars(select(Item.id).where(Item.store_id == s))) for s in stores}
    count = feed.record(moved, {})
    db.session.commit()
    click.echo(f"{count} change(s) fed.")
