"""The first Clover import can take Clover's quantities as a past time's balances (issue 15):
for a store whose Clover quantities are what a count found then, and have not moved since."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT
from webapp.clover.connection import set_opening_as_of
from webapp.errors import DomainError
from webapp.inventory.models import StockEvent
from webapp.types import utcnow


def opening_of(db, clover_id: str) -> StockEvent:
    db.session.expire_all()
    return db.session.scalars(select(StockEvent).where(
        StockEvent.key == f"clover:opening:{MERCHANT}:{clover_id}")).one()


def test_quantities_taken_as_of_2_hours_ago_have_the_sale_of_3_since_applied_after_them(
        sync, emulator, clover_items, level, db, store):
    as_of = utcnow().replace(microsecond=0) - timedelta(hours=2)
    set_opening_as_of(store.id, as_of)
    db.session.commit()
    oat = clover_items["Oat Milk 1L"]
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}])  # Clover does not decrement: it still says 24
    sync()
    assert opening_of(db, oat).occurred_at == as_of
    assert level(oat) == 24 - 3


def test_without_a_time_the_quantities_are_as_of_the_import_and_already_hold_earlier_sales(
        sync, emulator, clover_items, level, db):
    oat = clover_items["Oat Milk 1L"]
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}])
    before = utcnow()
    sync()
    assert opening_of(db, oat).occurred_at >= before
    assert level(oat) == 24


@pytest.mark.parametrize("shift", [timedelta(hours=1), -timedelta(days=95)], ids=["future", "beyond-90-days"])
def test_an_opening_time_in_the_future_or_beyond_clovers_90_days_is_refused(connected, store, shift):
    with pytest.raises(DomainError) as refused:
        set_opening_as_of(store.id, utcnow() + shift)
    assert (refused.value.code, refused.value.field) == ("bad_field", "opening_as_of")


def test_the_opening_time_cannot_change_after_the_first_pull(sync, db, store):
    sync()
    with pytest.raises(DomainError) as refused:
        set_opening_as_of(store.id, utcnow() - timedelta(hours=1))
    assert refused.value.code == "already_opened"
