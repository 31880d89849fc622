"""The emulator's whole state: one in-memory store guarded by one re-entrant lock.

The app is served by a threaded server, so every handler and background thread takes
``store.lock`` around reads and writes. Domain rules live in inventory.py and orders.py; this
module only holds the data, the clock, the counters and the outgoing webhook events.
"""

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from clover_emulator.errors import not_found
from clover_emulator.ids import IdMaker


class Clock:
    """Milliseconds since the epoch, strictly increasing so every change really bumps modifiedTime."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            self._last = max(int(time.time() * 1000), self._last + 1)
            return self._last


@dataclass
class AccessToken:
    token: str
    merchant_id: str
    scopes: frozenset[str]
    expires_at: float | None  # Unix seconds; None for static merchant tokens (2.4)
    kind: str = "static"
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    merchant_id: str
    expires_at: float
    access_token: str
    used: bool = False


@dataclass
class Event:
    """One webhook update (5.2): ``objectId`` is ``<key>:<id>``, ``ts`` in ms."""

    merchant_id: str
    object_id: str
    type: str
    ts: int


@dataclass
class Merchant:
    id: str
    name: str
    currency: str
    timezone: str
    auto_decrement: bool
    refund_restocks: bool
    created_time: int
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    stocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, dict[str, Any]] = field(default_factory=dict)
    item_categories: dict[str, list[str]] = field(default_factory=dict)
    item_tags: dict[str, list[str]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    voided: list[dict[str, Any]] = field(default_factory=list)
    tenders: dict[str, str] = field(default_factory=dict)  # label -> tender id
    offline_stock_merge: str = "delta"
    device_views: dict[str, dict[str, float]] = field(default_factory=dict)  # device -> item -> quantity
    trading: Any = None  # a generator.LiveTrader while live trading runs

    def item(self, item_id: str) -> dict[str, Any]:
        item = self.items.get(item_id)
        if item is None or item.get("deletedTime"):
            raise not_found("Item")
        return item

    def visible_order(self, order_id: str) -> dict[str, Any]:
        """An order the cloud knows of: not one still held by an offline device (7.2)."""
        order = self.orders.get(order_id)
        if order is None or order["_pending_device"]:
            raise not_found("Order")
        return order

    def is_visible(self, order_id: str) -> bool:
        order = self.orders.get(order_id)
        return order is not None and not order["_pending_device"]


class Store:
    def __init__(self, settings: dict[str, Any]) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.settings = settings
        self.ids = IdMaker(settings["id_seed"])
        self.clock = Clock()
        self.merchants: dict[str, Merchant] = {}
        self.merchant_specs: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.auth_codes: dict[str, str] = {}  # code -> merchant id, single use
        self.requests_by_path: Counter[str] = Counter()
        self.responses_by_status: Counter[int] = Counter()
        self.limited_by: Counter[str] = Counter()  # 429s by the limit they name (tokenLimit, ...)
        self.refreshes: Counter[str] = Counter()
        # What Clover would count per merchant, whatever the limits: request starts in the last
        # second, requests in flight now, and the most of each seen (``peaks``).
        self.arrivals: dict[str, deque[float]] = {}
        self.in_flight: Counter[str] = Counter()
        self.peaks: dict[str, dict[str, int]] = {}
        self.events: list[Event] = []
        self.forced_429 = 0

    def merchant(self, merchant_id: str) -> Merchant:
        merchant = self.merchants.get(merchant_id)
        if merchant is None:
            raise not_found("Merchant")
        return merchant

    def emit(self, merchant_id: str, key: str, object_id: str, kind: str, ts: int | None = None) -> None:
        """Queue a webhook update; webhooks.py delivers it if a URL is configured."""
        with self.lock:
            if not self.settings["webhooks"]["url"]:
                return
            self.events.append(Event(merchant_id, f"{key}:{object_id}", kind, ts or self.clock.now_ms()))
            self.changed.notify_all()
