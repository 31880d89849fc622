"""API tokens for integrations: ``sc_`` + 40 random characters, shown once, kept as SHA-256.

A request with ``Authorization: Bearer <token>`` acts for the token's channel and store, and
only within its scopes. Tokens never ride on the session cookie, so the routes that accept
them need no CSRF token, and a logged-in browser cannot use them by accident.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import wraps

from flask import g, request
from sqlalchemy import select

from webapp.channels.models import SCOPES, ApiToken, SalesChannel
from webapp.errors import DomainError, Forbidden
from webapp.extensions import db
from webapp.types import utcnow

PREFIX = "sc_"


class Unauthorized(DomainError):
    status = 401


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    store_id: int
    channel_id: int
    name: str
    scopes: tuple[str, ...]
    created_by: int | None = None


def check_scopes(scopes) -> tuple[str, ...]:
    chosen = tuple(sorted({s.strip() for s in scopes if s and s.strip()}))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise DomainError("bad_scope", f"Choose one or more scopes of: {', '.join(SCOPES)}.", "scopes")
    return chosen


def issue(new: NewToken) -> tuple[ApiToken, str]:
    """Make a token; the raw value is returned here once and never again."""
    name = new.name.strip()
    if not 0 < len(name) <= 80:
        raise DomainError("bad_name", "Give the token a name of 1 to 80 characters.", "name")
    raw = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        store_id=new.store_id,
        channel_id=new.channel_id,
        name=name,
        token_hash=digest(raw),
        prefix=raw[:10],
        scopes=" ".join(check_scopes(new.scopes)),
        created_by=new.created_by,
    )
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke(store_id: int, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.store_id != store_id:
        raise DomainError("not_found", f"No token {token_id} in your store.", status=404)
    token.revoked_at = token.revoked_at or utcnow()
    return token


def authenticate(header: str | None) -> ApiToken:
    if not header or not header.startswith("Bearer "):
        raise Unauthorized("token_required", "Send an API token: Authorization: Bearer sc_...")
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == digest(header[7:].strip()))
    ).first()
    if token is None or token.revoked_at is not None:
        raise Unauthorized(
            "bad_token", "This API token is unknown or was revoked; ask a manager for a new one."
        )
    channel = db.session.get(SalesChannel, token.channel_id)
    if channel is None or not channel.active:
        raise Unauthorized("bad_token", "This token's channel is switched off.")
    return token


def token_required(scope: str):
    """Authenticate the bearer token and require ``scope``; ``g.api_token`` holds the token."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = authenticate(request.headers.get("Authorization"))
            if scope not in token.scope_list:
                raise Forbidden("missing_scope", f"This token lacks the {scope} scope.")
            g.api_token = token
            g.audit_actor = f"token:{token.name}"
            return view(*args, **kwargs)

        return wrapped

    return decorator
