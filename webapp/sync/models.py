"""Receipts of device events: the sync layer's idempotency, whatever the event's type; and what
each device last said of its outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow


class SyncReceipt(db.Model):
    """One accepted device event. Its id is the client's UUID; a second arrival is a duplicate.

    Written in the same savepoint as the event's effects, so a rejected event leaves no
    receipt and may be sent again once fixed.
    """

    __tablename__ = "sync_receipts"
    # The user must be the store's; no key onto the store row, which every receipt would lock.
    __table_args__ = (ForeignKeyConstraint(["user_id", "store_id"], ["users.id", "users.store_id"]),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    store_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column()
    device_id: Mapped[str] = mapped_column(String(64))
    # The event's time as the device stamped it, and corrected onto the server's clock.
    device_occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The device's clock when it sent the batch, and the server's when it received it.
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeviceSync(db.Model):
    """What a device said about its outbox at its last sync: the events it still held besides
    the batch it sent (dashboard: devices with events pending for more than an hour)."""

    __tablename__ = "device_syncs"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    last_sync_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: the device did not report (an older app); else how many events it still held.
    backlog: Mapped[int | None] = mapped_column()
    # The oldest of those, on the server's clock.
    backlog_oldest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
