"""Fixtures for reports and alerts: a ledger writer, and a local SMTP server that keeps mail."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from webapp.inventory.ledger import Ledger, NewEvent


@pytest.fixture
def record(db, store):
    """record(item, "sale", -2, at=..., location=...) appends one ledger event and commits,
    as the ledger's own callers do; returns the key."""
    counter = iter(range(1, 1_000_000))

    def write(item, kind: str, quantity: int, *, at: datetime | None = None, location=None,
              source: str = "device", count_key: str | None = None, note: str | None = None,
              actor=None, device_id: str | None = None) -> str:
        loc = location or store.selling_location
        key = f"t:{kind}:{next(counter)}"
        ledger = Ledger(source=source, actor_user_id=actor.id if actor else None)
        ledger.append(NewEvent(key=key, kind=kind, store_id=item.store_id, item_id=item.id,
                               location_id=loc.id, quantity=quantity,
                               occurred_at=at or datetime.now(UTC), source=source,
                               actor_user_id=actor.id if actor else None, device_id=device_id,
                               count_key=count_key, note=note))
        ledger.settle()
        db.session.commit()
        return key

    return write


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) whose `.messages` are (recipients, message)."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()
