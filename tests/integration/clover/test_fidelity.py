"""Clover as it may really answer (issue #17, /work/shared/reference/clover-fidelity.md): each point
no Clover source settles is run against the emulator answering each way, over real HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT
from webapp.clover.connection import connection_for_store
from webapp.inventory.models import StockEvent
from webapp.returns.models import RefundRule

AUTH = "5d0b3c1e-2f4a-4c6b-8e9d-7a1f0c2b3d4e"


def _event(db, key: str) -> StockEvent:
    db.session.expire_all()
    return db.session.execute(select(StockEvent).where(StockEvent.key == key)).scalar_one()


@pytest.mark.parametrize("emulator_settings", [{"fidelity": {"refund_line_items": "elements"}},
                                               {"fidelity": {"refund_line_items": "list"}}],
                         ids=["wrapped", "bare-list"])
def test_a_refund_is_read_whether_its_line_items_are_wrapped_or_a_bare_list(
        sync, emulator, clover_items, level, events, db, store, emulator_settings):
    db.session.add(RefundRule(store_id=store.id, rule="restock"))  # default: held, see test_refunds.py
    db.session.commit()
    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    sync()
    line = order["lineItems"]["elements"][0]["id"]
    refund = emulator.refund(MERCHANT, order["id"], [line])["refund"]
    report = sync()
    assert report.orders.failed == []
    assert level(oat) == 23
    event = _event(db, f"clover:{order['id']}:{line}:refund")
    assert event.quantity == 1
    assert int(event.occurred_at.timestamp() * 1000) == refund["clientCreatedTime"]
    # The watermark moved past the refunded order: the next cycle does not read it again.
    assert connection_for_store(store.id).orders_watermark_ms >= emulator.control(
        "GET", f"/merchants/{MERCHANT}/orders/{order['id']}")["modifiedTime"]


@pytest.mark.parametrize("emulator_settings", [{"fidelity": {"voided_order_ref": True}},
                                               {"fidelity": {"voided_order_ref": False}}],
                         ids=["with-orderRef", "without-orderRef"])
def test_a_voided_line_is_reversed_whether_or_not_its_record_names_its_order(
        sync, emulator, clover_items, level, db, emulator_settings):
    sync()
    oat = clover_items["Oat Milk 1L"]
    # Paid: an open unpaid order is no sale yet (open_orders.py), and a void of it reverses nothing.
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 3}])
    other = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}])
    sync()
    assert level(oat) == 20
    line = order["lineItems"]["elements"][1]["id"]
    emulator.void(MERCHANT, order["id"], line)
    sync()
    sync()
    assert level(oat) == 21
    sale = _event(db, f"clover:{order['id']}:{line}")
    reversal = _event(db, f"clover:{order['id']}:{line}:void")
    assert reversal.quantity == 1 and reversal.occurred_at == sale.occurred_at
    assert not [e for e in db.session.scalars(select(StockEvent.key)) if e.startswith(f"clover:{other['id']}")
                and e.endswith(":void")]


def _webhooks_to(emulator, served_app, app):
    app.config["CLOVER_WEBHOOK_AUTH_CODE"] = AUTH
    emulator.settings(webhooks={"url": f"{served_app}/clover/webhook", "auth_code": AUTH, "mode": "manual"})


@pytest.mark.parametrize("emulator_settings", [
    {"fidelity": {"order_delete_voids": True, "voided_order_ref": True}},
    {"fidelity": {"order_delete_voids": True, "voided_order_ref": False}},
    {"fidelity": {"order_delete_voids": False}},
], ids=["listed-as-voided", "listed-without-orderRef", "not-listed"])
def test_a_whole_order_deleted_in_clover_has_its_sales_reversed_once(
        sync, emulator, served_app, app, clover_items, level, events, emulator_settings):
    _webhooks_to(emulator, served_app, app)
    sync()
    oat, cola = clover_items["Oat Milk 1L"], clover_items["Cola 12 oz Can"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}, {"item_id": cola, "qty": 1}])
    kept = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}])
    sync()
    assert (level(oat), level(cola)) == (21, 47)
    emulator.delete_order(MERCHANT, order["id"])
    assert emulator.flush_webhooks()["failed"] == 0
    sync()
    sync()
    assert (level(oat), level(cola)) == (23, 48)
    voids = {k: q for k, q in events(f"clover:{order['id']}:").items() if k.endswith(":void")}
    lines = order["lineItems"]["elements"]
    assert sorted(voids) == sorted(f"clover:{order['id']}:{x['id']}:void" for x in lines)
    assert set(voids.values()) == {1}
    assert not [k for k in events(f"clover:{kept['id']}:") if k.endswith(":void")]


def test_an_order_that_is_only_not_found_after_an_update_hint_is_left_alone(
        sync, emulator, served_app, app, clover_items, level, db, store):
    """Only a DELETE hint with its 404 reverses: a 404 after an UPDATE may be an order not visible yet."""
    from webapp.clover.models import CloverWebhookHint
    from webapp.types import utcnow

    sync()
    oat = clover_items["Oat Milk 1L"]
    order = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    sync()
    emulator.settings(fidelity={"order_delete_voids": False})
    emulator.delete_order(MERCHANT, order["id"])  # its DELETE event is never delivered (no webhook URL)
    db.session.add(CloverWebhookHint(merchant_id=MERCHANT, object_id=f"O:{order['id']}", event_type="UPDATE",
                                     ts=1, received_at=utcnow()))
    db.session.commit()
    sync()
    assert level(oat) == 22


@pytest.mark.parametrize("emulator_settings", [{"fidelity": {"voided_order_by": True}},
                                               {"fidelity": {"voided_order_by": False}}],
                         ids=["orderBy-honoured", "newest-first"])
def test_over_a_thousand_voided_lines_are_each_reversed_in_a_few_pages(
        sync, emulator, clover_items, level, events, emulator_settings):
    sync()
    oat = clover_items["Oat Milk 1L"]
    orders = [emulator.sale(MERCHANT, [{"item_id": oat, "qty": 250}]) for _ in range(5)]
    sync()
    assert level(oat) == 24 - 1250
    # 1,250 voided records at five deletedTimes: newest first, the first page of 1,000 ends on
    # the second oldest time, so a cursor that trusts the sort never reaches the oldest.
    for order in orders:
        emulator.delete_order(MERCHANT, order["id"])
    emulator.control("POST", "/counters/reset", {})
    sync(push=False)
    assert level(oat) == 24
    voids = [k for k in events("clover:") if k.endswith(":void")]
    assert len(voids) == 1250
    asked = emulator.counters()["requests_by_path"].get(f"GET /v3/merchants/{MERCHANT}/voided_line_items", 0)
    assert asked <= 3  # 1,000 a page: two pages (plus one if the second were exactly full)


@pytest.mark.parametrize("emulator_settings", [{"fidelity": {"offline_modified_time": "server"}},
                                               {"fidelity": {"offline_modified_time": "device"}}],
                         ids=["restamped-at-upload", "device-times-kept"])
def test_an_offline_sale_uploaded_an_hour_late_is_counted_once_at_its_device_time(
        sync, emulator, clover_items, events, db, store, emulator_settings):
    from datetime import UTC, datetime, timedelta

    connection = connection_for_store(store.id)
    connection.opened_at = datetime.now(UTC) - timedelta(hours=3)
    db.session.commit()
    sync()
    oat = clover_items["Oat Milk 1L"]
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}])
    sold_at = datetime.now(UTC) - timedelta(hours=1)
    at_ms = int(sold_at.timestamp() * 1000)
    offline = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}], offline=True, device_id="till-9",
                            created_time=at_ms, client_created_time=at_ms)
    sync()  # the online sale moves the watermark to now; the till is still offline
    emulator.reconnect(MERCHANT, "till-9")
    sync()
    # The first cycle of the next clock hour re-reads a whole day.
    connection = connection_for_store(store.id)
    connection.last_sync_at = connection.last_sync_at - timedelta(hours=1)
    db.session.commit()
    sync()
    sync()
    lines = offline["lineItems"]["elements"]
    assert events(f"clover:{offline['id']}:") == {f"clover:{offline['id']}:{x['id']}": -1 for x in lines}
    event = _event(db, f"clover:{offline['id']}:{lines[0]['id']}")
    assert abs(event.occurred_at - sold_at) < timedelta(seconds=1)


@pytest.fixture(params=["in-process", "redis"])
def throttle_backend(request, app):
    """The app-wide throttle in one process, or shared through Redis (skipped when it does not answer)."""
    if request.param == "redis":
        from tests.integration.clover.test_shared_throttle import REDIS_URL

        redis = pytest.importorskip("redis", reason="redis-py is not installed (requirements.txt pins it)")
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except (redis.RedisError, OSError) as exc:
            pytest.skip(f"Redis does not answer at {REDIS_URL} ({type(exc).__name__})")
        app.config["REDIS_URL"] = REDIS_URL
    else:
        app.config["REDIS_URL"] = ""
    return request.param


@pytest.mark.parametrize("emulator_settings", [{"rate_limits": {"enabled": True}, "response_delay": 0.05}])
def test_three_merchants_syncing_at_once_stay_under_the_app_wide_limits(
        emulator, make_store, db, throttle_backend, emulator_settings):
    import threading

    from webapp.clover.client import StaticToken
    from webapp.clover.connection import client_for, connect_with_token

    clients = []
    for n in range(3):
        merchant, token = f"APPLIMITMRCH{n}", f"app-limit-token-{n}"
        emulator.create_merchant(id=merchant, items=[{"name": "Tea", "price": 300}],
                                 tokens=[{"token": token}])
        row = connect_with_token(make_store(name=f"Store {n}").id, merchant, token)
        clients.append(client_for(row, tokens=StaticToken(token)))
    errors: list[BaseException] = []

    def worker(client) -> None:
        try:
            for _ in range(8):
                client.get("items", [("limit", 1)])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    # Five threads per merchant: each merchant alone stays within its 5 in flight, but three
    # together would hold 15, over the app's 10.
    threads = [threading.Thread(target=worker, args=(c,)) for c in clients for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    assert errors == []
    counters = emulator.counters()
    assert sum(counters["requests_by_path"].get(f"GET /v3/merchants/APPLIMITMRCH{n}/items", 0)
               for n in range(3)) - counters["responses_by_status"].get("429", 0) == 3 * 5 * 8
    limited = counters["limited_by"]
    # Without the app's throttle, 15 in flight draw crossTokenConcurrentLimit 429s by the dozen.
    # (A tokenLimit 429 can still come from a request delayed in transit on a loaded machine, as
    # test_rate_limits.py allows: the merchant's own throttle, waited out at no cost.)
    assert limited.get("crossTokenConcurrentLimit", 0) == limited.get("crossTokenLimit", 0) == 0
    assert limited.get("tokenConcurrentLimit", 0) == 0
