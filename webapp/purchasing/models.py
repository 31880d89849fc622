"""Vendors, what each sells us (the vendor catalog), and the record of every PO sent.

A vendor belongs to one store. Case size is in the item's base units (units, or thousandths
for weighed items); case cost is cents for the whole case; the order minimum is cents.
A purchase order (``receiving.models.PurchaseOrder``) keeps the vendor's name as it was, so an
old PO reads the same after a rename; ``POVendor`` links it to the vendor record. The link
lives here, not on the PO, because receiving sits below purchasing and knows no vendors.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

DEFAULT_CURRENCY = "USD"


class Vendor(db.Model):
    __tablename__ = "vendors"
    __table_args__ = (
        UniqueConstraint("store_id", "name"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
        CheckConstraint("order_minimum_cents >= 0", name="minimum_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    lead_time_days: Mapped[int] = mapped_column(default=7)
    order_minimum_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default=DEFAULT_CURRENCY)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[VendorItem]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="VendorItem.id")


class VendorItem(db.Model):
    """One item as one vendor sells it. An item may have several; one of them is preferred."""

    __tablename__ = "vendor_items"
    __table_args__ = (
        UniqueConstraint("vendor_id", "item_id"),
        CheckConstraint("case_size > 0", name="case_size_positive"),
        CheckConstraint("case_cost_cents >= 0", name="case_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    vendor_sku: Mapped[str] = mapped_column(String(60), default="")
    case_size: Mapped[int] = mapped_column(default=1)
    case_cost_cents: Mapped[int] = mapped_column(default=0)
    preferred: Mapped[bool] = mapped_column(default=False)

    vendor: Mapped[Vendor] = relationship(back_populates="items")
    item = relationship("Item")


class POVendor(db.Model):
    """The vendor record of a purchase order (at most one)."""

    __tablename__ = "po_vendors"

    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)


class POSending(db.Model):
    """One attempt to send a PO to its vendor: when, by whom, to whom, and what happened."""

    __tablename__ = "po_sendings"
    __table_args__ = (CheckConstraint("status IN ('sent', 'failed', 'no_email')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recipients: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(500), default="")
