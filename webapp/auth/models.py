from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

# Ordered from least to most trusted: a role may do everything the roles before it may.
ROLES: tuple[str, ...] = ("staff", "receiver", "manager", "admin")


def role_rank(role: str) -> int:
    return ROLES.index(role)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("id", "store_id"),)  # the key sync receipts name their user by

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    store = relationship("Store", lazy="joined")

    # The login session this object was loaded for (UserSession.id), set at login and by the
    # user loader; not a column. Flask-Login keeps get_id() in the session cookie and in the
    # remember cookie, so both name the server-side row and die with it.
    login_session_id = None  # str when set

    def get_id(self) -> str:
        if self.login_session_id:
            return f"{self.id}:{self.login_session_id}"
        return str(self.id)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login and on each request
        return self.active

    def has_role(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)

    @property
    def name(self) -> str:
        return self.display_name or self.username


class UserSession(db.Model):
    """One logged-in device. A cookie is only honoured while its row exists and has not expired:
    logging out deletes the row, a new password or deactivation deletes all of a user's rows."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_agent: Mapped[str | None] = mapped_column(String(200))
