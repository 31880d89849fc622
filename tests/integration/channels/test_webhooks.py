"""The level webhook against a real local HTTP receiver: signed, retried with back-off, in order."""

import hashlib
import hmac
from datetime import timedelta

from webapp.channels import webhooks
from webapp.types import utcnow


def _hook(db, channel, url):
    channel.webhook_url = url
    db.session.commit()


def _valid(secret: str, request) -> bool:
    parts = dict(p.split("=", 1) for p in request["headers"]["X-Shelfcount-Signature"].split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"])


def test_a_level_change_is_posted_signed_with_its_delivery_id(db, channel, receiver, make_item, move):
    _hook(db, channel, receiver.url)
    milk = make_item("Milk", sku="MILK")
    move(milk, 9)
    outcome = webhooks.deliver()
    assert (outcome.queued, outcome.delivered) == (1, 1)
    (request,) = receiver.requests
    assert _valid(channel.webhook_secret, request)
    assert not _valid("another secret", request)
    body = request["json"]
    assert request["headers"]["X-Shelfcount-Delivery"] == body["id"]
    assert [(r["sku"], r["level"], r["available"]) for r in body["levels"]] == [("MILK", 9, 7)]
    assert webhooks.deliver().delivered == 0  # nothing new: nothing sent again


def test_a_failing_receiver_gets_the_same_delivery_again_after_a_doubling_wait(db, channel, receiver,
                                                                               make_item, move):
    _hook(db, channel, receiver.url)
    milk = make_item("Milk")
    move(milk, 5)
    receiver.plan = [500, 503]
    t0 = utcnow()
    assert webhooks.deliver(now=t0).retrying == 1
    assert webhooks.deliver(now=t0 + timedelta(seconds=29)).delivered == 0 and len(receiver.requests) == 1
    move(milk, 1)  # a newer level waits behind the one not yet delivered
    assert webhooks.deliver(now=t0 + timedelta(seconds=30)).retrying == 1
    assert len(receiver.requests) == 2
    assert webhooks.deliver(now=t0 + timedelta(seconds=89)).delivered == 0
    outcome = webhooks.deliver(now=t0 + timedelta(seconds=90))
    assert outcome.delivered == 2
    ids = [r["headers"]["X-Shelfcount-Delivery"] for r in receiver.requests]
    assert ids[0] == ids[1] == ids[2] != ids[3]
    assert [r["json"]["levels"][0]["level"] for r in receiver.requests] == [5, 5, 5, 6]


def test_an_unreachable_receiver_is_retried_and_given_up_after_the_last_attempt(db, channel, receiver,
                                                                                make_item, move):
    from webapp.channels.models import WebhookDelivery

    receiver.close()
    _hook(db, channel, receiver.url)  # nothing listens there any more
    milk = make_item("Milk")
    move(milk, 5)
    now = utcnow()
    for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
        webhooks.deliver(now=now)
        now += webhooks.backoff(attempt)
    (delivery,) = db.session.query(WebhookDelivery).all()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert "ConnectionError" in delivery.last_error


def test_back_off_doubles_from_30_seconds_and_stops_at_an_hour():
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhooks.backoff(20) == timedelta(hours=1)
