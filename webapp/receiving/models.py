"""Purchase orders and receipts (one delivery scanned at the dock).

Quantities are base units (units, or thousandths for weighed items); costs are cents per
unit (per kg or lb for weighed items), as on the item.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

# "open" is a PO sent to its vendor (shown as "sent"); "cancelled" was never delivered.
PO_STATES = ("draft", "open", "partially_received", "received", "closed", "cancelled")


class PurchaseOrder(db.Model):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'open', 'partially_received', 'received', 'closed', 'cancelled')",
            name="status_known"
        ),
        UniqueConstraint("store_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))  # the PO number the vendor quotes back
    vendor: Mapped[str] = mapped_column(String(120))  # the vendor's name (purchasing links its record)
    expected_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24), default="draft")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[POLine]] = relationship(
        back_populates="po", cascade="all, delete-orphan", order_by="POLine.id"
    )

    @property
    def receivable(self) -> bool:
        return self.status in ("open", "partially_received")


class POLine(db.Model):
    __tablename__ = "po_lines"
    __table_args__ = (
        UniqueConstraint("po_id", "item_id"),
        CheckConstraint("ordered_qty > 0", name="ordered_positive"),
        CheckConstraint("unit_cost_cents >= 0", name="cost_not_negative"),
        CheckConstraint("received_qty >= 0 AND cancelled_qty >= 0", name="progress_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    ordered_qty: Mapped[int] = mapped_column()
    unit_cost_cents: Mapped[int] = mapped_column(default=0)
    # Good units accepted into stock by closed receipts (damaged on arrival excluded).
    received_qty: Mapped[int] = mapped_column(default=0)
    # A short remainder a manager decided not to wait for.
    cancelled_qty: Mapped[int] = mapped_column(default=0)

    po: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    item = relationship("Item")

    @property
    def remaining(self) -> int:
        return max(0, self.ordered_qty - self.received_qty - self.cancelled_qty)


class Receipt(db.Model):
    """One delivery: a receiving session, against a PO or blind (``po_id`` is None)."""

    __tablename__ = "receipts"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    # The device's session UUID: a receipt may be started offline and reach us in a sync.
    session_key: Mapped[str] = mapped_column(String(64), unique=True)
    po_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    po = relationship("PurchaseOrder")
    location = relationship("Location")
    scans: Mapped[list[ReceiptScan]] = relationship(
        back_populates="receipt", order_by="[ReceiptScan.occurred_at, ReceiptScan.id]"
    )
    lines: Mapped[list[ReceiptLine]] = relationship(order_by="ReceiptLine.id")


class ReceiptScan(db.Model):
    """One scan or keyed quantity; a negative quantity corrects earlier scans of the item."""

    __tablename__ = "receipt_scans"
    __table_args__ = (CheckConstraint("quantity <> 0", name="quantity_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    code: Mapped[str] = mapped_column(String(120), default="")
    quantity: Mapped[int] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lot: Mapped[str | None] = mapped_column(String(40))
    expiry: Mapped[date | None] = mapped_column(Date)
    scanned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    receipt: Mapped[Receipt] = relationship(back_populates="scans")


class ReceiptLine(db.Model):
    """Per item of a receipt: the invoice cost a manager typed, then what closing decided.

    The close-time columns are a snapshot, so the discrepancy report of an old receipt
    still shows what was ordered, accepted and paid then, whatever happened since.
    """

    __tablename__ = "receipt_lines"
    __table_args__ = (UniqueConstraint("receipt_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    invoice_cost_cents: Mapped[int | None] = mapped_column()
    on_po: Mapped[bool] = mapped_column(default=False)
    ordered_qty: Mapped[int] = mapped_column(default=0)
    due_qty: Mapped[int] = mapped_column(default=0)  # still to come before this delivery
    delivered_qty: Mapped[int] = mapped_column(default=0)
    damaged_qty: Mapped[int] = mapped_column(default=0)
    accepted_qty: Mapped[int] = mapped_column(default=0)
    po_cost_cents: Mapped[int | None] = mapped_column()
    cost_before_cents: Mapped[int | None] = mapped_column()
    cost_after_cents: Mapped[int | None] = mapped_column()

    item = relationship("Item")
