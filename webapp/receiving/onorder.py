"""What is on order: units still due on sent POs, per item, with the soonest expected date.

A PO counts once it is sent (``open``) until it is received, closed or cancelled; a line's
due units are ordered less received less cancelled. Pages beside levels, the dashboard,
low-stock alerts and suggested orders all read this one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.receiving.models import POLine, PurchaseOrder
from webapp.types import utcnow

ON_ORDER_STATES = ("open", "partially_received")


@dataclass(frozen=True, slots=True)
class OnOrder:
    quantity: int  # base units
    due_on: date | None  # the soonest expected date of the POs it is on

    @property
    def due_text(self) -> str:
        """'due Thu' within the week, 'due Dec 21' later, 'was due Dec 1' when late; '' undated."""
        if self.due_on is None:
            return ""
        days = (self.due_on - utcnow().date()).days
        if days < 0:
            return f"was due {self.due_on:%b} {self.due_on.day}"
        return f"due {self.due_on:%a}" if days < 7 else f"due {self.due_on:%b} {self.due_on.day}"


def on_order(store_id: int, item_ids: Iterable[int] | None = None) -> dict[int, OnOrder]:
    """Items with units due, by item id; items with nothing due are absent."""
    due = POLine.ordered_qty - POLine.received_qty - POLine.cancelled_qty
    query = (select(POLine.item_id, func.sum(due), func.min(PurchaseOrder.expected_on))
             .join(PurchaseOrder, PurchaseOrder.id == POLine.po_id)
             .where(PurchaseOrder.store_id == store_id, PurchaseOrder.status.in_(ON_ORDER_STATES), due > 0)
             .group_by(POLine.item_id))
    if item_ids is not None:
        ids = sorted(set(item_ids))
        if not ids:
            return {}
        query = query.where(POLine.item_id.in_(ids))
    return {item_id: OnOrder(int(total), due_on) for item_id, total, due_on in db.session.execute(query)}


def describe(found: OnOrder | None, unit_text: str = "") -> str:
    """'12 on order, due Thu' (the weekday within a week, else the date); '' when nothing is due."""
    if found is None or found.quantity <= 0:
        return ""
    text = f"{unit_text or found.quantity} on order"
    return f"{text}, {found.due_text}" if found.due_text else text
