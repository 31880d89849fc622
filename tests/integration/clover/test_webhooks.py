"""Webhooks from the emulator, over real HTTP: the handshake, the auth header, faults, processing."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.clover.models import CloverWebhookHint, CloverWebhookVerification

AUTH = "0c6e1f4a-7b2d-4e58-9a31-c2d9f0b8e7a4"


def _hints(db) -> list[tuple[str, str, int]]:
    db.session.expire_all()
    return sorted(db.session.execute(select(CloverWebhookHint.object_id, CloverWebhookHint.event_type,
                                            CloverWebhookHint.ts)).tuples())


def _point_webhooks(emulator, served_app, **faults):
    emulator.settings(webhooks={"url": f"{served_app}/clover/webhook", "auth_code": AUTH, "mode": "manual",
                                "faults": {"drop": 0.0, "duplicate": 0.0, "reorder": False, **faults}})


def test_the_verification_handshake_is_answered_and_its_code_shown_to_the_admin(
        emulator, served_app, db, login_as, connected):
    _point_webhooks(emulator, served_app)
    answer = emulator.control("POST", "/webhooks/verify", {})
    assert answer["status"] == 200
    db.session.expire_all()
    stored = db.session.scalars(select(CloverWebhookVerification.code)).all()
    assert stored == [answer["code"]]
    page = login_as("admin").get("/clover/").get_data(as_text=True)
    assert answer["code"] in page


def test_a_forged_auth_header_is_refused_and_nothing_is_stored(client, db, connected, app):
    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = AUTH
    update = {"objectId": "O:GHIVJT2ABCRSC", "type": "CREATE", "ts": 1}
    body = {"appId": "X", "merchants": {MERCHANT: [update]}}
    forged = ["not-the-code", AUTH[:-1], AUTH + " ", "é"]
    for header in [{}, *({"X-Clover-Auth": code} for code in forged)]:
        response = client.post("/clover/webhook", json=body, headers=header)
        assert response.status_code == 401, header
        assert response.get_json()["error"]["code"] == "bad_webhook_auth"
    assert _hints(db) == []


def test_without_any_configured_code_every_notification_is_refused(client, db, connected):
    body = {"merchants": {MERCHANT: [{"objectId": "O:GHIVJT2ABCRSC", "type": "CREATE", "ts": 1}]}}
    assert client.post("/clover/webhook", json=body, headers={"X-Clover-Auth": ""}).status_code == 401
    assert _hints(db) == []


def test_the_code_an_admin_saved_is_accepted(login_as, client, db, connected):
    admin = login_as("admin")
    assert admin.post_form("/clover/auth-code", {"code": AUTH}).status_code == 302
    body = {"merchants": {MERCHANT: [{"objectId": "O:GHIVJT2ABCRSC", "type": "CREATE", "ts": 5}]}}
    assert client.post("/clover/webhook", json=body, headers={"X-Clover-Auth": AUTH}).status_code == 200
    assert _hints(db) == [("O:GHIVJT2ABCRSC", "CREATE", 5)]


@pytest.mark.parametrize("ts", [2**63, 10**30, -1])
def test_a_ts_out_of_range_is_a_400_naming_ts_and_nothing_is_stored(client, db, connected, app, ts):
    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = AUTH
    body = {"merchants": {MERCHANT: [{"objectId": "O:GHIVJT2ABCRSC", "type": "CREATE", "ts": 7},
                                     {"objectId": "O:GHIVJT2ABCRSD", "type": "CREATE", "ts": ts}]}}
    response = client.post("/clover/webhook", json=body, headers={"X-Clover-Auth": AUTH})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "ts"
    assert _hints(db) == []
    # The largest time a BIGINT holds is still a time.
    body["merchants"][MERCHANT][1]["ts"] = 2**63 - 1
    assert client.post("/clover/webhook", json=body, headers={"X-Clover-Auth": AUTH}).status_code == 200
    assert [h[2] for h in _hints(db)] == [7, 2**63 - 1]


def test_duplicate_and_reordered_deliveries_give_each_hint_once_and_the_sale_once(
        emulator, served_app, db, app, connected, sync, clover_items, level, events):
    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = AUTH
    sync()
    _point_webhooks(emulator, served_app, duplicate=1.0, reorder=True)
    oat = clover_items["Oat Milk 1L"]
    orders = [emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}]) for _ in range(3)]
    summary = emulator.flush_webhooks()
    assert summary["posts"] >= 2 and summary["failed"] == 0
    hints = _hints(db)
    assert len(hints) == len(set(hints))
    assert {f"O:{o['id']}" for o in orders} <= {h[0] for h in hints}
    assert emulator.flush_webhooks()["events"] == 0
    # the hints alone (no order pull) bring the sales in
    from webapp.clover.connection import client_for, connection_for_store
    from webapp.clover.orders import SaleRecorder
    from webapp.clover.webhooks import process_hints

    connection = connection_for_store(connected.store_id)
    client = client_for(connection)
    assert process_hints(client, connection, SaleRecorder(client, connection)) == len(hints)
    assert level(oat) == 21
    assert process_hints(client, connection, SaleRecorder(client, connection)) == 0
    sync()
    assert level(oat) == 21
    assert len(events("clover:" + orders[0]["id"])) == 1
    pending = db.session.scalar(select(func.count()).select_from(CloverWebhookHint)
                                .where(CloverWebhookHint.processed_at.is_(None)))
    assert pending == 0


def test_lost_deliveries_are_closed_by_the_next_pull(emulator, served_app, app, sync, clover_items, level):
    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = AUTH
    sync()
    _point_webhooks(emulator, served_app, drop=1.0)
    oat = clover_items["Oat Milk 1L"]
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    assert emulator.flush_webhooks()["dropped"] >= 1
    sync()
    assert level(oat) == 22


def test_an_item_hint_deactivates_an_item_deleted_in_clover(
        emulator, served_app, app, db, connected, sync, clover_items):
    from webapp.catalog.models import Item

    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = AUTH
    sync()
    _point_webhooks(emulator, served_app)
    cola = clover_items["Cola 12 oz Can"]
    requests.delete(f"{emulator.url}/v3/merchants/{MERCHANT}/items/{cola}",
                    headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).raise_for_status()
    emulator.flush_webhooks()
    assert ("I:" + cola) in {h[0] for h in _hints(db)}
    sync()
    db.session.expire_all()
    item = db.session.execute(select(Item).where(Item.clover_id == cola)).scalar_one()
    assert item.active is False
