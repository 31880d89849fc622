"""OAuth v2 with expiring tokens: the authorize URL, the code exchange, and a refresh that
happens once per merchant however many processes ask for it.

A Clover refresh token works once, and creating too many silently retires the older ones
(clover-api.md 2.2), so two workers refreshing at once can log the merchant out. Hence:
the refresher locks the merchant's connection row in the database (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite a write to the row, which takes SQLite's single write lock), re-reads
the token under the lock, refreshes only if it is still the one that failed or about to
expire, and commits the new pair before anyone uses it. The lock is taken in a session of its
own so it commits independently of whatever the caller's session is doing. Tokens are stored
encrypted (token_crypto.py) and decrypted only here and in connection.token_source.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.clover.client import CloverAuthError, CloverError
from webapp.clover.models import CloverConnection
from webapp.clover.token_crypto import cipher
from webapp.extensions import db
from webapp.types import utcnow

log = logging.getLogger(__name__)

# Refresh this long before the stated expiry, so a request never leaves with a dying token.
EXPIRY_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime | None
    refresh_token: str | None
    refresh_expires_at: datetime | None

    def __repr__(self) -> str:
        return f"TokenPair(<redacted>, expires={self.access_expires_at})"


def _seconds(value) -> datetime | None:
    """Clover's expirations are Unix seconds (not ms)."""
    return None if value in (None, "") else datetime.fromtimestamp(int(value), UTC)


def _pair(body: dict) -> TokenPair:
    if not isinstance(body, dict) or not body.get("access_token"):
        raise CloverError(502, "token response without access_token")
    return TokenPair(body["access_token"], _seconds(body.get("access_token_expiration")),
                     body.get("refresh_token"), _seconds(body.get("refresh_token_expiration")))


def authorize_url(oauth_url: str, app_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode({"client_id": app_id, "redirect_uri": redirect_uri, "state": state})
    return f"{oauth_url.rstrip('/')}/oauth/v2/authorize?{query}"


def _post(url: str, body: dict, timeout: float = 15.0) -> dict:
    try:
        response = requests.post(url, json=body, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise CloverError(0, f"token endpoint unreachable: {type(exc).__name__}") from None
    if response.status_code == 401:
        raise CloverAuthError(401, "Clover refused the code or refresh token; connect again")
    if response.status_code >= 400:
        raise CloverError(response.status_code, "token endpoint error")
    return response.json()


def exchange_code(base_url: str, app_id: str, app_secret: str, code: str) -> TokenPair:
    return _pair(_post(f"{base_url.rstrip('/')}/oauth/v2/token",
                       {"client_id": app_id, "client_secret": app_secret, "code": code}))


def refresh_pair(base_url: str, app_id: str, refresh_token: str) -> TokenPair:
    return _pair(_post(f"{base_url.rstrip('/')}/oauth/v2/refresh",
                       {"client_id": app_id, "refresh_token": refresh_token}))


def _expiring(expires_at: datetime | None, now: datetime, margin: timedelta) -> bool:
    return expires_at is not None and expires_at - margin <= now


class DatabaseTokens:
    """The TokenSource of an OAuth connection: reads the pair from its row, refreshes under a lock."""

    def __init__(self, connection_id: int, base_url: str, app_id: str,
                 margin: timedelta = EXPIRY_MARGIN) -> None:
        self.connection_id = connection_id
        self.margin = margin
        self.base_url = base_url
        self.app_id = app_id
        # Bound now, in the app context: pushes call current() from worker threads.
        self.engine = db.engine
        self.cipher = cipher()
        self._cached: tuple[str, datetime | None, timedelta] | None = None
        self._local = threading.Lock()  # threads of this process queue here before the database
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"DatabaseTokens(connection={self.connection_id})"

    def current(self) -> str:
        if self._cached is None:
            with Session(self.engine) as session:
                row = session.get(CloverConnection, self.connection_id)
                if row is None or not row.access_token:
                    raise CloverAuthError(401, "not connected to Clover")
                self._remember(self.cipher.open(row.access_token), row.access_expires_at)
        assert self._cached is not None
        token, expires, margin = self._cached
        if expires is not None and expires - margin <= utcnow():
            return self.refresh(token) or token
        return token

    def _remember(self, token: str, expires: datetime | None) -> None:
        # Lifetimes are not documented and may be short: never refresh earlier than a quarter
        # of the life the token had left when we got it, or a 2-minute token would refresh
        # on every request.
        margin = self.margin
        if expires is not None:
            margin = min(margin, max(expires - utcnow(), timedelta(0)) / 4)
        self._cached = (token, expires, margin)

    def refresh(self, failed: str) -> str | None:
        with self._local, Session(self.engine) as session, session.begin():
            row = _lock_row(session, self.connection_id)
            if row is None or row.auth_mode != "oauth" or not row.refresh_token:
                return None
            stored = self.cipher.open(row.access_token)
            if stored != failed and not _expiring(row.access_expires_at, utcnow(), timedelta(0)):
                # Another worker refreshed while we waited for the lock: its pair is ours too.
                self._remember(stored, row.access_expires_at)
                return stored
            old_refresh = self.cipher.open(row.refresh_token)
            pair = refresh_pair(self.base_url, self.app_id, old_refresh)
            # Committed (encrypted) before anyone uses it: the old refresh token is spent now.
            row.access_token = self.cipher.seal(pair.access_token)
            row.access_expires_at = pair.access_expires_at
            row.refresh_token = self.cipher.seal(pair.refresh_token or old_refresh)
            row.refresh_expires_at = pair.refresh_expires_at or row.refresh_expires_at
            self.refreshes += 1
            self._remember(pair.access_token, pair.access_expires_at)
            log.info("clover token refreshed for merchant %s", row.merchant_id)
            return pair.access_token


def _lock_row(session: Session, connection_id: int) -> CloverConnection | None:
    if session.get_bind().dialect.name == "sqlite":
        # A no-op write takes SQLite's database-wide write lock now (a plain SELECT would not),
        # so a second refresher waits here, then reads the pair the first one stored.
        session.execute(update(CloverConnection).where(CloverConnection.id == connection_id)
                        .values(merchant_id=CloverConnection.merchant_id))
        query = select(CloverConnection).where(CloverConnection.id == connection_id)
    else:
        query = select(CloverConnection).where(CloverConnection.id == connection_id).with_for_update()
    return session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
