"""Web Push subscriptions: what a browser hands over when a manager allows notifications."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from webapp.alerts.models import PushSubscription
from webapp.errors import DomainError
from webapp.extensions import db


def subscribe(user_id: int, data: dict) -> PushSubscription:
    """Store a PushSubscription.toJSON(); the same endpoint again moves to this user."""
    endpoint = data.get("endpoint")
    keys = data.get("keys") or {}
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme != "https" or len(endpoint) > 1000:
        raise DomainError("bad_endpoint", "A push subscription needs an https endpoint.", "endpoint")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str) or len(p256dh) > 200 or len(auth) > 100:
        raise DomainError("bad_keys", "A push subscription needs its p256dh and auth keys.", "keys")
    row = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint)
        db.session.add(row)
    row.user_id, row.p256dh, row.auth = user_id, p256dh, auth
    db.session.commit()
    return row


def unsubscribe(user_id: int, endpoint: str) -> None:
    row = db.session.scalar(select(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.user_id == user_id))
    if row is not None:
        db.session.delete(row)
        db.session.commit()
