"""Audit rows and each store's chain head.

Rows are never updated or deleted by the application. ``AuditHead`` holds the last sequence
number and hash of each store's chain: it is the row locked while entries are appended, and
the anchor that shows rows removed from the end of a chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.types import UTCDateTime


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("store_id", "seq"),
        Index("ix_audit_entries_store_entity", "store_id", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys: an audit row must outlive anything it names, untouched.
    store_id: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()  # 1, 2, 3 ... per store, with no gaps
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column()  # a user's id; None for the system
    actor: Mapped[str] = mapped_column(String(120))  # username, "token:<name>", "cli:<command>"
    address: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(16))  # create | update | delete
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(200), default="")
    changes: Mapped[str] = mapped_column(Text, default="{}")  # JSON {field: [before, after]}
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    __tablename__ = "audit_heads"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default="")
