"""Creating a store's Clover connection and building a client for it.

Settings (app.config; README lists the environment variables): CLOVER_BASE_URL,
CLOVER_OAUTH_URL, CLOVER_APP_ID, CLOVER_APP_SECRET, CLOVER_MERCHANT_ID, CLOVER_API_TOKEN,
and the tuning knobs CLOVER_RATE_PER_SECOND (16), CLOVER_IN_FLIGHT (5), CLOVER_MAX_RETRIES (5),
CLOVER_TOKEN_REFRESH_MARGIN_SECONDS (60: refresh an OAuth token this long before it expires),
and REDIS_URL (when set, the throttle is shared by every process through Redis).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from webapp.catalog.models import Store
from webapp.clover.client import CloverClient, StaticToken, TokenSource, throttle_for
from webapp.clover.models import CloverConnection
from webapp.clover.shared_throttle import APP_KEY, Layered, shared_throttle_for
from webapp.clover.token_crypto import cipher
from webapp.clover.tokens import DatabaseTokens, TokenPair
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.loaders import in_store
from webapp.types import utcnow


def _check_merchant_id(merchant_id: str) -> str:
    merchant_id = (merchant_id or "").strip().upper()
    if len(merchant_id) != 13 or not merchant_id.isalnum():
        raise DomainError("bad_merchant_id", "A Clover merchant id is 13 letters and digits.", "merchant_id")
    return merchant_id


def connection_for_store(store_id: int) -> CloverConnection | None:
    return db.session.execute(
        select(CloverConnection).where(CloverConnection.store_id == store_id)).scalar_one_or_none()


def connection_for_merchant(merchant_id: str) -> CloverConnection | None:
    return db.session.execute(
        select(CloverConnection).where(CloverConnection.merchant_id == merchant_id)).scalar_one_or_none()


def _upsert(store_id: int, merchant_id: str) -> CloverConnection:
    merchant_id = _check_merchant_id(merchant_id)
    store = db.session.get(Store, store_id)
    if store is None:
        raise NotFound("not_found", f"No store {store_id}.")
    other = connection_for_merchant(merchant_id)
    if other is not None and not in_store(other, store_id):
        raise Conflict("merchant_taken", f"Merchant {merchant_id} is already linked to another store.",
                       "merchant_id")
    row = connection_for_store(store_id)
    if row is None:
        row = CloverConnection(store_id=store_id, merchant_id=merchant_id)
        db.session.add(row)
    elif row.merchant_id != merchant_id:
        # A different merchant's ids and clock mean nothing here: start its pulls from scratch.
        row.merchant_id = merchant_id
        row.items_watermark_ms = row.orders_watermark_ms = None
        row.opened_at = None
    store.clover_merchant_id = merchant_id
    return row


def connect_with_token(store_id: int, merchant_id: str, token: str) -> CloverConnection:
    """A merchant-generated API token (single store, not on the App Market)."""
    if not token:
        raise DomainError("token_required", "Paste the merchant's API token.", "token")
    row = _upsert(store_id, merchant_id)
    row.auth_mode, row.access_token = "token", cipher().seal(token)
    row.access_expires_at = row.refresh_token = row.refresh_expires_at = None
    db.session.commit()
    return row


OPENING_LOOKBACK = timedelta(days=89)  # Clover serves orders of the last 90 days only


def set_opening_as_of(store_id: int, as_of: datetime) -> CloverConnection:
    """Take Clover's quantities, at the first import, as the balances of ``as_of`` (a past time)
    rather than of the moment they are read: for a store whose Clover quantities are what a
    count found at ``as_of`` and have not moved with sales since. The openings land at
    ``as_of`` and the orders since then are pulled and applied after them. Before the first
    pull only; the caller commits."""
    row = connection_for_store(store_id)
    if row is None:
        raise NotFound("not_connected", "This store is not connected to Clover.")
    if row.last_pull_at is not None:
        raise Conflict("already_opened", "Clover's quantities were already taken as opening balances.",
                       "opening_as_of")
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise DomainError("naive_time", "Give the time with its time zone, e.g. 2026-12-07T06:00Z.",
                          "opening_as_of")
    now = utcnow()
    if as_of > now or as_of < now - OPENING_LOOKBACK:
        raise DomainError("bad_field", "The opening time is in the past, and at most 89 days ago "
                          "(Clover keeps 90 days of orders).", "opening_as_of")
    row.opened_at = as_of
    return row


def connect_with_oauth(store_id: int, merchant_id: str, pair: TokenPair) -> CloverConnection:
    row = _upsert(store_id, merchant_id)
    row.auth_mode = "oauth"
    sealer = cipher()
    row.access_token, row.access_expires_at = sealer.seal(pair.access_token), pair.access_expires_at
    row.refresh_token, row.refresh_expires_at = sealer.seal(pair.refresh_token), pair.refresh_expires_at
    db.session.commit()
    return row


# Clover's codes are UUIDs (36 characters); the column is Text, so this bound only refuses a paste
# that is plainly not a code (a whole page, a log) before it is sealed and stored.
WEBHOOK_CODE_MAX = 1000


def save_webhook_auth_code(row: CloverConnection, code: str) -> None:
    """Keep the X-Clover-Auth code an admin pasted, sealed like the tokens; blank forgets it.
    The caller commits."""
    code = (code or "").strip()
    if len(code) > WEBHOOK_CODE_MAX:
        raise DomainError(
            "bad_webhook_code",
            f"A Clover auth code is at most {WEBHOOK_CODE_MAX:,} characters (this one has {len(code):,}): "
            "paste the code exactly as Clover's dashboard shows it.", "code")
    row.webhook_auth_code = cipher().seal(code) if code else None


def seal_plaintext(row: CloverConnection) -> bool:
    """Encrypt tokens and the webhook code stored before encryption, or under the key before
    CLOVER_TOKEN_KEY was set (token_crypto.py); True when the row changed. The caller commits.

    A static merchant token is never refreshed, so without this its plaintext would stay in
    the table for good. Raises TokensUnreadable when no key we hold opens a value.
    """
    sealer = cipher()
    changed = False
    for column in ("access_token", "refresh_token", "webhook_auth_code"):
        value = getattr(row, column)
        if sealer.needs_sealing(value):
            setattr(row, column, sealer.seal(sealer.open(value)))
            changed = True
    return changed


def ensure_env_connection(store_id: int) -> CloverConnection | None:
    """CLOVER_MERCHANT_ID + CLOVER_API_TOKEN configure a single-store install without the admin page."""
    config = current_app.config
    row = connection_for_store(store_id)
    if row is None and config.get("CLOVER_MERCHANT_ID") and config.get("CLOVER_API_TOKEN"):
        row = connect_with_token(store_id, config["CLOVER_MERCHANT_ID"], config["CLOVER_API_TOKEN"])
    return row


def token_source(row: CloverConnection) -> TokenSource:
    config = current_app.config
    if row.auth_mode == "oauth":
        margin = timedelta(seconds=float(config.get("CLOVER_TOKEN_REFRESH_MARGIN_SECONDS", 60)))
        return DatabaseTokens(row.id, config["CLOVER_BASE_URL"], config.get("CLOVER_APP_ID", ""), margin)
    return StaticToken(cipher().open(row.access_token) or config.get("CLOVER_API_TOKEN", ""))


def client_for(row: CloverConnection, tokens: TokenSource | None = None) -> CloverClient:
    config = current_app.config
    if not config.get("CLOVER_BASE_URL"):
        raise DomainError("clover_not_configured", "Set CLOVER_BASE_URL (e.g. https://api.clover.com) first.")
    base_url = config["CLOVER_BASE_URL"]
    rate = float(config.get("CLOVER_RATE_PER_SECOND", 16))
    concurrency = int(config.get("CLOVER_IN_FLIGHT", 5))
    app_rate = float(config.get("CLOVER_APP_RATE_PER_SECOND", 40))
    app_concurrency = int(config.get("CLOVER_APP_IN_FLIGHT", 10))
    app_key = APP_KEY + (config.get("CLOVER_APP_ID") or "")
    if config.get("REDIS_URL"):
        # Every process of every app server spends one budget per merchant, and one for the
        # whole app, together (shared_throttle.py).
        token = shared_throttle_for(config["REDIS_URL"], base_url, row.merchant_id, rate, concurrency)
        app = shared_throttle_for(config["REDIS_URL"], base_url, app_key, app_rate, app_concurrency)
    else:
        token = throttle_for(base_url.rstrip("/"), row.merchant_id, rate, concurrency)
        app = throttle_for(base_url.rstrip("/"), app_key, app_rate, app_concurrency)
    return CloverClient(
        base_url, row.merchant_id, tokens or token_source(row),
        rate=rate, concurrency=concurrency,
        max_retries=int(config.get("CLOVER_MAX_RETRIES", 5)),
        backoff_base=float(config.get("CLOVER_BACKOFF_BASE", 0.5)),
        throttle=Layered(token, app),
    )
