"""The stock ledger (append-only) and the materialised levels it implies.

The rule that turns one into the other is in ``merge.py``; ``ledger.py`` keeps them in step.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

KINDS = ("sale", "refund", "receive", "damage", "transfer_out", "transfer_in", "count", "opening",
         "adjustment")
SOURCES = ("device", "clover", "web", "import", "system")

_SIGN_RULE = (
    "(kind IN ('sale', 'damage', 'transfer_out') AND quantity < 0)"
    " OR (kind IN ('refund', 'receive', 'transfer_in') AND quantity > 0)"
    " OR (kind IN ('count', 'opening') AND quantity >= 0)"
    " OR (kind = 'adjustment' AND count_key IS NOT NULL)"
)


class StockEvent(db.Model):
    """One immutable stock fact. Nothing updates or deletes a row; a correction is a new row."""

    __tablename__ = "stock_events"
    __table_args__ = (
        CheckConstraint(_SIGN_RULE, name="quantity_sign"),
        CheckConstraint("kind IN ({})".format(", ".join(f"'{k}'" for k in KINDS)), name="kind_known"),
        Index("ix_stock_events_stream", "item_id", "location_id", "occurred_at"),
        Index("ix_stock_events_store_occurred", "store_id", "occurred_at"),
        # The item must be the event's store's. No key onto the store row, which every insert
        # of every batch would lock (FOR KEY SHARE), making it the busiest row in the
        # database; nor onto the location, a handful of rows every insert would lock just as
        # hard: the location is checked once per stream instead, by the key of the stream's
        # level row (StockLevel), which the ledger creates in the transaction that appends
        # the stream's first event. Both keys name the same item with their own store, so
        # the event, its level row and its location all belong to one store.
        ForeignKeyConstraint(["item_id", "store_id"], ["items.id", "items.store_id"]),
        # Only adjustments carry a count key: the rest of the ledger stays out of this index.
        Index("ix_stock_events_count_key", "count_key", postgresql_where=text("count_key IS NOT NULL"),
              sqlite_where=text("count_key IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Globally unique: a device event's UUID, `clover:<order>:<line item>`, `count:<line>`, ...
    key: Mapped[str] = mapped_column(String(120), unique=True)
    store_id: Mapped[int] = mapped_column()
    item_id: Mapped[int] = mapped_column()
    location_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    # Signed base units for deltas, absolute for count/opening, the variance for adjustments.
    quantity: Mapped[int] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the device's own clock said, before the sync-time offset was applied.
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16), default="device")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    # For an adjustment: the key of the count it explains.
    count_key: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(500))


@event.listens_for(StockEvent, "before_update")
@event.listens_for(StockEvent, "before_delete")
def _append_only(mapper, connection, target) -> None:  # noqa: ARG001
    raise RuntimeError("stock events are append-only: record a correcting event instead")


class StockLevel(db.Model):
    """The authoritative level of one item at one location, and the reset it counts from."""

    __tablename__ = "stock_levels"
    # Checked when a stream's row is created (once per item and location), not on its updates:
    # the location check of every ledger event (see StockEvent).
    __table_args__ = (
        ForeignKeyConstraint(["item_id", "store_id"], ["items.id", "items.store_id"]),
        ForeignKeyConstraint(["location_id", "store_id"], ["locations.id", "locations.store_id"]),
    )

    item_id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    base_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    base_key: Mapped[str | None] = mapped_column(String(120))
    base_quantity: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
