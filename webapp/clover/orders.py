"""Clover orders become ledger events: sales, refunds, and the reversals of what did not happen.

Every event has a deterministic key, so replaying an order (the overlap window, a webhook and
a pull of the same order, two servers at once) appends nothing twice:

=================================  =========  =============================================
key                                kind       when (occurred_at)
=================================  =========  =============================================
``clover:<order>:<line>``          sale       the order's ``clientCreatedTime`` (the device's
                                              time: an offline sale lands when it happened);
                                              a line given in an exchange: its own time
``clover:<order>:<line>:refund``   refund     the refund's time; written only when the store's
                                              rule restocks refunds, else held for a
                                              manager (``webapp/returns``)
``clover:<order>:<line>:exchange`` refund     the time of the line it was exchanged for
``clover:<order>:<line>:void``     refund     the sale's own time: the line never left
=================================  =========  =============================================

A void's reversal is +(what the line's events still hold), so it returns the line to zero
whatever was recorded before; it is appended only when a sale was recorded.

**Stock follows the line items, money follows the payments.** A payment that fails (an
offline card declined when the device reconnects, clover-api.md 7.2) does not reverse the
sale: the device approved it offline, so the customer left with the goods and the shelf is
short by them. Reversing would put phantom units back on the books, to surface later as an
unexplained count shortfall. What failed is the money; Clover shows the order open again for
the merchant to collect. We keep the sale, list the order in ``OrdersResult.unpaid`` (the
sync's output), and log it. If the goods did stay (a card declined at the counter), the
cashier deletes the lines, and the void reverses them as above. (clover-api.md says such a
sale "may need reversing": true of the revenue, not of the stock. Earlier versions appended a
``:failed`` refund; ``SUFFIXES`` still reads it so a later void nets correctly.)
One line item is one unit (clover-api.md 4.5); weighed lines carry ``unitQty`` in thousandths,
which is our base unit for weighed items. Custom lines without an item are not stock.

The order watermark (Clover's ``modifiedTime``) only moves past orders that were recorded:
the first order that fails keeps it below itself, so the next pull retries it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from webapp.catalog.models import Item
from webapp.clover import open_orders
from webapp.clover.catalog_import import (
    ITEM_EXPAND,
    CatalogImporter,
    datetime_to_ms,
    ms_to_datetime,
    selling_location,
)
from webapp.clover.client import CloverClient, CloverError, CloverNotFound
from webapp.clover.models import CloverConnection
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.inventory.models import StockEvent
from webapp.quantity import whole_units
from webapp.returns import service as returns
from webapp.types import utcnow

log = logging.getLogger(__name__)

ORDER_EXPAND = ("expand", "lineItems,payments,refunds")
NESTED_CAP = 100  # Clover cuts expanded collections here without saying so (3.1)
# Late rows appear "in the past" (Clover's indexing, devices reconnecting): re-read this much.
OVERLAP_MS = 5 * 60_000
# Late offline orders (clover-fidelity.md row 5): if a device's upload keeps its own times, an
# order sold offline an hour ago arrives with an hour-old modifiedTime, below the overlap. So
# the first pull of each clock hour re-reads a whole day (never before the connection opened);
# the ledger's keys make the re-read cost requests only.
LATE_WINDOW_MS = 24 * 3_600_000
# Orders per transaction: the ledger settles each touched item-location once per batch, so
# bigger batches settle far fewer streams (a page of orders is at most 1,000).
BATCH = 1000
SUFFIXES = ("", ":refund", ":exchange", ":void", ":failed")


@dataclass
class OrdersResult:
    orders: int = 0
    lines: int = 0
    events: int = 0
    failed: list[str] = field(default_factory=list)
    unmapped_lines: int = 0
    # Orders whose payment failed after the sale (an offline card declined): stock stays out.
    unpaid: list[str] = field(default_factory=list)
    # Orders open and unpaid (or hidden): no line is a sale yet (open_orders.py).
    open: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    order: dict[str, Any]
    lines: list[dict[str, Any]]
    error: str | None = None


class SaleRecorder:
    """Turns fetched orders into events for one connection; the caller owns the transaction."""

    def __init__(self, client: CloverClient, connection: CloverConnection) -> None:
        self.client = client
        self.connection = connection
        self.store_id = connection.store_id
        self.location_id = selling_location(self.store_id).id
        self.result = OrdersResult()
        self.items = self._item_map()

    def refresh_items(self) -> None:
        self.items = self._item_map()

    def _item_map(self) -> dict[str, tuple[int, str]]:
        rows = db.session.execute(select(Item.clover_id, Item.id, Item.measure).where(
            Item.store_id == self.store_id, Item.clover_id.is_not(None)))
        return {r.clover_id: (r.id, r.measure) for r in rows}

    # ----- HTTP first: everything an order needs, before any write -------------------------

    def prepare(self, orders: list[dict[str, Any]]) -> list[Prepared]:
        prepared = []
        unknown: set[str] = set()
        for order in orders:
            try:
                lines = self._lines(order)
            except CloverError as exc:
                prepared.append(Prepared(order, [], str(exc)))
                continue
            prepared.append(Prepared(order, lines))
            unknown.update(ref for ref in (_item_id(x) for x in lines) if ref and ref not in self.items)
        if unknown:
            elements = []
            for clover_id in sorted(unknown):
                try:
                    elements.append(self.client.get(f"items/{clover_id}", [ITEM_EXPAND]))
                except CloverNotFound:
                    log.warning("clover item %s sold but not found; its lines are skipped", clover_id)
            if elements:
                CatalogImporter(self.connection, utcnow()).apply(elements)
                db.session.commit()
                self.refresh_items()
        return prepared

    def _lines(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        nested = order.get("lineItems")
        if isinstance(nested, dict | list) and len(elements := _elements(nested)) < NESTED_CAP:
            return elements
        return list(self.client.paginate(f"orders/{order['id']}/line_items"))

    # ----- then the writes -----------------------------------------------------------------

    def record(self, batch: list[Prepared]) -> list[bool]:
        """Record each order in its own savepoint; returns which ones succeeded."""
        ledger = Ledger(source="clover")
        outcome = []
        counted = []
        for prepared in batch:
            if prepared.error:
                self._fail(prepared.order, prepared.error)
                outcome.append(False)
                continue
            mark = ledger.mark()
            savepoint = db.session.begin_nested()
            try:
                if self._record_order(prepared, ledger):
                    counted.append(str(prepared.order["id"]))
                savepoint.commit()
                outcome.append(True)
            except Exception as exc:  # one bad order must not block the others' events
                savepoint.rollback()
                ledger.rewind(mark)
                self._fail(prepared.order, repr(exc))
                outcome.append(False)
        ledger.settle()
        open_orders.forget(self.store_id, counted)
        return outcome

    def _fail(self, order: dict[str, Any], why: str) -> None:
        log.warning("clover order %s not recorded: %s", order.get("id"), why)
        self.result.failed.append(order.get("id", "?"))

    def _append(self, ledger: Ledger, key: str, kind: str, item: tuple[int, str], quantity: int,
                at: datetime, note: str) -> None:
        added = ledger.append(NewEvent(key=key, kind=kind, store_id=self.store_id, item_id=item[0],
                                       location_id=self.location_id, quantity=quantity, occurred_at=at,
                                       source="clover", note=note[:500]))
        self.result.events += int(added)

    def _record_order(self, prepared: Prepared, ledger: Ledger) -> bool:
        """Append the order's events; False when it is not a sale yet (open and unpaid)."""
        order, lines = prepared.order, prepared.lines
        oid = order["id"]
        self.result.orders += 1
        sold_at = ms_to_datetime(order.get("clientCreatedTime") or order.get("createdTime")) or utcnow()
        if not open_orders.counts_as_sale(order):
            open_orders.remember(self.store_id, order, sold_at, len(lines))
            self.result.open.append(oid)
            return False
        changed_at = ms_to_datetime(order.get("modifiedTime")) or sold_at
        by_id = {x["id"]: x for x in lines}
        given_for = {(x.get("exchangedLineItem") or {}).get("id") for x in lines if x.get("exchanged")}
        refunded_at = _refund_times(order)
        if _payment_failed(order) and oid not in self.result.unpaid:
            self.result.unpaid.append(oid)
            log.info("clover order %s: its payment failed after the sale; the stock stays sold", oid)
        for line in lines:
            ref = _item_id(line)
            if ref is None:
                continue
            item = self.items.get(ref)
            if item is None:
                self.result.unmapped_lines += 1
                continue
            self.result.lines += 1
            quantity = _units(line, item[1])
            key = f"clover:{oid}:{line['id']}"
            at = sold_at
            if line["id"] in given_for:
                at = max(sold_at, ms_to_datetime(line.get("createdTime")) or sold_at)
            self._append(ledger, key, "sale", item, -quantity, at, f"Clover order {oid}")
            if line.get("refunded"):
                # Back to stock only by the store's rule or a manager's say (webapp/returns).
                when = refunded_at.get(line["id"], changed_at)
                refund = returns.Refund(key + ":refund", self.store_id, item[0], self.location_id, quantity,
                                        when, f"Clover refund, order {oid}")
                self.result.events += int(returns.receive(refund, ledger, "clover"))
            if line.get("exchanged"):
                new = by_id.get((line.get("exchangedLineItem") or {}).get("id") or "")
                when = ms_to_datetime(new.get("createdTime")) if new else None
                self._append(ledger, key + ":exchange", "refund", item, quantity,
                             max(sold_at, when or changed_at), f"Clover exchange, order {oid}")
        return True

    def reverse(self, ledger: Ledger, order_id: str, lines: list[tuple[dict[str, Any], tuple[int, str]]],
                suffix: str, why: str) -> None:
        """Bring each line's events back to zero, at the time of its sale (a voided line)."""
        # A line listed twice would read its events twice and be reversed by twice its net.
        lines = list({line["id"]: (line, item) for line, item in lines}.values())
        keys = [f"clover:{order_id}:{line['id']}{s}" for line, _ in lines for s in SUFFIXES]
        held: dict[str, list[tuple[str, int, datetime]]] = {}
        for start in range(0, len(keys), 500):
            for row in db.session.execute(select(StockEvent.key, StockEvent.quantity, StockEvent.occurred_at)
                                          .where(StockEvent.key.in_(keys[start:start + 500]))):
                base = row.key.split(":")
                held.setdefault(":".join(base[:3]), []).append((row.key, row.quantity, row.occurred_at))
        for line, item in lines:
            base = f"clover:{order_id}:{line['id']}"
            events = held.get(base, [])
            net = sum(q for _, q, _ in events)
            sale = next((e for e in events if e[0] == base), None)
            if sale is None or net >= 0 or any(k == base + suffix for k, _, _ in events):
                continue
            self._append(ledger, base + suffix, "refund", item, -net, sale[2], f"{why}, order {order_id}")


def _item_id(line: dict[str, Any]) -> str | None:
    return (line.get("item") or {}).get("id")


def _units(line: dict[str, Any], measure: str) -> int:
    if measure == "weight":
        qty = line.get("unitQty")
        return int(qty) if isinstance(qty, int | float) and qty > 0 else whole_units(1, measure)
    return 1


def _elements(collection: Any) -> list[dict[str, Any]]:
    """A collection in either shape Clover may send: ``{"elements": [...]}`` (how it wraps expanded
    collections) or a bare list (how the SDK models ``Refund.lineItems``; clover-fidelity.md row 4).
    Anything else is an empty collection rather than an error that would hold the watermark back."""
    if isinstance(collection, dict):
        collection = collection.get("elements")
    return [x for x in collection if isinstance(x, dict)] if isinstance(collection, list) else []


def _refund_times(order: dict[str, Any]) -> dict[str, datetime]:
    times: dict[str, datetime] = {}
    for refund in _elements(order.get("refunds")):
        when = ms_to_datetime(refund.get("clientCreatedTime") or refund.get("createdTime"))
        for ref in _elements(refund.get("lineItems")):
            if when is not None and ref.get("id"):
                times[ref["id"]] = when
    return times


def _payment_failed(order: dict[str, Any]) -> bool:
    """A payment failed (an offline card declined on reconnection) and none succeeded: the order
    is unpaid, which the sync reports; the sale stands (see the module's docstring)."""
    payments = _elements(order.get("payments"))
    results = {p.get("result") for p in payments}
    return "FAIL" in results and "SUCCESS" not in results


def process_orders(recorder: SaleRecorder, orders: list[dict[str, Any]]) -> list[bool]:
    prepared = recorder.prepare(orders)
    outcome = recorder.record(prepared)
    db.session.commit()
    return outcome


def pull_orders(client: CloverClient, connection: CloverConnection) -> OrdersResult:
    """Orders changed since the watermark (minus the overlap), oldest change first."""
    start = connection.orders_watermark_ms
    if start is None and connection.opened_at is not None:
        start = datetime_to_ms(connection.opened_at)
    since = None if start is None else start - OVERLAP_MS
    now = utcnow()
    if since is not None and _late_pass_due(connection.last_sync_at, now):
        late = datetime_to_ms(now) - LATE_WINDOW_MS
        if connection.opened_at is not None:
            late = max(late, datetime_to_ms(connection.opened_at))
        since = min(since, late)
    recorder = SaleRecorder(client, connection)
    db.session.commit()
    watermark = connection.orders_watermark_ms or start
    blocked = False
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal watermark, blocked
        outcome = process_orders(recorder, batch)
        for order, ok in zip(batch, outcome, strict=True):
            if not ok:
                blocked = True
            elif not blocked:
                watermark = max(watermark or 0, int(order.get("modifiedTime") or 0))
        batch.clear()
        connection.orders_watermark_ms = watermark
        db.session.commit()

    for order in client.changed_since("orders", since, [ORDER_EXPAND]):
        batch.append(order)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    connection.last_pull_at = utcnow()
    db.session.commit()
    return recorder.result


def _late_pass_due(last_sync: datetime | None, now: datetime) -> bool:
    """The first pull in a clock hour other than the last finished sync's (stored, so every server agrees)."""
    return last_sync is None or last_sync.replace(minute=0, second=0, microsecond=0) != now.replace(
        minute=0, second=0, microsecond=0)


def backfill_orders(client: CloverClient, connection: CloverConnection, since_ms: int,
                    until_ms: int) -> OrdersResult:
    """Record the orders changed in [since, until), read in slices of at most 90 days.

    For history and reports: the watermark is left alone, and sales dated before an item's
    opening balance do not move its level (the opening is a reset that already includes them).
    Slices because Clover silently narrows longer time filters on orders, payments and refunds
    to their last 90 days (clover-api.md 3.2).
    """
    recorder = SaleRecorder(client, connection)
    db.session.commit()
    batch: list[dict[str, Any]] = []
    for order in client.changed_in_slices("orders", since_ms, until_ms, [ORDER_EXPAND]):
        batch.append(order)
        if len(batch) >= BATCH:
            process_orders(recorder, batch)
            batch = []
    if batch:
        process_orders(recorder, batch)
    return recorder.result
