"""A connected store takes its time zone, currency and locale from Clover's merchant (issue #14:
times in the store's zone, "taken from Clover's merchant time zone when connected"), over real
HTTP from the emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.clover.conftest import MERCHANT, TOKEN


@pytest.fixture
def emulator_settings() -> dict:
    from tests.integration.clover.conftest import ITEMS

    return {"merchants": [{"id": MERCHANT, "items": [dict(i) for i in ITEMS], "tokens": [{"token": TOKEN}],
                           "timezone": "America/Los_Angeles", "currency": "CAD"}]}


def test_the_first_sync_takes_the_merchants_zone_and_currency_and_pages_show_them(
        db, store, sync, login_as):
    from webapp.catalog.models import Store

    assert store.timezone == "America/New_York"
    report = sync(push=False)
    assert report.settings == ["timezone", "currency"]         # the emulator's locale is en-US already
    db.session.expire_all()
    fresh = db.session.get(Store, store.id)
    assert (fresh.timezone, fresh.currency, fresh.locale) == ("America/Los_Angeles", "CAD", "en_US")
    assert sync(push=False).settings == []                       # once a day, not every minute


def test_a_store_changed_by_hand_follows_the_merchant_again_the_next_day(db, store, sync, connected):
    from webapp.catalog.models import Store
    from webapp.clover.models import CloverConnection
    from webapp.types import utcnow

    sync(push=False)
    fresh = db.session.get(Store, store.id)
    fresh.timezone = "Europe/Berlin"
    row = db.session.get(CloverConnection, connected.id)
    row.last_sync_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert sync(push=False).settings == ["timezone"]
    db.session.expire_all()
    assert db.session.get(Store, store.id).timezone == "America/Los_Angeles"
