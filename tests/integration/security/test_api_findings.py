"""Bugs the API fuzzing found (tests/fuzz/), each reproduced exactly.

Those still open are marked xfail(strict=True): when the fix lands the test passes, strict
turns that into a failure, and whoever sees it removes the mark here and the matching KNOWN
entry in tests/fuzz/test_api_fuzz.py.
"""

from __future__ import annotations

import uuid

import pytest


def _event(**fields) -> dict:
    return {"id": str(uuid.uuid4()), "type": "count_scan", "occurred_at": "2026-11-28T10:02:11.900Z",
            "session_id": str(uuid.uuid4()), "code": "0036000291452", **fields}


@pytest.mark.parametrize("bad_type", [[], {}, ["count_scan"]])
def test_an_event_whose_type_is_not_text_is_rejected_alone(login_as, bad_type):
    client = login_as("staff")
    answer = client.post_json("/api/v1/sync", {"device_id": "p1", "device_time": "2026-11-28T10:04:05Z",
                                               "events": [_event(type=bad_type)]})
    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["error"]["code"] == "unknown_type"


@pytest.mark.parametrize(("device_time", "occurred_at"), [
    ("6211-12-28T17:18:48.3Z", "0365-11-28T23:44:07Z"),
    ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
])
def test_a_device_clock_absurdly_off_is_rejected_not_a_500(login_as, device_time, occurred_at):
    client = login_as("staff")
    answer = client.post_json("/api/v1/sync", {"device_id": "p1", "device_time": device_time,
                                               "events": [_event(occurred_at=occurred_at)]})
    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["error"]["code"] == "bad_time"


@pytest.mark.parametrize("fields", [{"id": "a\u0000b"}, {"session_id": "x\u0000"},
                                    {"location_id": -21947262306}, {"quantity": 2**63}])
def test_text_with_nul_or_a_number_beyond_32_bits_rejects_that_event_alone(login_as, fields):
    # Per event, as the sync contract says: a 400 would make the phone hold its good events too.
    client = login_as("staff")
    answer = client.post_json("/api/v1/sync", {"device_id": "p1", "device_time": "2026-11-28T10:04:05Z",
                                               "events": [_event(**fields)]})
    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["error"]["code"] == "bad_field"


def test_a_device_id_with_nul_is_a_400_not_a_500(login_as):
    answer = login_as("staff").post_json("/api/v1/sync", {"device_id": "p\u0000", "device_time":
                                                          "2026-11-28T10:04:05Z", "events": [_event()]})
    assert answer.status_code == 400


def test_a_lookup_of_a_code_with_nul_is_refused_not_a_500(login_as):
    assert login_as("staff").get("/api/v1/items/lookup?code=a%00b").status_code in (400, 404)


@pytest.mark.parametrize("path", ["/api/v1/decode", "/login", "/logout"])
@pytest.mark.parametrize("disposition", [b"form-data", b'form-data; filename="photo.jpg"'])
def test_a_form_part_without_a_name_is_a_400_not_a_500(login_as, path, disposition):
    # Flask-WTF's CSRF check read every form key as text and raised on a nameless part.
    body = (b"--xyz\r\nContent-Disposition: " + disposition + b"\r\n\r\nvalue\r\n"
            b'--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n\xff\xd8\r\n'
            b"--xyz--\r\n")
    answer = login_as("staff").post(path, data=body, content_type="multipart/form-data; boundary=xyz",
                                    headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_form"
