from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow


class LabelJob(db.Model):
    """An item whose shelf label should be printed; one waiting row per item at most."""

    __tablename__ = "label_jobs"
    __table_args__ = (
        CheckConstraint("reason IN ('price', 'received', 'manual')", name="reason_known"),
        Index("ix_label_jobs_store_printed", "store_id", "printed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(12))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item = relationship("Item", lazy="joined")
