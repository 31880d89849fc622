"""Scans of codes a phone did not know: kept until a manager links them to an item or dismisses them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

UNKNOWN_STATUSES = ("pending", "applied", "resolved", "too_late", "dismissed")


class UnknownScan(db.Model):
    """One ``unknown_barcode`` event.

    ``status``: pending (waiting for a manager), applied (became a count scan, see
    ``count_scan_id``), resolved (the code is an item's now; there was no open count to add
    it to), too_late (its session's counts were already decided), dismissed (not a product).
    """

    __tablename__ = "unknown_scans"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("status IN ('pending', 'applied', 'resolved', 'too_late', 'dismissed')",
                        name="status_known"),
        Index("ix_unknown_scans_store_status_code", "store_id", "status", "code"),
        Index("ix_unknown_scans_session", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(120), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(String(64))  # normalised: GTIN-14 when a GTIN
    raw_code: Mapped[str] = mapped_column(String(64))  # as scanned
    quantity: Mapped[int] = mapped_column(default=1)
    context: Mapped[str] = mapped_column(String(16), default="count")
    session_id: Mapped[str | None] = mapped_column(ForeignKey("count_sessions.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    count_scan_id: Mapped[int | None] = mapped_column(ForeignKey("count_scans.id"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    location = relationship("Location", lazy="joined")
    session = relationship("CountSession")
    item = relationship("Item")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
