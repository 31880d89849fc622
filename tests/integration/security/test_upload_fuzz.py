"""Uploads fuzzed: random bytes, truncated and bit-flipped images, headers claiming huge sizes.

Both upload routes (barcode decoding and damage photos) must answer a documented 2xx or 4xx
with the JSON error shape, never a 500, and the process must not balloon while refusing them:
limits are checked from the header before a pixel is decoded.
"""

from __future__ import annotations

import io
import resource
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

ROUTES = [("/api/v1/decode", "image", {200}), ("/photos", "photo", {201})]
FORMATS = ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"]
MEMORY_BUDGET_MB = 256


def _image(fmt: str) -> bytes:
    picture = Image.new("RGB", (64, 48), (255, 255, 255))
    for x in range(0, 64, 4):
        picture.paste((0, 0, 0), (x, 0, x + 2, 48))
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


SAMPLES = {fmt: _image(fmt) for fmt in FORMATS}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _claiming(fmt: str, width: int, height: int) -> bytes:
    """A header that claims width x height with next to nothing behind it."""
    if fmt == "PNG":
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64))
                + _chunk(b"IEND", b""))
    if fmt == "GIF":
        return b"GIF89a" + struct.pack("<HHBBB", width & 0xFFFF, height & 0xFFFF, 0, 0, 0) + b";"
    if fmt == "BMP":
        info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
        return b"BM" + struct.pack("<IHHI", 54 + 64, 0, 0, 54) + info + b"\0" * 64
    # JPEG: SOI, a baseline SOF0 with the claimed size, then EOI.
    components = b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
    sof = struct.pack(">BHHB", 8, height & 0xFFFF, width & 0xFFFF, 3) + components
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9"


def _truncated(data: bytes, cut: float) -> bytes:
    return data[: max(1, int(len(data) * cut))]


def _flipped(data: bytes, positions: list[int]) -> bytes:
    out = bytearray(data)
    for p in positions:
        out[p % len(out)] ^= 0xFF
    return bytes(out)


uploads = st.one_of(
    st.binary(max_size=4096),
    st.builds(_truncated, st.sampled_from(list(SAMPLES.values())), st.floats(0.01, 0.99)),
    st.builds(_flipped, st.sampled_from(list(SAMPLES.values())), st.lists(st.integers(0, 10**6), max_size=8)),
    st.builds(_claiming, st.sampled_from(["PNG", "GIF", "BMP", "JPEG"]),
              st.integers(1, 2**31 - 1), st.integers(1, 2**31 - 1)),
    st.sampled_from(list(SAMPLES.values())),
)


@pytest.fixture
def app_config(tmp_path):
    # The fuzz sends more uploads a minute than a person may; the per-user rate limits have
    # tests of their own (test_decode_rate_limit.py, damage/test_photo_rate_limit.py).
    return {"PHOTO_DIR": str(tmp_path / "photos"),
            "PHOTO_RATE_LIMIT": "1000 per minute", "DECODE_RATE_LIMIT": "1000 per minute"}


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize(("url", "field", "ok"), ROUTES, ids=["decode", "photos"])
def test_fuzzed_uploads_never_get_a_500_nor_balloon_the_process(login_as, url, field, ok):
    client = login_as("staff")
    token = client.csrf_token()
    before = _max_rss_mb()
    seen: dict[int, int] = {}

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=uploads, name=st.sampled_from(["photo.jpg", "x.png", "", "../../etc/passwd", "a\u00e9.webp"]))
    def send(data: bytes, name: str) -> None:
        response = client.post(url, data={field: (io.BytesIO(data), name)},
                               headers={"X-CSRFToken": token, "Accept": "application/json"},
                               content_type="multipart/form-data")
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code in ok | {400, 413}, response.get_data(as_text=True)[:300]
        if response.status_code >= 400:
            assert set(response.get_json()["error"]) == {"code", "message", "field"}

    send()
    grown = _max_rss_mb() - before
    print(f"{url}: answers {seen}; peak RSS grew {grown:.0f} MB")
    assert grown < MEMORY_BUDGET_MB
    assert seen.get(400), "the fuzz should have produced refusals"
