"""Photos: re-encoded without EXIF, limits enforced, served to their own store only."""

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image


@pytest.fixture
def app_config(tmp_path):
    return {"PHOTO_DIR": str(tmp_path / "photos")}


def jpeg_with_gps(size=(2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 26.0, 46.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (79.0, 58.0, 56.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(
        b"IEND", b"")


def upload(client, data: bytes, name="photo.jpg"):
    return client.post("/photos", data={"photo": (io.BytesIO(data), name)},
                       headers={"X-CSRFToken": client.csrf_token(), "Accept": "application/json"},
                       content_type="multipart/form-data")


def test_a_photo_with_gps_exif_comes_back_without_it(login_as):
    client = login_as("staff")
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    response = upload(client, original)
    assert response.status_code == 201, response.json
    served = client.get(response.json["url"])
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert "private" in served.headers["Cache-Control"]
    image = Image.open(io.BytesIO(served.data))
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"PhoneCo" not in served.data
    assert max(image.size) == 1600  # downscaled


def test_a_40_mb_photo_gets_413_as_json(login_as):
    client = login_as("staff")
    response = upload(client, b"\xff" * (40 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"


def test_a_photo_over_the_upload_limit_but_under_the_request_limit_gets_413(login_as, app):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    response = upload(login_as("staff"), jpeg_with_gps())
    assert response.status_code == 413
    assert response.json["error"] == {"code": "too_large", "field": "photo",
                                      "message": response.json["error"]["message"]}


@pytest.mark.parametrize(("width", "height"), [(8000, 8000), (40000, 40000)])
def test_a_pixel_bomb_gets_400(login_as, width, height):
    response = upload(login_as("staff"), png_header_claiming(width, height), "bomb.png")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "too_many_pixels"


def test_a_file_that_is_not_an_image_gets_400(login_as):
    response = upload(login_as("staff"), b"%PDF-1.4 not a photo", "claim.pdf")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "not_an_image"


def test_a_photo_is_served_only_to_its_own_store(login_as, other_store_manager, app):
    response = upload(login_as("staff"), jpeg_with_gps((200, 100)))
    url = response.json["url"]
    rival = login_as(user=other_store_manager)
    assert rival.get(url).status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(url).status_code in (302, 401)
