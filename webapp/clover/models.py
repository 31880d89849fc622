"""What the server remembers about its Clover connection: tokens, watermarks, pushes, webhook hints.

Stock itself is never stored here: sales and refunds go into the ledger (webapp.inventory) as
events keyed ``clover:<order>:<line item>...``, so replays and overlaps cannot count twice.
Tokens are secrets: every ``__repr__`` here leaves them out, so they never reach a log line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow


class CloverConnection(db.Model):
    """One store's link to one Clover merchant, and how far each pull has got."""

    __tablename__ = "clover_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), unique=True)
    merchant_id: Mapped[str] = mapped_column(String(13), unique=True)
    # "token": a static merchant API token (CLOVER_API_TOKEN, or pasted); "oauth": expiring v2 pair.
    auth_mode: Mapped[str] = mapped_column(String(8), default="token")
    access_token: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Clover's own clock (ms) of the newest item and order we have fully processed.
    items_watermark_ms: Mapped[int | None] = mapped_column(BigInteger)
    orders_watermark_ms: Mapped[int | None] = mapped_column(BigInteger)
    voids_watermark_ms: Mapped[int | None] = mapped_column(BigInteger)
    # When the first catalog import took Clover's quantities as opening balances.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_pull_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The X-Clover-Auth code an admin pasted (CLOVER_WEBHOOK_AUTH_CODE wins when set), sealed like the
    # tokens (token_crypto.py); a value from before that is plaintext until the next sync seals it.
    webhook_auth_code: Mapped[str | None] = mapped_column(Text)
    # A store setting: open orders older than this are listed for a manager (open_orders.py).
    open_order_minutes: Mapped[int] = mapped_column(default=60, server_default="60")
    # The sync lease: one `flask clover sync` per merchant at a time, across servers.
    sync_owner: Mapped[str | None] = mapped_column(String(64))
    sync_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    store = relationship("Store")

    def __repr__(self) -> str:
        return f"<CloverConnection store={self.store_id} merchant={self.merchant_id} mode={self.auth_mode}>"


class CloverPush(db.Model):
    """One write of an absolute quantity to Clover's item_stocks, with what Clover held before."""

    __tablename__ = "clover_pushes"
    __table_args__ = (Index("ix_clover_pushes_store_pushed", "store_id", "pushed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    clover_item_id: Mapped[str] = mapped_column(String(13))
    # Clover's units (weighed items in their unit, e.g. 2.5 lb), as sent and as found.
    quantity: Mapped[float] = mapped_column(Float)
    clover_before: Mapped[float | None] = mapped_column(Float)
    pushed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CloverWebhookHint(db.Model):
    """One "go and look at X" from a webhook, kept until a sync has fetched X.

    Clover sends no event id; ``objectId`` + ``type`` + ``ts`` is the dedupe key its docs suggest.
    """

    __tablename__ = "clover_webhook_hints"
    __table_args__ = (
        UniqueConstraint("merchant_id", "object_id", "event_type", "ts"),
        Index("ix_clover_webhook_hints_pending", "merchant_id", "processed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(13))
    object_id: Mapped[str] = mapped_column(String(40))  # "O:GHIVJT2ABCRSC"
    event_type: Mapped[str] = mapped_column(String(8))  # CREATE | UPDATE | DELETE
    ts: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CloverWebhookVerification(db.Model):
    """A verification code Clover POSTed to a store's webhook URL; that store's admin copies the
    latest into Clover's dashboard. Only the newest few per store are kept (webhooks.py)."""

    __tablename__ = "clover_webhook_verifications"
    __table_args__ = (Index("ix_clover_webhook_verifications_store_id", "store_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CloverStockMark(db.Model):
    """The last quantity we know Clover held for an item, and when: what we wrote, or read and
    could explain. A later read is judged against it (drift.py)."""

    __tablename__ = "clover_stock_marks"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    quantity: Mapped[float] = mapped_column(Float)  # Clover's units
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CloverStockChange(db.Model):
    """Clover's number for an item moved by something other than the sales we pulled.

    ``suspect`` when first seen (a sale not pulled yet may explain it), ``pending`` once a full
    pull still cannot explain it: shown to a manager as "changed in Clover". The item is not
    pushed while a change is open; the manager ``accepted`` it as a count or ``overwrote`` it.
    """

    __tablename__ = "clover_stock_changes"
    __table_args__ = (Index("ix_clover_stock_changes_open", "store_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="suspect")
    source: Mapped[str] = mapped_column(String(8))  # "push" or "webhook": who noticed it
    clover_quantity: Mapped[float] = mapped_column(Float)  # what Clover held, its units
    expected: Mapped[float | None] = mapped_column(Float)  # what our pulled sales explain
    ours: Mapped[int] = mapped_column()  # our store total then, base units
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CloverOpenOrder(db.Model):
    """An order seen open and unpaid (or hidden): none of its lines is a sale yet (open_orders.py)."""

    __tablename__ = "clover_open_orders"
    __table_args__ = (UniqueConstraint("store_id", "order_id"),
                      Index("ix_clover_open_orders_opened", "store_id", "opened_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    order_id: Mapped[str] = mapped_column(String(13))
    state: Mapped[str] = mapped_column(String(12))  # "open", or "hidden" for a null state
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lines: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int | None] = mapped_column()
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CloverPendingInstall(db.Model):
    """An App Market launch whose code was exchanged and whose merchant was verified, waiting for
    an admin of this Shelfcount to confirm which store it joins (install.py). Tokens are sealed."""

    __tablename__ = "clover_pending_installs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random; kept in the browser's session
    merchant_id: Mapped[str] = mapped_column(String(13))
    merchant_name: Mapped[str] = mapped_column(String(200), default="")
    access_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<CloverPendingInstall merchant={self.merchant_id}>"
