"""A refunded line that did not go back to stock when it was refunded, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

# The store's rule for refunded lines: put them back at once, hold them for a manager's
# decision, or never put them back unless a manager does. Holding is the safe default: a
# damaged return never becomes phantom stock by itself.
RULES = ("restock", "hold", "never")
DEFAULT_RULE = "hold"
# held: waits in the manager's queue. kept_out: the store's rule is "never"; listed, a manager
# may still restock it. restocked: its refund event is in the ledger. damaged: written off
# (refund and damage events, net nothing). vendor_return: set aside for the vendor, not stock.
STATUSES = ("held", "kept_out", "restocked", "damaged", "vendor_return")


class RefundRule(db.Model):
    """A store's rule for refunded lines; a store without a row holds them (``DEFAULT_RULE``)."""

    __tablename__ = "refund_rules"
    __table_args__ = (CheckConstraint("rule IN ('restock', 'hold', 'never')", name="rule_known"),)

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(8))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeldRefund(db.Model):
    __tablename__ = "held_refunds"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("status IN ('held', 'kept_out', 'restocked', 'damaged', 'vendor_return')",
                        name="status_known"),
        Index("ix_held_refunds_store_status", "store_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    # The ledger key the refund gets if it goes back to stock (``clover:<order>:<line>:refund``):
    # one row per refunded line, however often the order is pulled again.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int] = mapped_column()  # base units
    refunded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(40), default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("Item", lazy="joined")
    location = relationship("Location", lazy="joined")
