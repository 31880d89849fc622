"""Count plans (what to count, how often, by whom), the tasks they make, and each store's
default intervals per ABC class."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

KINDS = ("zone", "category", "abc")
DEFAULT_DAYS = {"A": 30, "B": 91, "C": 365}  # monthly, quarterly, yearly


class ScheduleSettings(db.Model):
    __tablename__ = "schedule_settings"
    __table_args__ = (CheckConstraint("a_days > 0 AND b_days > 0 AND c_days > 0", name="days_positive"),)

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    a_days: Mapped[int] = mapped_column(default=DEFAULT_DAYS["A"])
    b_days: Mapped[int] = mapped_column(default=DEFAULT_DAYS["B"])
    c_days: Mapped[int] = mapped_column(default=DEFAULT_DAYS["C"])


class CountPlan(db.Model):
    __tablename__ = "count_plans"
    __table_args__ = (
        CheckConstraint("kind IN ('zone', 'category', 'abc')", name="kind_known"),
        CheckConstraint("abc_class IS NULL OR abc_class IN ('A', 'B', 'C')", name="class_known"),
        CheckConstraint("interval_days IS NULL OR interval_days > 0", name="interval_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))  # where the count happens
    category: Mapped[str | None] = mapped_column(String(80))  # kind "category"
    abc_class: Mapped[str | None] = mapped_column(String(1))  # kind "abc"
    # None: the store's interval for the plan's ABC class (zone and category plans name their own).
    interval_days: Mapped[int | None] = mapped_column()
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location = relationship("Location", lazy="joined")
    assignee = relationship("User", lazy="joined")

    @property
    def scope(self) -> str:
        where = self.location.name if self.location else f"location {self.location_id}"
        if self.kind == "category":
            return f"{where} / {self.category}"
        if self.kind == "abc":
            return f"class {self.abc_class} items at {where}"
        return where


class CountTask(db.Model):
    """One due count of a plan. Done when the count session started from it is submitted."""

    __tablename__ = "count_tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status_known"),
        Index("ix_count_tasks_store_status_due", "store_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("count_plans.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="open")
    session_id: Mapped[str | None] = mapped_column(ForeignKey("count_sessions.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[CountPlan] = relationship(lazy="joined")
    assignee = relationship("User", lazy="joined")
    session = relationship("CountSession")
