"""Web Push: a subscription is stored, and an alert reaches a (local) push service encrypted."""

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from webapp.alerts.models import PushSubscription, StockAlert


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_bytes(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


class PushService:
    """A stand-in push service on 127.0.0.1 that keeps what it is sent and answers `status`."""

    def __init__(self):
        self.received: list[tuple[str, dict, bytes]] = []
        self.status = 201
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def vapid():
    key = ec.generate_private_key(ec.SECP256R1())
    return {"private": b64(key.private_numbers().private_value.to_bytes(32, "big")),
            "public": b64(public_bytes(key))}


@pytest.fixture
def app_config(vapid):
    return {"VAPID_PRIVATE_KEY": vapid["private"], "VAPID_PUBLIC_KEY": vapid["public"],
            "VAPID_SUBJECT": "mailto:ops@example.test"}


@pytest.fixture
def browser_keys():
    return ec.generate_private_key(ec.SECP256R1()), os.urandom(16)


def subscribe_directly(db, user, endpoint, browser_keys):
    key, auth = browser_keys
    db.session.add(PushSubscription(user_id=user.id, endpoint=endpoint, p256dh=b64(public_bytes(key)),
                                    auth=b64(auth)))
    db.session.commit()


def test_an_alert_reaches_the_push_service_encrypted_for_the_managers_browser(
        db, make_user, make_item, record, push_service, browser_keys):
    manager = make_user("manager")
    subscribe_directly(db, manager, f"{push_service.url}/send/abc", browser_keys)
    soup = make_item("Tomato Soup", reorder_point=4)
    record(soup, "opening", 3)
    assert len(push_service.received) == 1
    path, headers, body = push_service.received[0]
    assert path == "/send/abc"
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    key, auth = browser_keys
    message = json.loads(http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm"))
    assert message["title"] == "Low stock at Corner Market: Tomato Soup (3 units left)"
    db.session.expire_all()
    assert db.session.scalar(select(StockAlert)).delivered_at is not None


def test_a_subscription_the_browser_dropped_is_forgotten(db, make_user, make_item, record, push_service,
                                                         browser_keys):
    push_service.status = 410
    manager = make_user("manager")
    subscribe_directly(db, manager, f"{push_service.url}/send/gone", browser_keys)
    soup = make_item("Soup", reorder_point=4)
    record(soup, "opening", 3)
    assert len(push_service.received) == 1
    db.session.expire_all()
    assert db.session.scalars(select(PushSubscription)).all() == []


def test_a_manager_subscribes_this_browser(db, login_as, browser_keys):
    client = login_as("manager")
    key, auth = browser_keys
    payload = {"endpoint": "https://push.example.test/send/xyz",
               "keys": {"p256dh": b64(public_bytes(key)), "auth": b64(auth)}}
    assert client.post_json("/alerts/push/subscribe", payload).status_code == 200
    assert client.post_json("/alerts/push/subscribe", payload).status_code == 200  # idempotent
    rows = db.session.scalars(select(PushSubscription)).all()
    assert [(r.user_id, r.endpoint) for r in rows] == [(client.user.id, payload["endpoint"])]
    assert client.post_json("/alerts/push/unsubscribe", {"endpoint": payload["endpoint"]}).status_code == 200
    assert db.session.scalars(select(PushSubscription)).all() == []


@pytest.mark.parametrize(("payload", "code"), [
    ({}, "bad_endpoint"),
    ({"endpoint": "http://push.example.test/x", "keys": {"p256dh": "a", "auth": "b"}}, "bad_endpoint"),
    ({"endpoint": "https://push.example.test/x", "keys": {"p256dh": "a"}}, "bad_keys"),
])
def test_a_malformed_subscription_is_refused_with_a_reason(login_as, payload, code):
    response = login_as("manager").post_json("/alerts/push/subscribe", payload)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_staff_cannot_subscribe_to_manager_alerts(login_as):
    assert login_as("staff").post_json("/alerts/push/subscribe", {}).status_code == 403
