"""POST /api/v1/decode is throttled per user (DECODE_RATE_LIMIT), with a 429 a phone can act on."""

import io

import pytest
from PIL import Image


@pytest.fixture
def app_config():
    return {"DECODE_RATE_LIMIT": "3 per minute", "RATELIMIT_ENABLED": True}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (60, 40), 255).save(out, "PNG")
    return out.getvalue()


def _decode(client):
    return client.post("/api/v1/decode", data={"image": (io.BytesIO(_png()), "shelf.png")},
                       headers={"X-CSRFToken": client.csrf_token()}, content_type="multipart/form-data")


def test_the_fourth_decode_in_a_minute_is_429_for_that_user_only(login_as):
    busy = login_as("staff")
    assert [_decode(busy).status_code for _ in range(3)] == [200, 200, 200]
    refused = _decode(busy)
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert "wait a minute" in error["message"]
    # Per user, not per address: a colleague on the same store Wi-Fi still decodes.
    assert _decode(login_as("staff")).status_code == 200
