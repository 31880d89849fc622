from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow


class Photo(db.Model):
    """One re-encoded photo. The bytes live in storage under ``key``, never in the database."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    # Random, so a storage listing or a guessed URL reveals nothing about order or volume.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    size_bytes: Mapped[int] = mapped_column()
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
