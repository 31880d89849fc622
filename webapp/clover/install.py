"""Installs that start in Clover's App Market (or the merchant dashboard), bound to a store safely.

Clover sends the merchant to the app's launch URL (``/clover/launch``) with ``merchant_id``,
``client_id``, ``employee_id`` and, when the app is set up for it, an OAuth ``code`` (without
one we send the browser to ``/oauth/v2/authorize`` and Clover comes back with one). Then:

1. The code is exchanged on the server at once (codes are single use and short lived), and the
   new token is asked for ``/v3/merchants/{merchant_id}``. Clover answers only for the merchant
   the token was issued to, so the merchant bound is the one who authorised, never a
   ``merchant_id`` typed into a link.
2. The sealed tokens wait in ``CloverPendingInstall`` for ten minutes, named only by a random
   id kept in that browser's own session. The launch, a GET, binds nothing: a forged link can
   at most show a confirmation page (no login CSRF).
3. An admin, logged in (the login keeps the id), sees which merchant joins which store and
   confirms with a POST carrying the CSRF token. A merchant already linked to another store is
   refused (``connection._upsert``); the pending row is used once.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import timedelta

import requests
from sqlalchemy import delete

from webapp.clover import tokens
from webapp.clover.client import CloverError
from webapp.clover.connection import connect_with_oauth, connection_for_merchant
from webapp.clover.models import CloverConnection, CloverPendingInstall
from webapp.clover.token_crypto import cipher
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.types import utcnow

PENDING_FOR = timedelta(minutes=10)
SESSION_KEY = "carry_clover_install"  # "carry_" keys survive the login (auth.views.login)
_MERCHANT = re.compile(r"[A-Z0-9]{13}")


def check_launch(args: Mapping[str, str], app_id: str) -> tuple[str, str]:
    """The merchant and code of a launch, or a 400 a person can act on."""
    if not app_id:
        raise DomainError("oauth_not_configured", "This Shelfcount has no Clover app set up (CLOVER_APP_ID, "
                          "CLOVER_APP_SECRET, CLOVER_OAUTH_URL, CLOVER_BASE_URL).", status=409)
    client_id = args.get("client_id", "")
    if client_id and not secrets.compare_digest(client_id, app_id):
        raise DomainError("oauth_wrong_app", "This launch was meant for another Clover app.", "client_id")
    merchant_id = (args.get("merchant_id") or "").strip().upper()
    if not _MERCHANT.fullmatch(merchant_id):
        raise DomainError("bad_merchant_id", "Open Shelfcount from Clover's App Market or dashboard: "
                          "the link has no valid merchant_id.", "merchant_id")
    return merchant_id, (args.get("code") or "").strip()


def _merchant_name(base_url: str, merchant_id: str, access_token: str) -> str:
    try:
        answer = requests.get(f"{base_url.rstrip('/')}/v3/merchants/{merchant_id}", timeout=15, headers={
            "Authorization": f"Bearer {access_token}", "Accept": "application/json"})
    except requests.RequestException:
        raise DomainError("clover_unreachable", "Clover could not be reached; open Shelfcount from Clover "
                          "again in a minute.", status=502) from None
    if answer.status_code != 200 or (answer.json() or {}).get("id") != merchant_id:
        raise DomainError("oauth_wrong_merchant", "Clover's token is not for the merchant this link names; "
                          "open Shelfcount from your own Clover dashboard.", "merchant_id", status=403)
    return str((answer.json() or {}).get("name") or "")[:200]


def receive(config: Mapping[str, str], merchant_id: str, code: str) -> str:
    """Exchange the code, verify the merchant, keep the tokens pending; returns the pending id."""
    try:
        pair = tokens.exchange_code(config["CLOVER_BASE_URL"], config["CLOVER_APP_ID"],
                                    config["CLOVER_APP_SECRET"], code)
    except CloverError as exc:
        raise DomainError("oauth_failed", f"Clover refused the sign-in: {exc.message}. "
                          "Open Shelfcount from Clover again.") from None
    name = _merchant_name(config["CLOVER_BASE_URL"], merchant_id, pair.access_token)
    now = utcnow()
    db.session.execute(delete(CloverPendingInstall).where(CloverPendingInstall.expires_at < now))
    sealer = cipher()
    pending = CloverPendingInstall(
        id=secrets.token_urlsafe(32), merchant_id=merchant_id, merchant_name=name,
        access_token=sealer.seal(pair.access_token), access_expires_at=pair.access_expires_at,
        refresh_token=sealer.seal(pair.refresh_token) if pair.refresh_token else None,
        refresh_expires_at=pair.refresh_expires_at, expires_at=now + PENDING_FOR)
    db.session.add(pending)
    db.session.commit()
    return pending.id


def pending(pending_id: str | None) -> CloverPendingInstall | None:
    if not pending_id:
        return None
    row = db.session.get(CloverPendingInstall, pending_id)
    return row if row is not None and row.expires_at > utcnow() else None


def taken_elsewhere(row: CloverPendingInstall, store_id: int) -> bool:
    other = connection_for_merchant(row.merchant_id)
    return other is not None and other.store_id != store_id


def complete(pending_id: str | None, store_id: int) -> CloverConnection:
    """Bind the pending merchant to this store; used once."""
    row = pending(pending_id)
    if row is None:
        raise DomainError("install_expired", "This Clover install has expired or was already used; "
                          "open Shelfcount from Clover again.", status=410)
    sealer = cipher()
    pair = tokens.TokenPair(sealer.open(row.access_token), row.access_expires_at,
                            sealer.open(row.refresh_token) if row.refresh_token else None,
                            row.refresh_expires_at)
    merchant_id = row.merchant_id
    db.session.delete(row)
    return connect_with_oauth(store_id, merchant_id, pair)  # refuses a merchant of another store
