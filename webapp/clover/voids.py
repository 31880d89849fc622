"""Sales that did not happen: lines deleted from orders (Clover's voided line items) and whole
orders deleted, reversed with ``:void`` events at each sale's own time (orders.py explains the
keys). Neither path trusts what clover-fidelity.md leaves unconfirmed: a voided record may not
name its order (row 1), an order delete may not list its lines (row 2), and the list may not
honour ``orderBy`` (row 3).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import or_, select

from webapp.clover import open_orders
from webapp.clover.catalog_import import datetime_to_ms
from webapp.clover.client import CloverClient, CloverError
from webapp.clover.models import CloverConnection
from webapp.clover.orders import OVERLAP_MS, SaleRecorder, _item_id
from webapp.extensions import db
from webapp.inventory.ledger import Ledger
from webapp.inventory.models import StockEvent

log = logging.getLogger(__name__)

_CLOVER_ID = re.compile(r"[0-9A-Za-z]{1,40}")


def pull_voids(client: CloverClient, connection: CloverConnection, recorder: SaleRecorder) -> int:
    """Lines deleted from orders after we recorded their sale get a reversal (``:void``)."""
    start = connection.voids_watermark_ms
    if start is None and connection.opened_at is not None:
        start = datetime_to_ms(connection.opened_at)
    since = None if start is None else start - OVERLAP_MS
    newest = connection.voids_watermark_ms or start
    db.session.commit()
    try:
        records = list(client.every_since("voided_line_items", since, field="deletedTime"))
    except CloverError as exc:
        if exc.status != 400:
            raise
        # clover-api.md does not list this endpoint's filter fields; if Clover refuses ours,
        # read the whole list (newest first by default) and filter here, rather than never
        # reversing a voided line.
        log.warning("clover voided_line_items refused the deletedTime filter: %s", exc)
        records = [r for r in client.paginate("voided_line_items")
                   if since is None or int(r.get("deletedTime") or 0) >= since]
    ledger = Ledger(source="clover")
    before = recorder.result.events
    by_order: dict[str, list[tuple[dict[str, Any], tuple[int, str]]]] = {}
    orphans: dict[str, dict[str, Any]] = {}
    for record in records:
        line = record.get("lineItem") or {}
        order_id = (line.get("orderRef") or record.get("orderRef") or {}).get("id")
        item = recorder.items.get(_item_id(line) or "")
        if order_id and item and line.get("id"):
            by_order.setdefault(order_id, []).append((line, item))
        elif not order_id and line.get("id"):
            orphans[line["id"]] = line
        newest = max(newest or 0, int(record.get("deletedTime") or 0))
    # Clover's VoidedLineItem has no order reference of its own, and whether its lineItem keeps
    # orderRef is unconfirmed (clover-fidelity.md row 1): such a line's order is the one its
    # recorded sale names in its ledger key. A line whose sale we never recorded needs nothing.
    for line_id, (order_id, item_id) in recorded_sales(recorder.store_id, list(orphans)).items():
        by_order.setdefault(order_id, []).append((orphans[line_id], (item_id, "")))
    for order_id, lines in by_order.items():
        recorder.reverse(ledger, order_id, lines, ":void", "Clover line voided")
    ledger.settle()
    connection.voids_watermark_ms = newest
    db.session.commit()
    return recorder.result.events - before


def recorded_sales(store_id: int, line_ids: list[str]) -> dict[str, tuple[str, int]]:
    """Line id -> (order id, item id) of the Clover sales recorded for those lines, read from
    their ledger keys ``clover:<order>:<line>``."""
    wanted = sorted({x for x in line_ids if _CLOVER_ID.fullmatch(x)})  # no LIKE wildcards
    found: dict[str, tuple[str, int]] = {}
    for start in range(0, len(wanted), 200):
        patterns = [StockEvent.key.like(f"clover:%:{line_id}") for line_id in wanted[start:start + 200]]
        rows = db.session.execute(select(StockEvent.key, StockEvent.item_id).where(
            StockEvent.store_id == store_id, StockEvent.kind == "sale", or_(*patterns)))
        for row in rows:
            _, order_id, line_id = row.key.split(":")
            found[line_id] = (order_id, row.item_id)
    return found


def reverse_deleted_order(recorder: SaleRecorder, order_id: str) -> int:
    """A whole order deleted in Clover: every sale recorded for it is reversed (``:void``), as
    if each line had been voided. Returns the events appended; idempotent with the voided
    records Clover may also list for the order's lines."""
    if not _CLOVER_ID.fullmatch(order_id):
        return 0
    open_orders.forget(recorder.store_id, [order_id])  # an open order deleted: no longer waiting
    prefix = f"clover:{order_id}:"
    rows = db.session.execute(select(StockEvent.key, StockEvent.item_id).where(
        StockEvent.store_id == recorder.store_id, StockEvent.kind == "sale",
        StockEvent.key >= prefix, StockEvent.key < f"clover:{order_id};"))  # ";" follows ":"
    lines = [({"id": row.key.split(":")[2]}, (row.item_id, "")) for row in rows if row.key.count(":") == 2]
    if not lines:
        return 0
    before = recorder.result.events
    ledger = Ledger(source="clover")
    recorder.reverse(ledger, order_id, lines, ":void", "Clover order deleted")
    ledger.settle()
    db.session.commit()
    return recorder.result.events - before
