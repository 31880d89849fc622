"""Damage records: one flag of a quantity of an item, with a reason, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

# applied: the damage event is in the ledger. pending: above the store's threshold, waiting
# for a manager. rejected: a manager said no; nothing was written. on_arrival: marked while
# receiving, so the goods never entered stock and no ledger event exists (vendor claim).
STATUSES = ("applied", "pending", "rejected", "on_arrival")

damage_photos = Table(
    "damage_photos",
    db.metadata,
    Column("damage_id", ForeignKey("damage_records.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("photos.id"), primary_key=True),
)


class DamageRecord(db.Model):
    __tablename__ = "damage_records"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "status IN ('applied', 'pending', 'rejected', 'on_arrival')", name="status_known"
        ),
        Index("ix_damage_records_store_status", "store_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    # The device's UUID for the flag: a second sync of the same flag is a duplicate.
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int] = mapped_column()  # base units, positive
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(500), default="")
    # Cost value when flagged: what the threshold was judged on, and what the report shows.
    value_cents: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flagged_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("Item")
    location = relationship("Location")
    flagger = relationship("User", foreign_keys=[flagged_by])
    photos = relationship("Photo", secondary=damage_photos, order_by="Photo.id")

    @property
    def ledger_key(self) -> str:
        return f"damage:{self.event_id}"
