"""POST /api/v1/decode refuses what is not a reasonable photo before decoding anything."""

import io
import struct
import zlib

import barcode
import pytest
from barcode.writer import ImageWriter
from PIL import Image

from webapp.demo import service as demo
from webapp.demo.catalog import demo_items

LIMIT = 200_000


@pytest.fixture
def app_config():
    # Small limits keep the test files small; the refusals are the same at 15 MB.
    return {"UPLOAD_MAX_BYTES": LIMIT, "MAX_CONTENT_LENGTH": 2 * LIMIT, "UPLOAD_MAX_PIXELS": 4_000_000,
            "DEMO_MODE": True}


def _post(client, content: bytes, name: str = "photo.png", field: str = "image"):
    return client.post(
        "/api/v1/decode",
        data={field: (io.BytesIO(content), name)},
        headers={"X-CSRFToken": client.csrf_token()},
        content_type="multipart/form-data",
    )


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, "PNG")
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims huge dimensions, with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(
        b"IEND", b"")


def _error(response) -> dict:
    return response.get_json()["error"]


def test_a_file_that_is_not_an_image_is_400_not_an_image(staff):
    response = _post(staff, b"%PDF-1.7 this is a document, not a photo", name="doc.pdf")
    assert response.status_code == 400
    assert _error(response)["code"] == "not_an_image"
    assert _error(response)["field"] == "image"


def test_a_photo_over_the_upload_limit_is_413_too_large(staff):
    response = _post(staff, b"\xff\xd8\xff" + b"\0" * (LIMIT + 10), name="big.jpg")
    assert response.status_code == 413
    assert _error(response)["code"] == "too_large"


def test_a_request_over_max_content_length_is_413_json(staff):
    response = _post(staff, b"\0" * (2 * LIMIT + 10))
    assert response.status_code == 413
    assert _error(response)["code"] == "too_large"


def test_a_pixel_bomb_is_400_too_many_pixels_without_being_decoded(staff):
    bomb = _png_claiming(60_000, 60_000)
    assert len(bomb) < 1000
    response = _post(staff, bomb)
    assert response.status_code == 400
    assert _error(response)["code"] == "too_many_pixels"


def test_an_image_just_over_the_pixel_limit_is_refused_too(staff):
    response = _post(staff, _png(2100, 2000))
    assert response.status_code == 400
    assert _error(response)["code"] == "too_many_pixels"


def test_a_truncated_image_is_400_corrupt(staff):
    out = io.BytesIO()
    Image.effect_noise((400, 300), 60).save(out, "JPEG", quality=90)
    response = _post(staff, out.getvalue()[: len(out.getvalue()) // 2], name="cut.jpg")
    assert response.status_code == 400
    assert _error(response)["code"] == "corrupt"


def test_a_request_without_the_image_field_is_400(staff):
    response = _post(staff, _png(10, 10), field="photo")
    assert response.status_code == 400
    assert _error(response)["code"] == "missing_image"


def test_a_photo_without_a_barcode_answers_no_symbols(staff):
    response = _post(staff, _png(300, 200))
    assert response.status_code == 200
    assert response.get_json() == {"symbols": []}


def test_an_anonymous_upload_is_401_and_one_without_csrf_is_400(client, login_as):
    assert _post(client, _png(10, 10)).status_code == 401  # with a CSRF token, but no session
    staff = login_as("staff")
    response = staff.post("/api/v1/decode", data={"image": (io.BytesIO(_png(10, 10)), "x.png")},
                          content_type="multipart/form-data")
    assert response.status_code == 400
    assert _error(response)["code"] == "csrf_failed"


def test_a_generated_ean13_photo_decodes_to_the_demo_item_with_its_pack(app, client):
    demo.seed()
    spec = next(i for i in demo_items() if len(i["code"]) == 13)
    out = io.BytesIO()
    barcode.get("ean13", spec["code"], writer=ImageWriter()).write(out)
    client.post_form("/login", {"username": "staff", "password": "demo"})
    client._token = None
    response = _post(client, out.getvalue())
    assert response.status_code == 200, response.get_json()
    [symbol] = response.get_json()["symbols"]
    assert (symbol["format"], symbol["text"]) == ("ean13", spec["code"])
    assert symbol["gtin14"] == spec["code"].zfill(14)
    assert symbol["item"]["sku"] == spec["sku"] and symbol["item"]["name"] == spec["name"]
    assert symbol["pack_qty"] == 1
    assert "cost_cents" not in symbol["item"]
    assert set(symbol["position"]) == {"x", "y", "width", "height"}
