"""Channels, their buffers, and reading the feed: level, buffer and available to sell.

Available to sell = max(0, store level - the channel's buffer for the item), where the
buffer is the item's own for that channel, else the channel's default.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from webapp.catalog.models import Item
from webapp.channels import feed
from webapp.channels.models import ChannelBuffer, LevelChange, LevelFeedHead, SalesChannel
from webapp.errors import DomainError, NotFound
from webapp.extensions import db

PAGE = 500


@dataclass(frozen=True)
class ChannelForm:
    name: str
    default_buffer: int = 0
    webhook_url: str | None = None


def _check(form: ChannelForm) -> ChannelForm:
    name = form.name.strip()
    if not 0 < len(name) <= 80:
        raise DomainError("bad_name", "Name the channel (1 to 80 characters), e.g. Shopify.", "name")
    if form.default_buffer < 0:
        raise DomainError("negative", "A buffer cannot be negative.", "default_buffer")
    url = (form.webhook_url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
            raise DomainError("bad_url", "The webhook address must be a full http(s):// URL.", "webhook_url")
    return ChannelForm(name, form.default_buffer, url)


def create_channel(store_id: int, form: ChannelForm) -> SalesChannel:
    form = _check(form)
    if db.session.scalars(
        select(SalesChannel).where(SalesChannel.store_id == store_id, SalesChannel.name == form.name)
    ).first():
        raise DomainError("duplicate", f"There is already a channel named {form.name}.", "name", status=409)
    channel = SalesChannel(
        store_id=store_id,
        name=form.name,
        default_buffer=form.default_buffer,
        webhook_url=form.webhook_url,
        webhook_secret=secrets.token_hex(32),
        webhook_cursor=_head(store_id),
    )
    db.session.add(channel)
    db.session.flush()
    return channel


def update_channel(store_id: int, channel_id: int, form: ChannelForm) -> SalesChannel:
    channel = get_channel(store_id, channel_id)
    form = _check(form)
    if form.default_buffer != channel.default_buffer:
        feed.touch(db.session, store_id, _item_ids(store_id), force=True)
    channel.name, channel.default_buffer, channel.webhook_url = (
        form.name,
        form.default_buffer,
        form.webhook_url,
    )
    return channel


def get_channel(store_id: int, channel_id: int) -> SalesChannel:
    channel = db.session.get(SalesChannel, channel_id)
    if channel is None or channel.store_id != store_id:
        raise NotFound("not_found", f"No channel {channel_id} in your store.")
    return channel


def channels(store_id: int) -> list[SalesChannel]:
    return list(
        db.session.scalars(
            select(SalesChannel).where(SalesChannel.store_id == store_id).order_by(SalesChannel.name)
        )
    )


def _item_ids(store_id: int) -> list[int]:
    return list(db.session.scalars(select(Item.id).where(Item.store_id == store_id)))


def set_buffer(channel: SalesChannel, item_id: int, buffer: int | None) -> int:
    """The item's own buffer for the channel (None: back to the channel's default)."""
    item = db.session.get(Item, item_id)
    if item is None or item.store_id != channel.store_id:
        raise NotFound("not_found", f"No item {item_id} in this store.")
    if buffer is not None and (isinstance(buffer, bool) or not isinstance(buffer, int) or buffer < 0):
        raise DomainError(
            "bad_buffer", "buffer must be a whole number of base units, 0 or more, or null.", "buffer"
        )
    row = db.session.get(ChannelBuffer, (channel.id, item_id))
    if buffer is None and row is not None:
        db.session.delete(row)
    elif buffer is not None and row is None:
        db.session.add(
            ChannelBuffer(channel_id=channel.id, item_id=item_id, store_id=channel.store_id, buffer=buffer)
        )
    elif buffer is not None:
        row.buffer = buffer
    feed.touch(db.session, channel.store_id, (item_id,), force=True)
    return channel.default_buffer if buffer is None else buffer


def buffers(channel: SalesChannel, item_ids) -> dict[int, int]:
    own = dict(
        db.session.execute(
            select(ChannelBuffer.item_id, ChannelBuffer.buffer).where(
                ChannelBuffer.channel_id == channel.id, ChannelBuffer.item_id.in_(sorted(item_ids))
            )
        ).tuples().all()
    )
    return {i: own.get(i, channel.default_buffer) for i in item_ids}


def available(level: int, buffer: int) -> int:
    return max(0, level - buffer)


def _head(store_id: int) -> int:
    return db.session.scalar(select(LevelFeedHead.seq).where(LevelFeedHead.store_id == store_id)) or 0


def _describe(channel: SalesChannel, rows: list[tuple[int, int, dict]]) -> list[dict]:
    """(item id, level, extra fields) -> the feed's entries, with buffer and available."""
    ids = {item_id for item_id, _, _ in rows}
    items = {i.id: i for i in db.session.scalars(select(Item).where(Item.id.in_(sorted(ids))))}
    held = buffers(channel, ids)
    out = []
    for item_id, level, extra in rows:
        item = items.get(item_id)
        out.append(
            {
                **extra,
                "item_id": item_id,
                "sku": item.sku if item else None,
                "clover_id": item.clover_id if item else None,
                "level": level,
                "buffer": held[item_id],
                "available": available(level, held[item_id]),
            }
        )
    return out


def snapshot(channel: SalesChannel) -> dict:
    """Every active item now, and the cursor to follow changes from."""
    cursor = _head(channel.store_id)  # read first: a change after it is fed again, never lost
    ids = list(
        db.session.scalars(
            select(Item.id).where(Item.store_id == channel.store_id, Item.active.is_(True)).order_by(Item.id)
        )
    )
    totals = feed.store_totals(channel.store_id, ids)
    return {
        "cursor": cursor,
        "levels": _describe(channel, [(i, q, {}) for i, q in totals.items()]),
        "more": False,
    }


def changes_since(channel: SalesChannel, since: int, limit: int = PAGE) -> dict:
    rows = db.session.scalars(
        select(LevelChange)
        .where(LevelChange.store_id == channel.store_id, LevelChange.seq > since)
        .order_by(LevelChange.seq)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    described = _describe(
        channel,
        [(r.item_id, r.level, {"seq": r.seq, "at": r.at.isoformat().replace("+00:00", "Z")}) for r in rows],
    )
    return {"cursor": rows[-1].seq if rows else since, "levels": described, "more": more}


def parse_since(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise DomainError(
            "bad_cursor", "since must be a cursor this feed gave you (a whole number).", "since"
        )
    return int(raw)
