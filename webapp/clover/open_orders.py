"""Open, unpaid and hidden Clover orders: when a line becomes a sale, and which orders a manager sees.

**The rule: a line is a sale once its order is paid or locked.** Precisely, an order counts
when Clover has ``state`` ``locked``, or its ``paymentState`` says money moved (``PAID``,
``PARTIALLY_PAID``, ``REFUNDED``, ``PARTIALLY_REFUNDED``, ``CREDITED``), or one of its payments
succeeded or was approved offline. That is when Clover's Register hands the goods over and
closes the order, so it is when the shelf is short. An order a cashier opened and left (a
parked tab, an abandoned cart, an order an app created hidden, ``state`` null) takes nothing
from stock until it is paid; then all its lines count, at the order's own time.

An offline payment that the bank declines later still counts (``orders.py``: the customer left
with the goods). A sale once counted stays counted: only a void, a deleted order or a refund
reverses it, each through its own event.

Open orders we have seen are remembered (``CloverOpenOrder``) until they count or are
deleted; those older than the store's ``open_order_minutes`` are listed for a manager
(``/clover/open-orders``), who settles or deletes them in Clover.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from webapp.clover.models import CloverConnection, CloverOpenOrder
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.types import utcnow

MONEY_MOVED = {"PAID", "PARTIALLY_PAID", "REFUNDED", "PARTIALLY_REFUNDED", "CREDITED"}
TAKEN = {"SUCCESS", "AUTH", "AUTH_COMPLETED"}


def _payments(order: dict[str, Any]) -> list[dict[str, Any]]:
    found = order.get("payments")
    if isinstance(found, dict):
        found = found.get("elements")
    return [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []


def counts_as_sale(order: dict[str, Any]) -> bool:
    if str(order.get("state") or "").lower() == "locked":
        return True
    if str(order.get("paymentState") or "").upper() in MONEY_MOVED:
        return True
    return any(p.get("result") in TAKEN or p.get("offline") is True for p in _payments(order))


def remember(store_id: int, order: dict[str, Any], opened_at: datetime, lines: int) -> None:
    row = db.session.scalar(select(CloverOpenOrder).where(CloverOpenOrder.store_id == store_id,
                                                          CloverOpenOrder.order_id == order["id"]))
    if row is None:
        row = CloverOpenOrder(store_id=store_id, order_id=str(order["id"])[:13], opened_at=opened_at)
        db.session.add(row)
    row.state = str(order.get("state") or "hidden")[:12]
    row.lines = lines
    row.total_cents = order.get("total") if isinstance(order.get("total"), int) else None
    row.seen_at = utcnow()


def forget(store_id: int, order_ids: list[str]) -> None:
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start:start + 500]
        db.session.execute(delete(CloverOpenOrder).where(CloverOpenOrder.store_id == store_id,
                                                         CloverOpenOrder.order_id.in_(chunk)))


def older_than_setting(store_id: int, now: datetime | None = None) -> tuple[int, list[CloverOpenOrder]]:
    """The store's setting (minutes) and its open orders opened longer ago than that, oldest first."""
    minutes = db.session.scalar(select(CloverConnection.open_order_minutes)
                                .where(CloverConnection.store_id == store_id)) or 60
    before = (now or utcnow()) - timedelta(minutes=minutes)
    rows = db.session.scalars(select(CloverOpenOrder).where(CloverOpenOrder.store_id == store_id,
                                                            CloverOpenOrder.opened_at <= before)
                              .order_by(CloverOpenOrder.opened_at))
    return minutes, list(rows)


MAX_MINUTES = 7 * 24 * 60


def set_minutes(store_id: int, raw: str) -> int:
    try:
        minutes = int(str(raw).strip())
    except ValueError:
        minutes = 0
    if not 1 <= minutes <= MAX_MINUTES:
        raise DomainError("bad_minutes", f"Give the age in whole minutes, 1 to {MAX_MINUTES}.", "minutes")
    connection = db.session.scalar(select(CloverConnection).where(CloverConnection.store_id == store_id))
    if connection is None:
        raise DomainError("not_connected", "Connect this store to Clover first.", status=409)
    connection.open_order_minutes = minutes
    db.session.commit()
    return minutes
