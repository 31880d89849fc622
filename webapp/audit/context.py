"""Who is acting, and from where: the request's user and address, else what the code says.

A page or API request names its logged-in user (or API token, ``acting_as``), its address,
and the device: the sync batch's ``device_id`` when a view has set ``g.audit_device``, else
an ``X-Device-Id`` header, else the browser's user agent. A CLI command names itself; a
job can say who it acts for with ``acting_as("clover sync")``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import click
from flask import g, has_request_context, request
from flask_login import current_user

_ACTING_AS: ContextVar[tuple[str, int | None] | None] = ContextVar("audit_acting_as", default=None)


@dataclass(frozen=True, slots=True)
class Actor:
    actor_id: int | None
    actor: str
    address: str = ""
    device: str = ""


@contextmanager
def acting_as(label: str, actor_id: int | None = None) -> Iterator[None]:
    token = _ACTING_AS.set((label[:120], actor_id))
    try:
        yield
    finally:
        _ACTING_AS.reset(token)


def current_actor() -> Actor:
    override = _ACTING_AS.get()
    if has_request_context():
        address = (request.remote_addr or "")[:64]
        device = (getattr(g, "audit_device", None) or request.headers.get("X-Device-Id")
                  or request.user_agent.string or "")[:200]
        if override is not None:
            return Actor(override[1], override[0], address, device)
        if g.get("audit_actor"):  # an API token's request (set by the channels package)
            return Actor(None, str(g.audit_actor)[:120], address, device)
        user = current_user
        if user is not None and getattr(user, "is_authenticated", False):
            return Actor(user.id, user.username, address, device)
        return Actor(None, "anonymous", address, device)
    if override is not None:
        return Actor(override[1], override[0])
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        return Actor(None, f"cli:{ctx.command_path}"[:120])
    return Actor(None, "system")
