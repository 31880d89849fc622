"""Count sessions, the scans counters make in them, and the per-item lines a submit produces.

Nothing here changes a stock level: a count reaches the ledger only when its line is
approved (``webapp.approvals``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

SESSION_STATUSES = ("open", "submitted", "cancelled")
LINE_STATUSES = ("pending", "approved", "rejected", "recount", "not_counted")


class CountSession(db.Model):
    __tablename__ = "count_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'submitted', 'cancelled')", name="status_known"),
        Index("ix_count_sessions_store_status", "store_id", "status"),
    )

    # A UUID, so a phone can open a session offline and scan into it before it syncs.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    category: Mapped[str | None] = mapped_column(String(80))  # None: the whole location
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))  # a recount of one item
    blind: Mapped[bool] = mapped_column(default=True)
    # A full session covers every item expected in its scope and lists those nobody scanned.
    full: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The count line a manager sent back (no foreign key: lines and sessions refer to each other).
    recount_of_id: Mapped[int | None] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    location = relationship("Location", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    lines: Mapped[list[CountLine]] = relationship(
        back_populates="session", order_by="CountLine.id", foreign_keys="CountLine.session_id")

    @property
    def scope(self) -> str:
        where = self.location.name if self.location else f"location {self.location_id}"
        return f"{where} / {self.category}" if self.category else where


class CountScan(db.Model):
    """One observation: ``add`` scans add up; ``set`` (a fix) replaces the total the counter
    made on the same device (``device_id``; None for the keyboard pages), never another's."""

    __tablename__ = "count_scans"
    __table_args__ = (
        CheckConstraint("mode IN ('add', 'set')", name="mode_known"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        Index("ix_count_scans_session_item", "session_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("count_sessions.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(8), default="add")
    quantity: Mapped[int] = mapped_column()  # base units
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CountLine(db.Model):
    """The result of a submitted session for one item, and the manager's verdict on it."""

    __tablename__ = "count_lines"
    __table_args__ = (
        UniqueConstraint("session_id", "item_id"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'recount', 'not_counted')", name="status_known"),
        Index("ix_count_lines_store_status", "store_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("count_sessions.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    counted: Mapped[int | None] = mapped_column()  # None: "not counted"
    # The count's instant: the item's last scan, or the submit for a confirmed zero.
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # As computed at submit, then again at the decision (late events may have moved it).
    expected: Mapped[int] = mapped_column(default=0)
    variance: Mapped[int] = mapped_column(default=0)
    value_cents: Mapped[int] = mapped_column(default=0)
    scanned: Mapped[bool] = mapped_column(default=True)
    flags: Mapped[str] = mapped_column(String(200), default="")
    counters: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    ledger_key: Mapped[str | None] = mapped_column(String(120))

    session: Mapped[CountSession] = relationship(back_populates="lines", foreign_keys=[session_id])
    item = relationship("Item", lazy="joined")
    location = relationship("Location", lazy="joined")

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]


DEFAULT_JUMP_PERCENT = 50


class CountCheck(db.Model):
    """How far from the previous count of its place a count may land and still be approved
    without a manager (``counting.jumps``), per store; a store without a row uses
    ``DEFAULT_JUMP_PERCENT``. 0: no such check."""

    __tablename__ = "count_checks"
    __table_args__ = (CheckConstraint("jump_percent >= 0", name="jump_not_negative"),)

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    jump_percent: Mapped[int] = mapped_column()
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
