"""POST /photos is throttled per user (PHOTO_RATE_LIMIT, 30 a minute), with a 429 a person can act on."""

import io
import uuid

import pytest
from PIL import Image


@pytest.fixture
def app_config(tmp_path):
    return {"PHOTO_DIR": str(tmp_path / "photos")}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def _upload(client, data: bytes):
    form = {"photo": (io.BytesIO(data), "pallet.jpg"), "client_id": str(uuid.uuid4())}
    return client.post("/photos", data=form,
                       headers={"X-CSRFToken": client.csrf_token(), "Accept": "application/json"},
                       content_type="multipart/form-data")


def test_thirty_photos_in_a_minute_are_taken_and_the_next_is_429_for_that_user_only(login_as):
    receiver = login_as("receiver")
    data = _jpeg()
    # A phone's whole offline queue (20) and ten more of a damaged pallet go through.
    assert {_upload(receiver, data).status_code for _ in range(30)} == {201}
    refused = _upload(receiver, data)
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert "wait a minute" in error["message"]
    assert "go by themselves" in error["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Per user, not per address: a colleague on the same store Wi-Fi still sends photos.
    assert _upload(login_as("staff"), data).status_code == 201
