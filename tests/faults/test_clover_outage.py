"""Clover answering 500s, then timing out, for a stretch of sync cycles while sales go on.

A small proxy sits between our Clover client and the emulator and, on command, answers every
request with a 500 or holds it past the client's read timeout. Cycles run through the outage:
none may record a sale twice or lose one, and the orders watermark must not move past an order
that was not recorded. When Clover answers again, one cycle brings every level to what the
sales imply.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from flask import Flask, Response, request
from werkzeug.serving import make_server

from tests.clover_emulator import RunningEmulator, _QuietHandler
from tests.integration.clover.conftest import MERCHANT, TOKEN, emulator_config


class FaultyProxy:
    def __init__(self, upstream: str) -> None:
        self.mode = "ok"
        self.seen: dict[str, int] = {}
        self._http = requests.Session()
        app = Flask(__name__)

        @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
        def forward(path: str):
            self.seen[self.mode] = self.seen.get(self.mode, 0) + 1
            if self.mode == "500":
                return Response('{"message": "Internal Server Error"}', 500, mimetype="application/json")
            if self.mode == "timeout":
                time.sleep(1.0)  # longer than the client's read timeout below
            answer = self._http.request(request.method, f"{upstream}/{path}", params=request.args,
                                        data=request.get_data(), headers={
                                            k: v for k, v in request.headers if k.lower() != "host"},
                                        timeout=30)
            return Response(answer.content, answer.status_code,
                            content_type=answer.headers.get("Content-Type"))

        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._http.close()


@pytest.fixture(scope="module")
def emulator():
    with RunningEmulator(emulator_config()) as emu:
        yield emu


@pytest.fixture
def proxy(emulator):
    emulator.reset()
    with FaultyProxy(emulator.url) as p:
        yield p


@pytest.fixture
def app_config(proxy):
    return {"CLOVER_BASE_URL": proxy.url, "CLOVER_BACKOFF_BASE": 0.01, "CLOVER_MAX_RETRIES": 2}


def test_an_outage_of_500s_and_timeouts_loses_nothing_and_holds_the_watermark(app, db, store, emulator,
                                                                               proxy):
    from sqlalchemy import func, select

    from webapp.catalog.models import Item
    from webapp.clover.client import CloverClient, StaticToken
    from webapp.clover.connection import connect_with_token, connection_for_store
    from webapp.clover.sync import run_sync
    from webapp.inventory.models import StockEvent, StockLevel

    connect_with_token(store.id, MERCHANT, TOKEN)

    def client():
        # Short timeouts so a held request counts as a timeout within the test's patience.
        return CloverClient(proxy.url, MERCHANT, StaticToken(TOKEN), timeout=(1.0, 0.3), max_retries=2,
                            backoff_base=0.01)

    def cycle():
        try:
            return run_sync(store.id, client=client())
        except Exception as exc:  # noqa: BLE001  (an outage may surface as any Clover error)
            return exc

    def watermark() -> int | None:
        connection = connection_for_store(store.id)
        db.session.refresh(connection)
        return connection.orders_watermark_ms

    def level(clover_id: str) -> int:
        db.session.expire_all()
        return int(db.session.execute(
            select(func.coalesce(func.sum(StockLevel.quantity), 0)).join(Item, Item.id == StockLevel.item_id)
            .where(Item.store_id == store.id, Item.clover_id == clover_id)).scalar_one())

    cycle()
    items = {i["name"]: i["id"] for i in emulator.control("GET", f"/merchants/{MERCHANT}")["items"]}
    cola = items["Cola 12 oz Can"]
    start = level(cola)
    sold, orders = 0, []
    for _ in range(3):
        orders.append(emulator.sale(MERCHANT, [{"item_id": cola, "qty": 2}])["id"])
        sold += 2
    assert not isinstance(cycle(), Exception)
    assert level(cola) == start - sold
    before = watermark()

    for mode in ("500", "timeout"):
        proxy.mode = mode
        for _ in range(3):  # sales go on and cycles keep failing through the outage
            orders.append(emulator.sale(MERCHANT, [{"item_id": cola, "qty": 1}])["id"])
            sold += 1
            cycle()
            assert watermark() == before, f"the watermark moved during a {mode} outage"
            assert level(cola) == start - 6, "a sale was recorded from a failing Clover"
    assert proxy.seen.get("500") and proxy.seen.get("timeout")

    proxy.mode = "ok"
    report = cycle()
    assert not isinstance(report, Exception), report
    assert level(cola) == start - sold
    assert watermark() > before
    keys = list(db.session.scalars(select(StockEvent.key).where(StockEvent.key.like("clover:%"))))
    assert len(keys) == len(set(keys))
    per_order = {order: sum(1 for k in keys if k.startswith(f"clover:{order}:")) for order in orders}
    # The emulator, like Clover, gives each unit sold its own line item: each recorded once.
    assert list(per_order.values()) == [2, 2, 2, 1, 1, 1, 1, 1, 1], per_order
    assert not isinstance(cycle(), Exception)
    assert level(cola) == start - sold
