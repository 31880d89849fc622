"""Tables and an index the reports need (the ledger's own table belongs to webapp.inventory).

Every report and the dashboard read the ledger by kind over a time range (sales in the
velocity window, counts and their adjustments in a period, damage, resets before a date).
Without the index below each of those scans every event of the store, or worse, walks the
stream index with a table lookup per event.

A level snapshot is every item-location's level at one instant (the end of a store day),
so the valuation at a past date reads 40,000 rows instead of folding a million events. It
is built lazily by ``webapp.reports.snapshots`` and checked before each use; see there for
why a late event can never leave it wrong.
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.inventory.models import StockEvent
from webapp.types import UTCDateTime, utcnow

# Covering: item, location and quantity ride along, so sums by item read the index alone.
store_kind_occurred = Index("ix_stock_events_store_kind_occurred", StockEvent.store_id, StockEvent.kind,
                            StockEvent.occurred_at, StockEvent.item_id, StockEvent.location_id,
                            StockEvent.quantity)


class LevelSnapshot(db.Model):
    """The levels of one store's item-locations at instant ``at``, as the ledger said when built."""

    __tablename__ = "level_snapshots"
    __table_args__ = (UniqueConstraint("store_id", "at", name="uq_level_snapshots_store_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How many of the store's ledger events (every kind) had occurred_at <= at when it was
    # built. Events are never deleted, so while the count is the same no event was added
    # before ``at`` and the snapshot is exact; a larger count means a late event arrived.
    events: Mapped[int] = mapped_column(BigInteger)
    # The highest stock_events.id among those events: a late event has a higher id, so the
    # streams to mend are found by the primary key instead of a rebuild.
    max_event_id: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a valuation last took it as its base (or built it): ``snapshots.prune`` deletes
    # the ones nobody has used for a while, and a reader's touch is what keeps its base alive.
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class LevelSnapshotRow(db.Model):
    """One item-location's level in a snapshot; item-locations at zero have no row."""

    __tablename__ = "level_snapshot_rows"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("level_snapshots.id", ondelete="CASCADE"),
                                             primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
