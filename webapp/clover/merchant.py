"""The store's time zone, currency and locale, taken from Clover's merchant properties.

``GET /v3/merchants/{mId}/properties`` (clover-api.md 4.1) says how the merchant's own POS
shows times and money. A connected store takes them at its first sync and then once a day, so
a merchant who moves their Clover to another zone sees our pages follow. The properties also
hold banking fields: only the three read here are kept, and the answer is never logged.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from webapp.catalog.models import Store, StoreLocale
from webapp.clover.client import CloverClient, CloverError
from webapp.clover.models import CloverConnection
from webapp.extensions import db

log = logging.getLogger(__name__)


def _zone(value) -> str | None:
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def _locale(value) -> str | None:
    if not isinstance(value, str) or not value or len(value) > 16:
        return None
    try:
        return str(Locale.parse(value.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return None


def adopt_merchant_settings(client: CloverClient, connection: CloverConnection) -> list[str]:
    """Take the merchant's time zone, currency and locale for the store; returns what changed
    (e.g. ["timezone"]). The caller commits."""
    try:
        props = client.get("properties") or {}
    except CloverError as exc:   # e.g. a token without MERCHANT_R: the store keeps its settings
        log.warning("merchant properties of %s not read: %s", connection.merchant_id, exc.status)
        return []
    store = db.session.get(Store, connection.store_id)
    changed = []
    tz = _zone(props.get("timezone"))
    if tz and tz != store.timezone:
        store.timezone = tz
        changed.append("timezone")
    currency = props.get("defaultCurrency")
    if isinstance(currency, str) and len(currency) == 3 and currency.isalpha() \
            and currency.upper() != store.currency:
        store.currency = currency.upper()
        changed.append("currency")
    locale = _locale(props.get("locale"))
    if locale and locale != store.locale:
        row = db.session.get(StoreLocale, store.id) or StoreLocale(store_id=store.id)
        row.locale = locale
        db.session.add(row)
        changed.append("locale")
    if changed:
        log.info("store %s took %s from Clover merchant %s", store.id, ", ".join(changed),
                 connection.merchant_id)
    return changed
