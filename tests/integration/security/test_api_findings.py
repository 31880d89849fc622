"""Bugs the API fuzzing found (tests/fuzz/), each reproduced exactly.

Marked xfail(strict=True) while the owner's file is out of my hands: when the fix lands the
test passes, strict turns that into a failure, and whoever sees it removes the mark here and
the matching KNOWN entry in tests/fuzz/test_api_fuzz.py.
"""

from __future__ import annotations

import uuid

import pytest


def _event(**fields) -> dict:
    return {"id": str(uuid.uuid4()), "type": "count_scan", "occurred_at": "2026-11-28T10:02:11.900Z",
            "session_id": str(uuid.uuid4()), "code": "0036000291452", **fields}


@pytest.mark.xfail(strict=True, reason="webapp/api/sync.py _parse(): _TYPES.get(raw.get('type')) raises "
                   "TypeError when type is a list or an object; routed to the ledger engineer")
@pytest.mark.parametrize("bad_type", [[], {}, ["count_scan"]])
def test_an_event_whose_type_is_not_text_is_rejected_alone(login_as, bad_type):
    client = login_as("staff")
    answer = client.post_json("/api/v1/sync", {"device_id": "p1", "device_time": "2026-11-28T10:04:05Z",
                                               "events": [_event(type=bad_type)]})
    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["error"]["code"] == "unknown_type"


@pytest.mark.xfail(strict=True, reason="webapp/inventory/merge.py corrected_time(): occurred_at + "
                   "(server_time - device_time) overflows datetime when the device clock is thousands "
                   "of years off; webapp/api/sync.py _parse() should reject the event; routed to the "
                   "ledger engineer")
@pytest.mark.parametrize(("device_time", "occurred_at"), [
    ("6211-12-28T17:18:48.3Z", "0365-11-28T23:44:07Z"),
    ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
])
def test_a_device_clock_absurdly_off_is_rejected_not_a_500(login_as, device_time, occurred_at):
    client = login_as("staff")
    answer = client.post_json("/api/v1/sync", {"device_id": "p1", "device_time": device_time,
                                               "events": [_event(occurred_at=occurred_at)]})
    assert answer.status_code in (200, 400)
    assert answer.get_json()["results"][0]["status"] == "rejected"


@pytest.mark.parametrize("fields", [{"id": "a\u0000b"}, {"session_id": "x\u0000"},
                                    {"location_id": -21947262306}])
def test_text_with_nul_or_an_id_beyond_32_bits_is_refused_not_a_500(login_as, fields):
    client = login_as("staff")
    answer = client.post_json("/api/v1/sync", {"device_id": "p1", "device_time": "2026-11-28T10:04:05Z",
                                               "events": [_event(**fields)]})
    assert answer.status_code in (200, 400)


def test_a_lookup_of_a_code_with_nul_is_refused_not_a_500(login_as):
    assert login_as("staff").get("/api/v1/items/lookup?code=a%00b").status_code in (400, 404)
