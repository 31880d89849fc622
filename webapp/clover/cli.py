"""``flask clover ...``: connect a store, and run the sync cycle (from cron, every minute)."""

from __future__ import annotations

import sys
import time
from datetime import datetime

import click
from flask import current_app
from sqlalchemy import func, select

from webapp.catalog.models import Store
from webapp.clover import check as clover_check
from webapp.clover import connection as connections
from webapp.clover.client import DAY_MS, CloverError
from webapp.clover.models import CloverConnection
from webapp.clover.orders import backfill_orders
from webapp.clover.sync import run_sync
from webapp.errors import DomainError
from webapp.extensions import db


@click.group("clover", help="Clover: connect a store, pull sales, push levels.")
def cli() -> None:
    pass


def store_ids(store_id: int | None = None) -> list[int]:
    """The stores to sync: the one asked for, else every connected store."""
    if store_id is not None:
        return [store_id]
    ids = list(db.session.scalars(select(CloverConnection.store_id).order_by(CloverConnection.store_id)))
    if not ids and current_app.config.get("CLOVER_MERCHANT_ID"):
        # CLOVER_MERCHANT_ID + CLOVER_API_TOKEN: the single store of a one-store install.
        first = db.session.scalars(select(Store.id).order_by(Store.id).limit(1)).first()
        ids = [first] if first is not None else []
    return ids


@cli.command("sync")
@click.option("--store", "store_id", type=int, help="Only this store (default: every connected store).")
@click.option("--no-push", is_flag=True, help="Pull only; do not write levels to Clover.")
@click.option("--full-catalog", is_flag=True, help="Re-read every item, not only those changed.")
def sync(store_id: int | None, no_push: bool, full_catalog: bool) -> None:
    """Pull the catalog and orders, process webhook hints, then push levels. Safe to overlap."""
    failed = False
    for sid in store_ids(store_id):
        try:
            report = run_sync(sid, push=not no_push, full_catalog=full_catalog)
        except (CloverError, DomainError) as exc:
            click.echo(f"store {sid}: sync failed: {exc}", err=True)
            failed = True
            continue
        if not report.ran:
            click.echo(f"store {sid}: another sync is running; skipped")
            continue
        catalog, orders, push = report.catalog, report.orders, report.push
        click.echo(
            f"store {sid}: items {catalog.seen if catalog else 0} (new {catalog.created if catalog else 0}), "
            f"orders {orders.orders if orders else 0}, events {orders.events if orders else 0}, "
            f"failed orders {len(orders.failed) if orders else 0}, "
            f"unpaid (payment failed, stock stays sold) {len(orders.unpaid) if orders else 0}, "
            f"hints {report.hints}, "
            f"voids {report.voids}, "
            f"created in clover {report.new_items.created if report.new_items else 0}, "
            f"pushed {push.pushed if push else 0}/{push.compared if push else 0}, requests {report.requests}")
    if failed:
        sys.exit(1)


@cli.command("backfill")
@click.option("--store", "store_id", type=int, required=True)
@click.option("--days", type=int, default=90, show_default=True, help="How far back to read orders.")
def backfill(store_id: int, days: int) -> None:
    """Record older orders (history for reports), in 90-day slices; levels are not disturbed."""
    row = connections.connection_for_store(store_id)
    if row is None:
        raise click.ClickException(f"store {store_id} is not connected to Clover")
    now_ms = int(time.time() * 1000)
    client = connections.client_for(row)
    try:
        result = backfill_orders(client, row, now_ms - days * DAY_MS, now_ms)
    except CloverError as exc:
        raise click.ClickException(f"backfill failed: {exc}") from None
    finally:
        client.close()
    click.echo(f"store {store_id}: {result.orders} orders, {result.events} new events, "
               f"{len(result.failed)} failed, {client.stats.requests} requests")


def _find_store(ref: str) -> int:
    """A store by id, or by its exact name (case aside): a reseeded database renumbers stores."""
    ref = ref.strip()
    if ref.isdigit() and db.session.get(Store, int(ref)) is not None:
        return int(ref)
    ids = list(db.session.scalars(select(Store.id).where(func.lower(Store.name) == ref.lower())))
    if len(ids) == 1:
        return ids[0]
    if ids:
        raise click.ClickException(f"{len(ids)} stores are named {ref!r} (ids {', '.join(map(str, ids))}); "
                                   "give the id")
    raise click.ClickException(f"no store with id or name {ref!r}")


@cli.command("connect")
@click.option("--store", "store_ref", required=True, help="The store's id or its name.")
@click.option("--merchant-id", required=True)
@click.option("--token", envvar="CLOVER_API_TOKEN", required=True,
              help="A merchant API token (or set CLOVER_API_TOKEN); never echoed.")
@click.option("--opening-as-of", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]),
              help="Clover's quantities are what a count found at this past time (ISO, with its offset): "
                   "the first import opens them then, and the sales since follow.")
def connect(store_ref: str, merchant_id: str, token: str, opening_as_of: datetime | None) -> None:
    """Link a store to a Clover merchant with a merchant-generated API token."""
    store_id = _find_store(store_ref)
    try:
        row = connections.connect_with_token(store_id, merchant_id, token)
        if opening_as_of is not None:
            connections.set_opening_as_of(store_id, opening_as_of)
            db.session.commit()
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"store {row.store_id} linked to merchant {row.merchant_id}; run `flask clover sync`")


@cli.command("status")
def status() -> None:
    for row in db.session.scalars(select(CloverConnection).order_by(CloverConnection.store_id)):
        click.echo(f"store {row.store_id}: merchant {row.merchant_id} ({row.auth_mode}); "
                   f"last pull {row.last_pull_at or 'never'}, last push {row.last_push_at or 'never'}"
                   + (f"; last problem: {row.last_error}" if row.last_error else ""))


@cli.command("check")
@click.option("--store", "store_ref", help="The store's id or name (default: the only connected store).")
@click.option("--sandbox", is_flag=True,
              help="Also make test writes (a stock figure set and put back; a test order made, voided and "
                   "deleted). Only against a sandbox or a test merchant.")
def check_clover(store_ref: str | None, sandbox: bool) -> None:
    """Ask this store's Clover each question its docs leave open; print the answers and whether
    Shelfcount handles them. Read-only unless --sandbox. Exit 1 if any needs attention."""
    ids = [_find_store(store_ref)] if store_ref else store_ids()
    if len(ids) != 1:
        raise click.ClickException("give --store: " + ("no store is connected" if not ids else
                                                       f"{len(ids)} stores are connected"))
    row = connections.ensure_env_connection(ids[0]) or connections.connection_for_store(ids[0])
    if row is None:
        raise click.ClickException(f"store {ids[0]} is not connected to Clover")
    client = connections.client_for(row)
    try:
        findings = clover_check.run(client, sandbox=sandbox)
    finally:
        client.close()
    click.echo(f"Clover check for store {row.store_id}, merchant {row.merchant_id} "
               f"({'sandbox: test writes made and undone' if sandbox else 'read-only'}):")
    for finding in findings:
        click.echo(finding.line())
    attention = [f for f in findings if not f.handled]
    click.echo(f"{len(findings) - len(attention)} handled, {len(attention)} need attention; "
               f"{client.stats.requests} requests")
    if attention:
        sys.exit(1)
