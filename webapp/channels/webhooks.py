"""The outbound webhook: the feed's changes POSTed to a channel's address, signed, in order.

Each delivery carries up to ``BATCH`` changes and an id (``X-Shelfcount-Delivery``) that stays
the same on every retry, so a receiver can ignore one it has already applied. The body is
signed with the channel's secret: ``X-Shelfcount-Signature: t=<unix time>,v1=<hex HMAC-SHA256
of "<t>.<body>">``. A delivery that fails waits ``BACKOFF`` doubled per attempt (capped), and
the channel's later deliveries wait behind it, so a receiver never sees an older level after a
newer one; after ``MAX_ATTEMPTS`` it is marked failed and the next one goes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import select, update

from webapp.channels import service
from webapp.channels.models import SalesChannel, WebhookDelivery
from webapp.extensions import db
from webapp.types import utcnow

log = logging.getLogger(__name__)

BATCH = 200
BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=2)  # a claimed delivery is not sent by another worker meanwhile
TIMEOUT = 10


def sign(secret: str, body: bytes, at: int) -> str:
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF * (2 ** max(0, attempts - 1)), MAX_BACKOFF)


def enqueue(channel: SalesChannel, now: datetime) -> int:
    """Queue the feed's changes after the channel's cursor as deliveries; returns how many."""
    made = 0
    while True:
        page = service.changes_since(channel, channel.webhook_cursor, BATCH)
        if not page["levels"]:
            return made
        delivery_id = str(uuid.uuid4())
        body = {
            "id": delivery_id,
            "channel": channel.name,
            "store_id": channel.store_id,
            "cursor": page["cursor"],
            "levels": page["levels"],
        }
        db.session.add(
            WebhookDelivery(
                id=delivery_id,
                channel_id=channel.id,
                first_seq=page["levels"][0]["seq"],
                last_seq=page["cursor"],
                body=json.dumps(body, separators=(",", ":")),
                next_attempt_at=now,
                created_at=now,
            )
        )
        channel.webhook_cursor = page["cursor"]
        made += 1
        if not page["more"]:
            return made


@dataclass
class Outcome:
    queued: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _claim(channel_id: int, now: datetime) -> WebhookDelivery | None:
    """The channel's oldest pending delivery, if due, leased to this worker."""
    head = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.channel_id == channel_id, WebhookDelivery.status == "pending")
        .order_by(WebhookDelivery.first_seq)
        .limit(1)
    ).first()
    if head is None or head.next_attempt_at > now:
        return None
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == head.id, WebhookDelivery.next_attempt_at == head.next_attempt_at)
        .values(next_attempt_at=now + LEASE)
    ).rowcount
    db.session.commit()
    return db.session.get(WebhookDelivery, head.id) if claimed else None


def _post(channel: SalesChannel, delivery: WebhookDelivery, now: datetime) -> str | None:
    """Send once; None when the receiver took it (2xx), else what went wrong."""
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Shelfcount-Webhook/1",
        "X-Shelfcount-Delivery": delivery.id,
        "X-Shelfcount-Event": "levels",
        "X-Shelfcount-Signature": sign(channel.webhook_secret, body, int(now.timestamp())),
    }
    try:
        answer = requests.post(
            channel.webhook_url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= answer.status_code < 300:
        return None
    return f"HTTP {answer.status_code}"


def deliver(store_id: int | None = None, now: datetime | None = None, limit: int = 100) -> Outcome:
    """Queue new changes and send what is due, channel by channel; at most ``limit`` sends."""
    now = now or utcnow()
    outcome = Outcome()
    query = select(SalesChannel).where(SalesChannel.active.is_(True), SalesChannel.webhook_url.is_not(None))
    if store_id is not None:
        query = query.where(SalesChannel.store_id == store_id)
    channel_ids = list(db.session.scalars(query.with_only_columns(SalesChannel.id).order_by(SalesChannel.id)))
    for channel_id in channel_ids:
        channel = db.session.get(SalesChannel, channel_id)
        outcome.queued += enqueue(channel, now)
        db.session.commit()
        while limit > 0 and (delivery := _claim(channel_id, now)) is not None:
            limit -= 1
            error = _post(channel, delivery, now)
            delivery.attempts += 1
            if error is None:
                delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, ""
                outcome.delivered += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status, delivery.last_error = "failed", error
                outcome.failed += 1
                log.warning(
                    "webhook delivery %s to channel %s failed for good: %s", delivery.id, channel_id, error
                )
            else:
                delivery.next_attempt_at, delivery.last_error = now + backoff(delivery.attempts), error
                outcome.retrying += 1
            db.session.commit()
            if error is not None and delivery.status == "pending":
                break  # later deliveries wait behind this one
    return outcome


def recent(channel_id: int, limit: int = 20) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.channel_id == channel_id)
            .order_by(WebhookDelivery.first_seq.desc())
            .limit(limit)
        )
    )
