from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow


class Transfer(db.Model):
    """Who moved what where; the stock itself moves through a transfer_out/transfer_in pair."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_location_id <> to_location_id", name="locations_differ"),
        # The item must be the store's. No key onto the store row or the locations, which every
        # transfer would lock: the locations are checked by the level rows of its two ledger
        # legs (see StockEvent), written with it.
        ForeignKeyConstraint(["item_id", "store_id"], ["items.id", "items.store_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(index=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    item_id: Mapped[int] = mapped_column()
    from_location_id: Mapped[int] = mapped_column()
    to_location_id: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    moved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("Item")
    from_location = relationship("Location", primaryjoin="Transfer.from_location_id == Location.id",
                                 foreign_keys=[from_location_id], viewonly=True)
    to_location = relationship("Location", primaryjoin="Transfer.to_location_id == Location.id",
                               foreign_keys=[to_location_id], viewonly=True)
