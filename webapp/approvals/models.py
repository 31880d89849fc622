"""Every decision on a count line: who, when, what, and an optional note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

ACTIONS = ("approve", "auto_approve", "reject", "recount")


class Decision(db.Model):
    __tablename__ = "approval_decisions"
    __table_args__ = (
        CheckConstraint("action IN ('approve', 'auto_approve', 'reject', 'recount')", name="action_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("count_lines.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: within tolerance
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The numbers the decision was taken on.
    expected: Mapped[int] = mapped_column()
    variance: Mapped[int] = mapped_column()
    value_cents: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(String(500), default="")

    user = relationship("User")
