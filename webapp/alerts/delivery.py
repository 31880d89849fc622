"""The channels that carry an alert out of the process: email over SMTP, and Web Push.

Email uses the standard library and is on whenever ``SMTP_HOST`` is set. Web Push is on
when ``VAPID_PRIVATE_KEY`` (and ``VAPID_SUBJECT``, a mailto: or https: contact the push
services may use) are set; pywebpush encrypts the payload for each browser and signs the
request. Functions here take plain values: they run after the commit, without a session.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from webapp.alerts.models import PushSubscription
from webapp.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    endpoint: str
    p256dh: str
    auth: str


def setting(name: str, default=""):
    """App config first (tests, config.py), then the environment: these settings are optional
    and need not be listed in config.py to work."""
    if name in current_app.config:
        return current_app.config[name]
    return os.environ.get(name, default)


def email_enabled() -> bool:
    return bool(setting("SMTP_HOST"))


def push_enabled() -> bool:
    return bool(setting("VAPID_PRIVATE_KEY")) and bool(setting("VAPID_SUBJECT"))


def any_channel() -> bool:
    return email_enabled() or push_enabled()


def subscribers(user_ids: Sequence[int]) -> list[Subscriber]:
    if not user_ids or not push_enabled():
        return []
    rows = db.session.scalars(select(PushSubscription).where(PushSubscription.user_id.in_(user_ids))
                              .order_by(PushSubscription.id))
    return [Subscriber(r.id, r.endpoint, r.p256dh, r.auth) for r in rows]


def compose(store_name: str, lines: Sequence[tuple[str, ...]]) -> tuple[str, str]:
    """Subject and body for (item name, level, reorder point, unit[, on order]) lines; the
    optional fifth is what is already coming ("12 on order, due Thu"), blank for nothing."""
    lines = [(*line, "")[:5] for line in lines]
    if len(lines) == 1:
        name, level, point, unit, _ = lines[0]
        subject = f"Low stock at {store_name}: {name} ({level} {unit} left)"
    else:
        subject = f"Low stock at {store_name}: {len(lines)} items at or below their reorder point"
    body = [f"These items at {store_name} reached their reorder point:", ""]
    body += [f"- {name}: {level} {unit} left (reorder point {point})" + (f"; {coming}" if coming else "")
             for name, level, point, unit, coming in lines]
    body += ["", "You will not hear about an item again until it is restocked above its point",
             "and falls back to it. Open Shelfcount's dashboard for days of cover and sales."]
    return subject, "\n".join(body)


def send_email(subject: str, body: str, recipients: Sequence[str],
               attachments: Sequence[tuple[str, str, bytes]] = ()) -> None:
    """Send over the configured SMTP server; ``attachments`` are (file name, MIME type, bytes)."""
    message = EmailMessage()
    message["Subject"] = subject.replace("\n", " ").replace("\r", " ")
    message["From"] = setting("MAIL_FROM", "shelfcount@localhost")
    message["To"] = ", ".join(recipients)
    message.set_content(body)
    for filename, mime, data in attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    with smtplib.SMTP(setting("SMTP_HOST"), int(setting("SMTP_PORT", 25)), timeout=10) as smtp:
        if str(setting("SMTP_STARTTLS", "")).lower() in ("1", "true", "yes", "on"):
            smtp.starttls()
        if setting("SMTP_USERNAME"):
            smtp.login(setting("SMTP_USERNAME"), setting("SMTP_PASSWORD"))
        smtp.send_message(message)


def send_push(subscriber: Subscriber, subject: str, body: str) -> bool:
    """True when the push service took the message; False when the subscription is gone."""
    from pywebpush import WebPushException, webpush  # imported only where push is configured

    payload = json.dumps({"title": subject, "body": body, "url": "/reports/"})
    try:
        webpush({"endpoint": subscriber.endpoint, "keys": {"p256dh": subscriber.p256dh,
                                                            "auth": subscriber.auth}},
                data=payload, vapid_private_key=setting("VAPID_PRIVATE_KEY"),
                vapid_claims={"sub": setting("VAPID_SUBJECT")}, timeout=10, ttl=24 * 3600)
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):  # the browser unsubscribed: forget it
            return False
        raise
    return True


def send_all(subject: str, body: str, emails: Sequence[str], subs: Sequence[Subscriber]
             ) -> tuple[bool, list[str]]:
    """Try every channel; delivered when at least one recipient got it. Errors are noted, not
    raised: the commit already happened and the sweep retries."""
    sent, notes, gone = False, [], []
    if email_enabled() and emails:
        try:
            send_email(subject, body, emails)
            sent = True
            notes.append(f"email to {len(emails)}")
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("alert email failed: %s", exc)
            notes.append(f"email failed: {exc}")
    for sub in subs:
        try:
            if send_push(sub, subject, body):
                sent = True
            else:
                gone.append(sub.id)
        except Exception as exc:  # noqa: BLE001  (one bad endpoint must not stop the others)
            log.warning("alert push failed: %s", exc)
            notes.append(f"push failed: {type(exc).__name__}")
    if subs:
        notes.append(f"push to {len(subs) - len(gone)}")
    if gone:
        with db.engine.begin() as connection:
            table = PushSubscription.__table__
            connection.execute(table.delete().where(table.c.id.in_(gone)))
    if not emails and not subs:
        notes.append("no manager has an email address or push subscription")
    return sent, notes
