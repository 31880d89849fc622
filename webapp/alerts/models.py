"""Reorder policies, the low-stock state of each item, the alerts raised, and Web Push subscribers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow


class ReorderPolicy(db.Model):
    """How an item's suggested reorder point is made, where it differs from the store defaults.

    The manual point itself is ``Item.reorder_point``: a number a manager typed always wins.
    """

    __tablename__ = "reorder_policies"
    __table_args__ = (
        CheckConstraint("lead_time_days IS NULL OR lead_time_days >= 0", name="lead_time_not_negative"),
        CheckConstraint("safety_stock IS NULL OR safety_stock >= 0", name="safety_not_negative"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    lead_time_days: Mapped[int | None] = mapped_column()
    safety_stock: Mapped[int | None] = mapped_column()  # base units
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AlertState(db.Model):
    """Where an item's store level last stood against its reorder point: ``ok`` or ``low``.

    Kept per item so that "raise once, not again until it recovers" survives restarts and
    holds across app servers; the row is locked while a transaction evaluates it.
    """

    __tablename__ = "alert_states"
    __table_args__ = (CheckConstraint("state IN ('ok', 'low')", name="state_known"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    state: Mapped[str] = mapped_column(String(8), default="ok")
    level: Mapped[int] = mapped_column(default=0)
    reorder_point: Mapped[int | None] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockAlert(db.Model):
    """One low-stock alert: raised when the level crossed the point, closed when it recovered."""

    __tablename__ = "stock_alerts"
    __table_args__ = (Index("ix_stock_alerts_store_open", "store_id", "recovered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column()
    reorder_point: Mapped[int] = mapped_column()
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Delivery happens after the commit that raised the alert; a sweep retries what is unsent.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_attempts: Mapped[int] = mapped_column(default=0)
    delivery_note: Mapped[str] = mapped_column(String(500), default="")

    item = relationship("Item", lazy="joined")


class PushSubscription(db.Model):
    """A browser's Web Push endpoint for one user (one per device the user allowed)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


from webapp.alerts import hooks  # noqa: E402,F401  (the session events live with the models they write)
