"""Settings from the environment, with safe defaults.

Every setting can be given as an environment variable of the same name; README.md lists
them. ``create_app(config)`` applies a mapping on top, which is how tests configure an app.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("SHELFCOUNT_INSTANCE", ROOT / "instance"))

MB = 1024 * 1024

log = logging.getLogger(__name__)


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def database_url(raw: str | None) -> str:
    """Normalise a DATABASE_URL: plain ``postgres://`` URLs (as hosting providers print them)
    get the psycopg 3 driver that requirements.txt installs."""
    if not raw:
        return f"sqlite:///{INSTANCE / 'shelfcount.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def secret_key() -> str:
    """SECRET_KEY from the environment, else the key `make run` wrote under instance/, else "".

    No key is only allowed in tests and demo mode (``require_stable_secret``): a random
    per-process key would log everyone out at each restart, break sessions across gunicorn
    workers, and seal Clover tokens that no other process could open.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE / "secret_key"
    if path.exists():
        return path.read_text().strip()
    return ""


class MissingSecretKey(RuntimeError):
    pass


STARTUP_REFUSAL = (
    "SECRET_KEY is not set, and there is no instance/secret_key: Shelfcount will not start without "
    "a stable secret outside demo mode. Set SECRET_KEY to a long random string, the same for every "
    "worker, server and restart (python3 -c 'import secrets; print(secrets.token_hex(32))'). It signs "
    "sessions and CSRF tokens and, unless CLOVER_TOKEN_KEY is set (optional, recommended: another long "
    "random string), the key that encrypts the stored Clover tokens is derived from it.")


def require_stable_secret(config: dict) -> None:
    """Refuse to run without SECRET_KEY, except in tests and demo mode, which get a random key."""
    if config.get("SECRET_KEY"):
        return
    if not (config.get("TESTING") or config.get("DEMO_MODE")):
        raise MissingSecretKey(STARTUP_REFUSAL)
    if not config.get("TESTING"):
        log.warning("demo mode without SECRET_KEY: a key for this process only (`make run` writes one)")
    config["SECRET_KEY"] = secrets.token_hex(32)


def from_environment() -> dict:
    return {
        "SECRET_KEY": secret_key(),
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DEMO_MODE": _bool("DEMO_MODE", False),
        # Whole-request cap; uploads have their own tighter limits below.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 32 * MB),
        "UPLOAD_MAX_BYTES": _int("UPLOAD_MAX_BYTES", 15 * MB),
        "UPLOAD_MAX_PIXELS": _int("UPLOAD_MAX_PIXELS", 50_000_000),
        "SYNC_MAX_EVENTS": _int("SYNC_MAX_EVENTS", 1000),
        "CLOCK_SKEW_ALLOWANCE_SECONDS": _int("CLOCK_SKEW_ALLOWANCE_SECONDS", 300),
        # Level snapshots nobody has used for this many days are pruned by the jobs cycle.
        "SNAPSHOT_KEEP_DAYS": _int("SNAPSHOT_KEEP_DAYS", 35),
        # A Zebra printer on the network, "host" or "host:port" (raw TCP, 9100 by default).
        "ZEBRA_PRINTER": os.environ.get("ZEBRA_PRINTER", ""),
        # Explicit, because Flask-Limiter otherwise inherits the flag from the last app it served.
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Throttle counts live in Redis when there is one, so every worker and server counts the
        # same attempts; memory:// counts per worker process (4 workers: 4 times the limit).
        "RATELIMIT_STORAGE_URI": (os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL")
                                  or "memory://"),
        "RATELIMIT_KEY_PREFIX": "shelfcount",
        # Redis down: count in memory meanwhile rather than answer every login with a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "DECODE_RATE_LIMIT": os.environ.get("DECODE_RATE_LIMIT", "60 per minute"),
        "PHOTO_RATE_LIMIT": os.environ.get("PHOTO_RATE_LIMIT", "30 per minute"),
        # An open PWA may sync hours after the page was loaded, offline in between; the
        # token stays bound to the session rather than expiring on a timer.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_HEADERS": ["X-CSRFToken", "X-CSRF-Token"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", True),
        # "Keep me logged in": the login's server-side row and its remember cookie last this long.
        "REMEMBER_LIFETIME_SECONDS": _int("REMEMBER_LIFETIME_SECONDS", 90 * 24 * 3600),
        "REMEMBER_COOKIE_DURATION": _int("REMEMBER_LIFETIME_SECONDS", 90 * 24 * 3600),
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_LIFETIME_SECONDS", 14 * 24 * 3600),
        # Not on every response: a page served as the user logged out would send the old
        # cookie back (refused by then: the logout ended its row). A session still slides,
        # a day at a time, with its row (webapp/auth/views.py, _slide_session).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "CLOVER_BASE_URL": os.environ.get("CLOVER_BASE_URL", ""),
        "CLOVER_OAUTH_URL": os.environ.get("CLOVER_OAUTH_URL", ""),
        "CLOVER_APP_ID": os.environ.get("CLOVER_APP_ID", ""),
        "CLOVER_APP_SECRET": os.environ.get("CLOVER_APP_SECRET", ""),
        "CLOVER_MERCHANT_ID": os.environ.get("CLOVER_MERCHANT_ID", ""),
        "CLOVER_API_TOKEN": os.environ.get("CLOVER_API_TOKEN", ""),
        "CLOVER_WEBHOOK_AUTH_CODE": os.environ.get("CLOVER_WEBHOOK_AUTH_CODE", ""),
        # Encrypts Clover tokens at rest; unset, a key derived from SECRET_KEY does (token_crypto.py).
        "CLOVER_TOKEN_KEY": os.environ.get("CLOVER_TOKEN_KEY", ""),
        # The client's own throttle; Clover allows 16 new requests a second and 5 in flight per token.
        "CLOVER_RATE_PER_SECOND": float(os.environ.get("CLOVER_RATE_PER_SECOND", "16")),
        "CLOVER_IN_FLIGHT": _int("CLOVER_IN_FLIGHT", 5),
        # Clover's per-app limits are 50 and 10, spent by every merchant of this app together; 40 leaves
        # room for the jitter of many merchants' requests in transit at once.
        "CLOVER_APP_RATE_PER_SECOND": float(os.environ.get("CLOVER_APP_RATE_PER_SECOND", "40")),
        "CLOVER_APP_IN_FLIGHT": _int("CLOVER_APP_IN_FLIGHT", 10),
        "CLOVER_MAX_RETRIES": _int("CLOVER_MAX_RETRIES", 5),
        # Real time (clover/realtime.py): a verified webhook pulls at once and a moved level is
        # pushed at once, each after this many quiet seconds, never later than the max wait.
        "CLOVER_REALTIME": _bool("CLOVER_REALTIME", True),
        "CLOVER_REALTIME_DELAY": float(os.environ.get("CLOVER_REALTIME_DELAY", "0.2")),
        "CLOVER_REALTIME_MAX_WAIT": float(os.environ.get("CLOVER_REALTIME_MAX_WAIT", "2")),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "shelfcount@localhost"),
        "PHOTO_DIR": os.environ.get("PHOTO_DIR", str(INSTANCE / "photos")),
    }


TESTING_OVERRIDES = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
    # Hashing stays real in tests, just cheaper: the test suite logs in hundreds of times.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    # Background threads would race a test's own steps; the real-time tests turn it on.
    "CLOVER_REALTIME": False,
    # Each test app counts alone, whatever REDIS_URL the run has; a test of the shared count says so.
    "RATELIMIT_STORAGE_URI": "memory://",
}
