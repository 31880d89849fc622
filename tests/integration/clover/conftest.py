"""Fixtures for the Clover integration: a real emulator over HTTP and a store connected to it."""

from __future__ import annotations

import threading

import pytest

from tests.clover_emulator import RunningEmulator

MERCHANT = "XYZVJT2ZRRRSC"
TOKEN = "static-test-token"

ITEMS = [
    {"name": "Oat Milk 1L", "price": 499, "cost": 310, "code": "0850012345671", "sku": "OAT-1L",
     "quantity": 24, "categories": ["Dairy"]},
    {"name": "Coffee Beans (bulk)", "price": 1899, "cost": 950, "sku": "BEAN-BULK", "priceType": "PER_UNIT",
     "unitName": "lb", "quantity": 12.75},
    {"name": "Cola 12 oz Can", "price": 109, "code": "036000291452", "sku": "COLA-12", "quantity": 48},
]


def emulator_config(**overrides):
    config = {
        "rate_limits": {"enabled": False},
        "ninety_day_rule": True,
        "webhooks": {"mode": "manual"},
        "merchants": [{"id": MERCHANT, "items": [dict(i) for i in ITEMS], "tokens": [{"token": TOKEN}]}],
    }
    config.update(overrides)
    return config


@pytest.fixture
def emulator_settings() -> dict:
    """Override in a module to start the emulator differently."""
    return {}


@pytest.fixture
def emulator(emulator_settings):
    with RunningEmulator(emulator_config(**emulator_settings)) as emu:
        yield emu


@pytest.fixture
def app_config(emulator) -> dict:
    return {"CLOVER_BASE_URL": emulator.url, "CLOVER_OAUTH_URL": emulator.url, "CLOVER_BACKOFF_BASE": 0.01,
            "CLOVER_APP_ID": "SHELFCOUNTAPP", "CLOVER_APP_SECRET": "emulator-app-secret"}


@pytest.fixture
def served_app(app, db):
    """Our app on a real local port, so the emulator can POST webhooks to it over HTTP."""
    from werkzeug.serving import make_server

    from tests.clover_emulator import _QuietHandler

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def clover_items(emulator) -> dict[str, str]:
    """Item name -> Clover item id, as the emulator generated them."""
    summary = emulator.control("GET", f"/merchants/{MERCHANT}")
    return {i["name"]: i["id"] for i in summary["items"]}


@pytest.fixture
def connected(db, store):
    from webapp.clover.connection import connect_with_token

    return connect_with_token(store.id, MERCHANT, TOKEN)


@pytest.fixture
def sync(app, connected):
    """sync() runs one full cycle for the connected store, as `flask clover sync` does."""
    from webapp.clover.sync import run_sync

    def run(**kwargs):
        return run_sync(connected.store_id, **kwargs)

    return run


@pytest.fixture
def level(db, store):
    """level(clover_id) -> the store total of the item linked to that Clover id, in base units."""
    from sqlalchemy import func, select

    from webapp.catalog.models import Item
    from webapp.inventory.models import StockLevel

    def read(clover_id: str) -> int:
        db.session.expire_all()
        total = db.session.execute(
            select(func.coalesce(func.sum(StockLevel.quantity), 0)).join(Item, Item.id == StockLevel.item_id)
            .where(Item.store_id == store.id, Item.clover_id == clover_id)).scalar_one()
        return int(total)

    return read


@pytest.fixture
def events(db):
    """events(prefix) -> {key: quantity} of ledger events whose key starts with prefix."""
    from sqlalchemy import select

    from webapp.inventory.models import StockEvent

    def read(prefix: str = "clover:") -> dict[str, int]:
        db.session.expire_all()
        query = select(StockEvent.key, StockEvent.quantity).where(StockEvent.key.like(prefix + "%"))
        rows = db.session.execute(query)
        return {r.key: r.quantity for r in rows}

    return read


@pytest.fixture
def record(db, store):
    """record(clover_id, kind, quantity, location=None): a stock fact through the ledger's own service,
    e.g. an approved shelf count ("count", absolute) or a delivery to the back room ("receive")."""
    import uuid

    from sqlalchemy import select

    from webapp.catalog.models import Item, Location
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    def write(clover_id: str, kind: str, quantity: int, location: str = "Sales floor") -> None:
        item = db.session.execute(select(Item).where(Item.clover_id == clover_id)).scalar_one()
        where = db.session.execute(select(Location).where(Location.store_id == store.id,
                                                          Location.name == location)).scalar_one()
        ledger = Ledger(source="web")
        ledger.append(NewEvent(key=f"test:{uuid.uuid4()}", kind=kind, store_id=store.id, item_id=item.id,
                               location_id=where.id, quantity=quantity, occurred_at=utcnow(), source="web"))
        ledger.settle()
        db.session.commit()

    return write
