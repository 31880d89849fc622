"""`flask users ...`: manage accounts from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.auth import service
from webapp.auth.models import ROLES, User
from webapp.errors import DomainError
from webapp.extensions import db

cli = AppGroup("users", help="Create users, change roles, deactivate accounts.")


def _fail(err: DomainError):
    raise click.ClickException(err.message)


@cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="staff", show_default=True)
@click.option("--store", "store_id", type=int, default=None, help="Store id (default: the only store).")
@click.option("--name", "display_name", default="")
@click.option("--email", default=None)
@click.password_option()
def create(username, role, store_id, display_name, email, password):
    """Create a user (asks for the password twice)."""
    if store_id is None:
        # The stores table by name, as users.store_id's foreign key names it: auth sits below catalog.
        stores = db.metadata.tables["stores"]
        ids = db.session.scalars(select(stores.c.id)).all()
        if len(ids) != 1:
            raise click.ClickException("Give --store: there is not exactly one store.")
        store_id = ids[0]
    try:
        user = service.create_user(
            service.NewUser(username, password, role, store_id, display_name=display_name, email=email)
        )
    except DomainError as err:
        _fail(err)
    click.echo(f"Created {user.username} ({user.role}).")


@cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role(username, role):
    """Change a user's role."""
    try:
        user = service.set_role(username, role)
    except DomainError as err:
        _fail(err)
    click.echo(f"{user.username} is now {user.role}.")


@cli.command("deactivate")
@click.argument("username")
def deactivate(username):
    """Stop a user from logging in (their history stays)."""
    try:
        user = service.set_active(username, False)
    except DomainError as err:
        _fail(err)
    click.echo(f"{user.username} is deactivated.")


@cli.command("activate")
@click.argument("username")
def activate(username):
    try:
        user = service.set_active(username, True)
    except DomainError as err:
        _fail(err)
    click.echo(f"{user.username} is active.")


@cli.command("logout-everywhere")
@click.argument("username")
def logout_everywhere(username):
    """End every login session of a user (a lost phone, a shared password)."""
    try:
        ended = service.logout_everywhere(username)
    except DomainError as err:
        _fail(err)
    click.echo(f"{username.strip().lower()}: {ended} session(s) ended.")


@cli.command("list")
def list_users():
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.username:20} {user.role:9} store={user.store_id} {state}")
