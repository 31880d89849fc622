"""The template filters every page uses, registered once by ``create_app``.

``money``, ``qty`` and ``when`` show what we store (cents, base units, UTC instants) as the
viewing store's people read it: its currency sign, whole units or pounds, its own clock. The
store is the logged-in user's unless a page passes another (the reports of an owner's other
store pass ``f.currency`` / ``f.tz``). Storage never changes: this is display only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask import Flask, g, has_request_context
from flask_login import current_user

from webapp import quantity

# Babel (CLDR) patterns. Those that name a day also name the zone ("EST"), since a time
# without its zone is a guess for anyone reading from another place.
TIME_STYLES = {
    "datetime": "yyyy-MM-dd HH:mm zzz",
    "seconds": "yyyy-MM-dd HH:mm:ss zzz",
    "short": "MMM d HH:mm zzz",
    "day_time": "MM-dd HH:mm",
    "day_seconds": "MM-dd HH:mm:ss zzz",
    "clock": "HH:mm:ss",
    "clock_zone": "HH:mm:ss zzz",
    "date": "yyyy-MM-dd",
}


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def time_text(value: datetime | None, tz: str | None = "UTC", style: str = "datetime",
              locale: str = quantity.DEFAULT_LOCALE) -> str:
    """A stored instant on the store's clock: 16:02 UTC in a New York winter -> "11:02 EST"."""
    if value is None:
        return ""
    if value.tzinfo is None:  # stored times are UTC; SQLite may hand one back naive
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, TIME_STYLES[style], tzinfo=zone(tz), locale=locale)


def _store():
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None
    return getattr(current_user, "store", None)


def _locale() -> str:
    """The viewing store's locale, looked up once per request."""
    if not has_request_context():
        return quantity.DEFAULT_LOCALE
    if "store_locale" not in g:
        store = _store()
        g.store_locale = (store.locale or quantity.DEFAULT_LOCALE) if store is not None \
            else quantity.DEFAULT_LOCALE
    return g.store_locale


def _signed(text: str, number: int | None, signed: bool) -> str:
    return "+" + text if signed and number is not None and number > 0 else text


def money_filter(cents: int | None, currency: str | None = None, *, signed: bool = False,
                 plain: bool = False) -> str:
    """``{{ cents|money }}`` -> "-$56.17"; ``plain=True`` gives "-56.17" for a form input."""
    if plain:
        return quantity.plain_money(cents)
    if currency is None:
        store = _store()
        currency = store.currency if store is not None else quantity.DEFAULT_CURRENCY
    return _signed(quantity.money_text(cents, currency, _locale()), cents, signed)


def qty_filter(base: int | None, measure: str = "each", *, signed: bool = False, plain: bool = False) -> str:
    """``{{ base|qty(item.measure) }}`` -> "2.5" for 2500 thousandths; ``plain`` for inputs."""
    if plain:
        return quantity.plain_quantity(base, measure)
    return _signed(quantity.quantity_text(base, measure, _locale()), base, signed)


def when_filter(value: datetime | None, style: str = "datetime", tz: str | None = None) -> str:
    """``{{ at|when }}`` -> "2026-12-07 11:02 EST" on the store's clock."""
    if tz is None:
        store = _store()
        tz = store.timezone if store is not None else "UTC"
    return time_text(value, tz, style, _locale())


def register(app: Flask) -> None:
    app.add_template_filter(money_filter, "money")
    app.add_template_filter(qty_filter, "qty")
    app.add_template_filter(when_filter, "when")
