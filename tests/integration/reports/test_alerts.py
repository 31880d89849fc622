"""Low-stock alerts: raised once at the crossing, again only after recovery, and mailed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.alerts import service
from webapp.alerts.models import AlertState, StockAlert
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.inventory.models import StockEvent
from webapp.types import utcnow


def alerts(db):
    db.session.expire_all()  # delivery notes its outcome on its own connection, after the commit
    return db.session.scalars(select(StockAlert).order_by(StockAlert.id)).all()


def test_an_alert_is_raised_once_not_repeated_while_low_and_raised_again_after_recovery(
        db, make_item, record):
    milk = make_item("Oat Milk", reorder_point=10)
    record(milk, "opening", 12)
    assert alerts(db) == []
    record(milk, "sale", -2)  # 10: at the point is low
    assert [(a.level, a.reorder_point) for a in alerts(db)] == [(10, 10)]
    record(milk, "sale", -1)
    record(milk, "sale", -3)
    assert len(alerts(db)) == 1  # still low: nothing new
    record(milk, "receive", 5)  # 11: recovered
    first = alerts(db)[0]
    assert first.recovered_at is not None
    assert db.session.get(AlertState, milk.id).state == "ok"
    record(milk, "sale", -2)  # 9: a new crossing
    assert [(a.level, a.recovered_at is None) for a in alerts(db)] == [(10, False), (9, True)]


def test_an_approved_count_that_reveals_the_truth_raises_the_alert(db, make_item, record):
    beans = make_item("Coffee Beans", reorder_point=5)
    record(beans, "opening", 20)
    record(beans, "count", 3)  # the shelf holds 3, not 20
    assert [(a.item_id, a.level) for a in alerts(db)] == [(beans.id, 3)]


def test_the_store_level_is_the_sum_of_its_locations(db, store, make_item, record):
    back = store.locations[1]
    tea = make_item("Tea", reorder_point=5)
    record(tea, "opening", 10, location=back)
    record(tea, "opening", 4)  # floor 4 + back room 10: the store has 14
    record(tea, "sale", -3)  # 11
    assert alerts(db) == []
    record(tea, "transfer_out", -7, location=back)  # 4 left in the store
    assert [a.level for a in alerts(db)] == [4]


def test_a_transfer_leaves_the_store_level_and_its_alert_alone(db, store, make_item, record, monkeypatch):
    """Moving stock between two locations changes no store total: a low item stays low with
    its one alert, and the alert rule is not even asked (the ledger reports only items whose
    store-wide level moved)."""
    from webapp.inventory import ledger as ledger_module

    back = store.locations[1]
    soap = make_item("Soap", reorder_point=5)
    record(soap, "opening", 3, location=back)  # low: 3 in the store
    assert [a.level for a in alerts(db)] == [3]
    heard: list[tuple[int, set[int]]] = []
    monkeypatch.setattr(ledger_module, "LEVEL_LISTENERS",
                        [*ledger_module.LEVEL_LISTENERS, lambda store_id, ids: heard.append((store_id, ids))])
    now = utcnow()
    ledger = Ledger(source="device")
    for kind, place, quantity in (("transfer_out", back, -2), ("transfer_in", store.selling_location, 2)):
        ledger.stage(NewEvent(key=f"move:{kind}", kind=kind, store_id=store.id, item_id=soap.id,
                              location_id=place.id, quantity=quantity, occurred_at=now))
    ledger.settle()
    db.session.commit()
    assert heard == []
    assert [(a.level, a.recovered_at) for a in alerts(db)] == [(3, None)]
    record(soap, "sale", -1, location=store.selling_location)  # the total moves: the rule is asked
    assert heard == [(store.id, {soap.id})]
    assert [a.level for a in alerts(db)] == [3]  # still low: no second alert


def test_a_rolled_back_sale_raises_nothing_and_sends_nothing(db, store, make_item):
    rice = make_item("Rice", reorder_point=5)
    ledger = Ledger(source="clover")
    ledger.append(NewEvent("k1", "opening", store.id, rice.id, store.selling_location.id, 2, utcnow()))
    ledger.settle()
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert alerts(db) == []
    assert db.session.get(AlertState, rice.id) is None


def test_an_item_with_no_point_and_no_sales_never_alerts(db, make_item, record):
    salt = make_item("Salt")
    record(salt, "opening", 1)
    record(salt, "damage", -1)
    assert alerts(db) == []


class TestSuggestedPoint:
    @pytest.fixture
    def app_config(self):
        return {"REORDER_WINDOW_DAYS": 28, "REORDER_LEAD_TIME_DAYS": 7, "REORDER_SAFETY_DAYS": 0}

    def test_without_a_manual_point_the_suggestion_from_sales_velocity_raises_the_alert(
            self, db, make_item, record):
        bread = make_item("Bread")
        record(bread, "opening", 20, at=utcnow() - timedelta(days=20))
        record(bread, "sale", -14, at=utcnow() - timedelta(days=10))  # 0.5 a day: 3.5 -> 4 in 7 days
        assert alerts(db) == []
        record(bread, "sale", -2)  # 16 sold: 4 a week exactly; level 4
        assert [(a.level, a.reorder_point) for a in alerts(db)] == [(4, 4)]


class TestEmail:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "MAIL_FROM": "shelf@example.test"}

    def test_the_alert_email_reaches_the_smtp_server_with_the_item_and_its_level(
            self, db, make_item, make_user, record, smtp_server):
        manager = make_user("manager")
        manager.email = "boss@example.test"
        make_user("staff").email = "floor@example.test"  # staff are not told
        db.session.commit()
        milk = make_item("Oat Milk <Barista>", reorder_point=6)
        record(milk, "opening", 8)
        record(milk, "sale", -3, source="clover")
        assert len(smtp_server.messages) == 1
        recipients, message = smtp_server.messages[0]
        assert recipients == ["boss@example.test"]
        assert message["Subject"] == "Low stock at Corner Market: Oat Milk <Barista> (5 units left)"
        assert "- Oat Milk <Barista>: 5 units left (reorder point 6)" in message.get_content()
        alert = alerts(db)[0]
        assert alert.delivered_at is not None and alert.delivery_note == "email to 1"
        record(milk, "sale", -1, source="clover")
        assert len(smtp_server.messages) == 1  # not again while low

    def test_a_failed_delivery_is_retried_by_the_sweep(self, app, db, make_item, make_user, record,
                                                       smtp_server):
        manager = make_user("manager")
        manager.email = "boss@example.test"
        db.session.commit()
        app.config["SMTP_PORT"] = 1  # nothing listens there
        jam = make_item("Jam", reorder_point=2)
        record(jam, "opening", 1)
        alert = alerts(db)[0]
        assert alert.delivered_at is None and alert.delivery_attempts == 1
        assert "email failed" in alert.delivery_note
        app.config["SMTP_PORT"] = smtp_server.port
        assert service.sweep() == (0, 1)
        assert len(smtp_server.messages) == 1
        db.session.expire_all()
        assert alerts(db)[0].delivered_at is not None


def test_the_sweep_command_catches_levels_rebuilt_in_bulk(app, db, store, make_item):
    from webapp.inventory.rebuild import rebuild_levels

    oil = make_item("Olive Oil", reorder_point=3)
    db.session.execute(StockEvent.__table__.insert().values(
        key="import:1", store_id=store.id, item_id=oil.id, location_id=store.selling_location.id,
        kind="opening", quantity=2, occurred_at=utcnow(), recorded_at=utcnow(), source="import"))
    rebuild_levels(store.id)  # Core statements: no ORM update for the hook to see
    db.session.commit()
    assert alerts(db) == []
    result = app.test_cli_runner().invoke(args=["alerts", "check"])
    assert result.exit_code == 0, result.output
    assert "1 alert(s) raised" in result.output
    assert [a.level for a in alerts(db)] == [2]
    again = app.test_cli_runner().invoke(args=["alerts", "check"])
    assert "0 alert(s) raised" in again.output


def test_vapid_keys_can_be_made_from_the_shell(app):
    result = app.test_cli_runner().invoke(args=["alerts", "vapid-keys"])
    assert result.exit_code == 0
    private, public = result.output.splitlines()
    assert private.startswith("VAPID_PRIVATE_KEY=") and len(private.split("=", 1)[1]) == 43
    assert public.startswith("VAPID_PUBLIC_KEY=") and len(public.split("=", 1)[1]) == 87


def test_lowering_nothing_but_raising_the_point_above_the_level_raises_the_alert(db, make_item, record):
    flour = make_item("Flour", reorder_point=2)
    record(flour, "opening", 6)
    assert alerts(db) == []
    flour.reorder_point = 6  # e.g. the catalog's item form
    db.session.commit()
    assert [(a.level, a.reorder_point) for a in alerts(db)] == [(6, 6)]
