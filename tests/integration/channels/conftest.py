"""A channel with a token, ledger helpers, and a real HTTP receiver for the webhook."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webapp.channels import service, tokens
from webapp.inventory.ledger import Ledger, NewEvent


@pytest.fixture
def channel(db, store):
    made = service.create_channel(store.id, service.ChannelForm("Shopify", default_buffer=2))
    db.session.commit()
    return made


@pytest.fixture
def make_token(db, channel):
    def make(scopes=("levels:read",), name="shop"):
        _, raw = tokens.issue(tokens.NewToken(channel.store_id, channel.id, name, tuple(scopes)))
        db.session.commit()
        return raw

    return make


@pytest.fixture
def api(client, make_token):
    """api(path) -> a GET with a levels:read token."""
    raw = make_token()

    def get(path: str, token: str | None = None):
        return client.get(path, headers={"Authorization": f"Bearer {token or raw}"})

    return get


@pytest.fixture
def move(db, store):
    """move(item, +5): one ledger event at the selling location, committed like a sale or receipt."""

    def append(item, quantity: int, kind: str = "receive"):
        led = Ledger(source="clover")
        led.append(NewEvent(key=f"test:{uuid.uuid4()}", kind=kind, store_id=item.store_id, item_id=item.id,
                            location_id=store.selling_location.id, quantity=quantity,
                            occurred_at=datetime.now(UTC), source="clover"))
        led.settle()
        db.session.commit()

    return append


class Receiver:
    """A local HTTP server that answers each POST with the next status of ``plan`` (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.plan: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body,
                                          "json": json.loads(body)})
                status = receiver.plan.pop(0) if receiver.plan else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = _bind(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _bind(handler) -> ThreadingHTTPServer:
    """A port in helper 7's range (8700-8799), the first one free."""
    for port in range(8750, 8800):
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            continue
    return ThreadingHTTPServer(("127.0.0.1", 0), handler)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
