"""Hostile or broken request bodies get a clear 4xx in the one error shape, never a 500."""

from __future__ import annotations

import logging

import pytest

DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def _json_post(client, url: str, body: str, **headers):
    return client.post(url, data=body, headers={"Content-Type": "application/json", **headers})


@pytest.mark.parametrize("body", [
    '{"device_id": "d1", "device_time": "2026-11-28T10:04:05Z", "events": ' + DEEP_ARRAY + "}",
    DEEP_OBJECT,
    "[" * 100_000,
], ids=["events-1000-deep", "object-1000-deep", "unclosed-100000"])
def test_json_nested_a_thousand_deep_is_a_400_on_sync_and_nothing_is_logged_as_a_crash(
        staff, body, caplog):
    with caplog.at_level(logging.ERROR):
        answer = _json_post(staff, "/api/v1/sync", body, **{"X-CSRFToken": staff.csrf_token()})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    # A truncated body is not JSON at all; a complete deep one is refused for its depth.
    assert error["code"] in ("bad_json", "bad_request")
    assert set(error) == {"code", "message", "field"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("body", ['{"merchants": ' + DEEP_ARRAY + "}", DEEP_OBJECT, DEEP_ARRAY])
def test_the_anonymous_clover_webhook_refuses_deep_json_with_a_400(client, body, caplog):
    with caplog.at_level(logging.ERROR):
        answer = _json_post(client, "/clover/webhook", body)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == {
        "code": "bad_json", "field": None, "message": "The JSON body is nested more than 32 levels deep."}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_json_within_the_depth_bound_is_still_read(staff):
    # 30 levels inside a field the server does not know: the batch is read and its event judged.
    body = ('{"device_id": "d1", "device_time": "2026-11-28T10:04:05Z", "events": [{"id": "e1", '
            '"type": "count_scan", "extra": ' + "[" * 28 + "]" * 28 + "}]}")
    answer = _json_post(staff, "/api/v1/sync", body, **{"X-CSRFToken": staff.csrf_token()})
    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["id"] == "e1"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_and_the_batch_is_refused(staff, store, constant):
    body = ('{"device_id": "d1", "device_time": "2026-11-28T10:04:05Z", "events": [{"id": "e1", '
            f'"type": "damage", "store_id": {store.id}, "quantity": {constant}}}]}}')
    answer = _json_post(staff, "/api/v1/sync", body, **{"X-CSRFToken": staff.csrf_token()})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "bad_json"
    assert constant.lstrip("-") in error["message"]
