"""The webhook sender (clover-api.md section 5 and 8.11), delivering to a real local receiver."""

import json
import threading
import time
import uuid

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from clover_emulator.tests.conftest import MID, OTHER_MID, CloverCaller

AUTH_CODE = "0c6e1f4a-7b2d-4e58-9a31-c2d9f0b8e7a4"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class Receiver:
    """A tiny webhook endpoint: records each POST's X-Clover-Auth header and JSON body."""

    def __init__(self) -> None:
        self.status = 200
        self.posts: list[dict] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}/clover/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01})

    def _app(self, environ, start_response):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        self.posts.append(
            {"auth": environ.get("HTTP_X_CLOVER_AUTH"), "body": json.loads(environ["wsgi.input"].read(size))}
        )
        start_response(f"{self.status} X", [("Content-Type", "application/json")])
        return [b"{}"]

    @property
    def events(self) -> list[dict]:
        return [p for p in self.posts if "verificationCode" not in p["body"]]


@pytest.fixture
def receiver():
    running = Receiver()
    running._thread.start()
    yield running
    running._server.shutdown()
    running._server.server_close()


def _hook(emu, receiver, **faults):
    emu.settings(webhooks={"url": receiver.url, "auth_code": AUTH_CODE, "mode": "manual", "faults": faults})


def _updates(post) -> list[tuple[str, str]]:
    return [(u["objectId"], u["type"]) for updates in post["body"]["merchants"].values() for u in updates]


def test_the_handshake_comes_first_without_auth_then_events_carry_the_auth_code(emu, receiver, items):
    _hook(emu, receiver)
    order = emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    summary = emu.flush_webhooks()
    assert summary["posts"] == 1

    handshake, event = receiver.posts
    assert handshake["auth"] is None
    assert set(handshake["body"]) == {"verificationCode"}
    uuid.UUID(handshake["body"]["verificationCode"])
    assert event["auth"] == AUTH_CODE
    assert event["body"]["appId"] == "SHELFCOUNTAPP"
    assert list(event["body"]["merchants"]) == [MID]
    payment_id = order["payments"]["elements"][0]["id"]
    assert _updates(event) == [(f"O:{order['id']}", "CREATE"), (f"P:{payment_id}", "CREATE")]
    assert all(isinstance(u["ts"], int) and u["ts"] > 10**12 for u in event["body"]["merchants"][MID])

    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    emu.flush_webhooks()
    assert len([p for p in receiver.posts if "verificationCode" in p["body"]]) == 1  # verified once


def test_events_wait_until_the_handshake_is_answered_with_200(emu, receiver, items):
    receiver.status = 500
    _hook(emu, receiver)
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    emu.flush_webhooks()
    assert receiver.events == []
    receiver.status = 200
    emu.flush_webhooks()
    assert len(receiver.events) == 1


def test_item_changes_and_availability_flips_send_inventory_events(emu, api, receiver, items):
    _hook(emu, receiver)
    emu.merchant_settings(MID, auto_decrement=True)
    api.post(f"/items/{items['MUF-BB']}", {"price": 350})
    api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": 1})
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    emu.flush_webhooks()
    updates = [u for post in receiver.events for u in _updates(post)]
    assert (f"I:{items['MUF-BB']}", "UPDATE") in updates
    assert (f"I:{items['OAT-1L']}", "UPDATE") in updates  # went unavailable at 0


def test_dropped_deliveries_never_arrive(emu, receiver, items):
    _hook(emu, receiver, drop=1.0)
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    assert emu.flush_webhooks()["dropped"] == 1
    assert receiver.events == []


def test_duplicated_deliveries_arrive_twice(emu, receiver, items):
    _hook(emu, receiver, duplicate=1.0)
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    emu.flush_webhooks()
    assert len(receiver.events) == 2
    assert receiver.events[0]["body"] == receiver.events[1]["body"]


def test_reordered_deliveries_arrive_newest_first(emu, receiver, items):
    _hook(emu, receiver, reorder=True)
    emu.settings(webhooks={"batch_max_events": 1})
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    emu.sale(MID, [{"item_id": items["MUF-BB"]}])
    emu.flush_webhooks()
    stamps = [post["body"]["merchants"][MID][0]["ts"] for post in receiver.events]
    assert len(stamps) == 4
    assert stamps == sorted(stamps, reverse=True)


def test_one_post_can_carry_several_merchants_or_one_each(emu, receiver, items):
    other = CloverCaller(emu.url, "other-merchant-token", OTHER_MID)
    _hook(emu, receiver)
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    other.post("/items", {"name": "Tea", "price": 300})
    emu.flush_webhooks()
    assert [set(p["body"]["merchants"]) for p in receiver.events] == [{MID, OTHER_MID}]

    emu.settings(webhooks={"group_merchants": False})
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    other.post("/items", {"name": "Coffee", "price": 300})
    emu.flush_webhooks()
    assert [set(p["body"]["merchants"]) for p in receiver.events[1:]] == [{MID}, {OTHER_MID}]


def test_the_background_sender_delivers_without_a_flush(emu, receiver, items):
    emu.settings(webhooks={"url": receiver.url, "auth_code": AUTH_CODE, "batch_window": 0.05})
    order = emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    deadline = time.monotonic() + 5
    while not receiver.events and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.events, "no webhook arrived"
    assert (f"O:{order['id']}", "CREATE") in _updates(receiver.events[0])


def test_a_failed_delivery_is_retried_only_when_the_setting_says_so(emu, receiver, items):
    _hook(emu, receiver)
    emu.settings(webhooks={"retry": True})
    emu.flush_webhooks()  # handshake while the receiver is healthy
    receiver.status = 503
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    assert emu.flush_webhooks()["failed"] == 1
    receiver.status = 200
    emu.flush_webhooks()
    assert [p["auth"] for p in receiver.events] == [AUTH_CODE, AUTH_CODE]
    assert receiver.events[0]["body"] == receiver.events[1]["body"]


def test_delayed_deliveries_still_arrive_and_the_counters_show_them(emu, receiver, items):
    _hook(emu, receiver, delay=0.05)
    order = emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    emu.flush_webhooks()
    assert (f"O:{order['id']}", "CREATE") in _updates(receiver.events[0])
    log = emu.counters()["webhooks"]["log"]
    assert [entry.get("status") for entry in log] == [200, 200]  # the handshake, then the event


def test_deleting_a_whole_order_sends_an_order_delete_event(emu, receiver, items):
    _hook(emu, receiver)
    order = emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": 2}], paid=False)
    emu.flush_webhooks()
    receiver.posts.clear()
    records = emu.delete_order(MID, order["id"], "Walked out")
    assert {r["reason"] for r in records} == {"Walked out"}
    emu.flush_webhooks()
    assert [u for post in receiver.events for u in _updates(post)] == [(f"O:{order['id']}", "DELETE")]
