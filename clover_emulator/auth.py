"""Tokens, scopes and OAuth v2 (clover-api.md section 2 and 8.1-8.2).

Reproduces: ``Authorization: Bearer`` only, ``?access_token=`` refused (deprecated since 2022);
401 with a JSON ``message`` for a missing, unknown, expired or revoked token, a token of
another merchant and a missing scope (Clover never answers 403 here, 2.5); static merchant API
tokens (2.4); the v2 authorize redirect, code exchange and single-use refresh with expirations
in Unix seconds; a cap on live refresh tokens that silently retires the oldest; and, as a
setting because the doc does not know, whether the old access token survives a refresh.
"""

import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, redirect, request

from clover_emulator.errors import bad_request, unauthorized
from clover_emulator.settings import ALL_SCOPES
from clover_emulator.state import AccessToken, RefreshToken, Store


def store_of() -> Store:
    return current_app.extensions["clover_emulator"]


def issue_static_token(
    store: Store, merchant_id: str, token: str | None = None, scopes: list[str] | None = None
) -> AccessToken:
    with store.lock:
        store.merchant(merchant_id)
        unknown = set(scopes or []) - set(ALL_SCOPES)
        if unknown:
            raise bad_request(f"unknown scopes: {sorted(unknown)}")
        record = AccessToken(
            token or str(uuid.uuid4()), merchant_id, frozenset(ALL_SCOPES if scopes is None else scopes), None
        )
        store.tokens[record.token] = record
        return record


def authenticate(store: Store, merchant_id: str, scope: str | None) -> AccessToken:
    """Called before every /v3 request; raises the 401 Clover would send."""
    if "access_token" in request.args:
        raise unauthorized("access_token in the query string is not accepted; use the Authorization header")
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise unauthorized("missing bearer token")
    with store.lock:
        token = store.tokens.get(header[7:].strip())
        if token is None or token.revoked:
            raise unauthorized("invalid token")
        if token.expires_at is not None and token.expires_at <= time.time():
            raise unauthorized("expired token")
        if token.merchant_id != merchant_id:
            raise unauthorized("token does not belong to this merchant")
        if scope and scope not in token.scopes:
            raise unauthorized(f"missing permission {scope}")
        return token


def requires(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a /v3 view with the permission it needs; the blueprint's guard checks it."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.clover_scope = scope  # type: ignore[attr-defined]
        return view

    return mark


def required_scope() -> str | None:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "clover_scope", None)


def _token_pair(store: Store, merchant_id: str, with_refresh: bool = True) -> dict[str, Any]:
    lifetimes = store.settings["tokens"]
    now = time.time()
    access = AccessToken(
        str(uuid.uuid4()),
        merchant_id,
        frozenset(store.settings["app_scopes"]),
        now + float(lifetimes["access_lifetime"]),
        kind="oauth",
    )
    store.tokens[access.token] = access
    body: dict[str, Any] = {"access_token": access.token, "access_token_expiration": int(access.expires_at)}
    if with_refresh:
        refresh = RefreshToken(
            "r-" + str(uuid.uuid4()), merchant_id, now + float(lifetimes["refresh_lifetime"]), access.token
        )
        store.refresh_tokens[refresh.token] = refresh
        live = [
            r
            for r in store.refresh_tokens.values()
            if r.merchant_id == merchant_id and not r.used and r.expires_at > now
        ]
        for stale in live[: max(0, len(live) - int(lifetimes["max_live_refresh_tokens"]))]:
            stale.used = True  # Clover silently retires the oldest beyond its cap (2.2)
        body.update(refresh_token=refresh.token, refresh_token_expiration=int(refresh.expires_at))
    return body


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("expected a JSON object")
    return body


bp = Blueprint("clover_oauth", __name__, url_prefix="/oauth/v2")


@bp.get("/authorize")
def authorize():
    store = store_of()
    if request.args.get("client_id") != store.settings["app_id"]:
        raise bad_request("unknown client_id")
    redirect_uri = request.args.get("redirect_uri")
    if not redirect_uri:
        raise bad_request("redirect_uri is required")
    with store.lock:
        merchant_id = request.args.get("merchant_id") or next(iter(store.merchants), None)
        if merchant_id not in store.merchants:
            raise bad_request("no such merchant")
        code = uuid.uuid4().hex
        store.auth_codes[code] = merchant_id
    params = {"merchant_id": merchant_id, "client_id": store.settings["app_id"], "code": code}
    if "state" in request.args:
        params["state"] = request.args["state"]
    joiner = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{joiner}{urlencode(params)}", code=302)


@bp.post("/token")
def token():
    store = store_of()
    body = json_body()
    if (
        body.get("client_id") != store.settings["app_id"]
        or body.get("client_secret") != store.settings["app_secret"]
    ):
        raise unauthorized("invalid client credentials")
    with store.lock:
        merchant_id = store.auth_codes.pop(str(body.get("code")), None)
        if merchant_id is None:
            raise unauthorized("invalid or used authorization code")
        with_refresh = request.args.get("no_refresh_token", "").lower() != "true"
        return jsonify(_token_pair(store, merchant_id, with_refresh))


@bp.post("/refresh")
def refresh():
    store = store_of()
    body = json_body()
    if body.get("client_id") != store.settings["app_id"]:
        raise unauthorized("invalid client_id")
    with store.lock:
        old = store.refresh_tokens.get(str(body.get("refresh_token")))
        if old is None or old.used or old.expires_at <= time.time():
            raise unauthorized("invalid, used or expired refresh token")
        old.used = True
        if (
            not store.settings["tokens"]["old_access_valid_after_refresh"]
            and old.access_token in store.tokens
        ):
            store.tokens[old.access_token].revoked = True
        store.refreshes[old.merchant_id] += 1
        return jsonify(_token_pair(store, old.merchant_id))
