"""Sales channels (an online store), their API tokens and safety buffers, the level feed, and
the webhook deliveries of that feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

SCOPES = ("levels:read", "buffers:write")


class SalesChannel(db.Model):
    __tablename__ = "sales_channels"
    __table_args__ = (
        UniqueConstraint("store_id", "name"),
        CheckConstraint("default_buffer >= 0", name="buffer_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # Held back from what this channel may sell, per item, where no ChannelBuffer says otherwise.
    default_buffer: Mapped[int] = mapped_column(default=0)  # base units
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str] = mapped_column(String(64), default="")
    # The last feed sequence number queued for this channel's webhook.
    webhook_cursor: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelBuffer(db.Model):
    __tablename__ = "channel_buffers"
    __table_args__ = (CheckConstraint("buffer >= 0", name="buffer_not_negative"),)

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("sales_channels.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    buffer: Mapped[int] = mapped_column()  # base units


class ApiToken(db.Model):
    """A bearer token for one channel's integration; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channels.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists, to tell tokens apart
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, from SCOPES
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    channel: Mapped[SalesChannel] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class LevelChange(db.Model):
    """A store total that moved, numbered per store in commit order (``seq``): the feed's cursor."""

    __tablename__ = "level_changes"
    __table_args__ = (
        UniqueConstraint("store_id", "seq"),
        Index("ix_level_changes_store_item", "store_id", "item_id", "seq"),  # an item's last fed total
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    seq: Mapped[int] = mapped_column()
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column()  # the store's total, base units
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LevelFeedHead(db.Model):
    """Each store's last feed number; locked for the instant before a commit that adds changes."""

    __tablename__ = "level_feed_heads"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_known"),
        Index("ix_webhook_deliveries_channel_status", "channel_id", "status", "first_seq"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the idempotency id receivers see
    channel_id: Mapped[int] = mapped_column(ForeignKey("sales_channels.id", ondelete="CASCADE"))
    first_seq: Mapped[int] = mapped_column()
    last_seq: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
