"""decode() on barcodes the tests draw themselves, and on hostile or broken uploads."""

from __future__ import annotations

import dataclasses
import io
import struct
import sys
import zlib
from collections.abc import Callable

import barcode
import pytest
import zxingcpp
from barcode.writer import ImageWriter
from PIL import Image, ImageOps

from scanner import ImageRejected, Symbol, available_engines, decode

engines_module = sys.modules["scanner.engines"]
needs_zbar = pytest.mark.skipif(
    "zbar" not in available_engines(),
    reason="pyzbar cannot load libzbar (install the libzbar0 system package)",
)
GS = "\x1d"


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=92, **options)
    return out.getvalue()


def linear(kind: str, data: str, **options: object) -> Image.Image:
    """A python-barcode drawing without the human-readable line (which needs no font then)."""
    symbol = barcode.get_barcode_class(kind)(data, writer=ImageWriter(), **options)
    return symbol.render({"write_text": False, "module_height": 12.0, "quiet_zone": 6.5})


def matrix(data: str, fmt: zxingcpp.BarcodeFormat, **options: object) -> Image.Image:
    created = zxingcpp.create_barcode(data, fmt, **options)
    pixels = memoryview(zxingcpp.write_barcode_to_image(created, scale=6))
    height, width = pixels.shape[:2]
    return Image.frombytes("L", (width, height), bytes(pixels))


# (what to draw, the format decode must report, the text it must report)
DRAWN: list[tuple[str, Callable[[], Image.Image], str, str]] = [
    ("ean13", lambda: linear("ean13", "400638133393"), "ean13", "4006381333931"),
    ("ean8", lambda: linear("ean8", "9638507"), "ean8", "96385074"),
    ("upca", lambda: linear("upca", "03600029145"), "upca", "036000291452"),
    ("code128", lambda: linear("code128", "SHELF-042"), "code128", "SHELF-042"),
    ("code39", lambda: linear("code39", "SKU-1234", add_checksum=False), "code39", "SKU-1234"),
    ("itf14", lambda: linear("itf", "10614141000415"), "itf", "10614141000415"),
    (
        "gs1_128",  # python-barcode writes FNC1 as \xf1
        lambda: linear("gs1_128", "0109501101530003" + "17250100" + "10AB1\xf1" + "3712"),
        "gs1_128",
        "0109501101530003" + "17250100" + "10AB1" + GS + "3712",
    ),
    (
        "qrcode",
        lambda: matrix("https://shelfcount.example/i/42", zxingcpp.BarcodeFormat.QRCode),
        "qrcode",
        "https://shelfcount.example/i/42",
    ),
    (
        "datamatrix",
        lambda: matrix("SKU-1234", zxingcpp.BarcodeFormat.DataMatrix),
        "datamatrix",
        "SKU-1234",
    ),
    (
        "gs1_datamatrix",
        lambda: matrix("(01)09501101530003(17)250100(10)AB1", zxingcpp.BarcodeFormat.DataMatrix, gs1=True),
        "gs1_datamatrix",
        "0109501101530003" + "17250100" + "10AB1",
    ),
]


def on_canvas(image: Image.Image, size: tuple[int, int], at: tuple[int, int]) -> Image.Image:
    canvas = Image.new("L", size, 255)
    canvas.paste(image.convert("L"), at)
    return canvas


@pytest.mark.parametrize(("name", "draw", "fmt", "text"), DRAWN, ids=[d[0] for d in DRAWN])
def test_each_retail_symbology_decodes_to_its_text_and_format(
    name: str, draw: Callable[[], Image.Image], fmt: str, text: str
) -> None:
    symbols = decode(png(draw()))
    assert [(s.format, s.text) for s in symbols] == [(fmt, text)]
    assert symbols[0].engine in available_engines()


@pytest.mark.parametrize(
    "transform",
    [
        lambda im: im.rotate(90, expand=True),
        lambda im: im.rotate(180, expand=True),
        lambda im: im.rotate(8, expand=True, fillcolor=(255, 255, 255)),
        lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
        lambda im: im.resize((im.width * 3, im.height * 3), Image.Resampling.NEAREST),
    ],
    ids=["turned 90", "upside down", "tilted 8 degrees", "half size", "three times bigger"],
)
def test_a_turned_or_rescaled_ean13_still_decodes(transform: Callable[[Image.Image], Image.Image]) -> None:
    image = transform(linear("ean13", "400638133393"))
    assert [s.text for s in decode(png(image))] == ["4006381333931"]


def test_a_qr_code_at_an_angle_still_decodes() -> None:
    image = matrix("https://shelfcount.example/i/42", zxingcpp.BarcodeFormat.QRCode)
    turned = image.rotate(30, expand=True, fillcolor=255)
    assert [s.text for s in decode(png(turned))] == ["https://shelfcount.example/i/42"]


@pytest.mark.parametrize(
    ("image", "text"),
    [
        (lambda: linear("ean13", "400638133393").rotate(90, expand=True), "4006381333931"),
        (lambda: ImageOps.invert(matrix("SKU-1234", zxingcpp.BarcodeFormat.QRCode)), "SKU-1234"),
    ],
    ids=["turned 90 degrees", "light on dark"],
)
def test_codes_the_quick_first_pass_misses_are_found_by_a_retry(
    image: Callable[[], Image.Image], text: str
) -> None:
    data = png(image())
    assert decode(data, engines=("zxing",), retry=False) == []
    assert [s.text for s in decode(data, engines=("zxing",))] == [text]


def encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    "encode",
    [
        lambda im: jpeg(im),
        lambda im: encoded(im.convert("RGB"), "WEBP"),
        lambda im: encoded(im.convert("L"), "GIF"),
        lambda im: encoded(im.convert("RGB"), "BMP"),
        # 16-bit grey PNG: a naive conversion to 8 bits clips every pixel to white.
        lambda im: png(im.convert("L").point(lambda v: v * 256, "I").convert("I;16")),
    ],
    ids=["jpeg", "webp", "gif", "bmp", "png 16-bit"],
)
def test_every_accepted_image_type_decodes(encode: Callable[[Image.Image], bytes]) -> None:
    assert [s.text for s in decode(encode(linear("upca", "03600029145")))] == ["036000291452"]


@pytest.mark.parametrize("engines", [("zxing",), ("zxing", "zbar")])
def test_the_position_is_in_original_pixels_even_when_the_photo_was_shrunk(engines: tuple[str, ...]) -> None:
    # 3000 px wide: decode works on a copy shrunk to 1280 and must scale the box back.
    code = linear("ean13", "400638133393")
    at = (1700, 900)
    photo = on_canvas(code, (3000, 2000), at)
    [symbol] = decode(jpeg(photo), engines=engines)
    x, y, w, h = symbol.position
    assert x >= 0 and y >= 0 and x + w <= photo.width and y + h <= photo.height
    # The box lies on the barcode: it spans most of the bars and stays inside the pasted drawing.
    assert at[0] - 8 <= x <= at[0] + code.width * 0.25
    assert at[0] + code.width * 0.75 <= x + w <= at[0] + code.width + 8
    assert at[1] - 8 <= y <= y + h <= at[1] + code.height + 8


def test_the_position_follows_the_exif_orientation_the_user_sees() -> None:
    """Phones store portrait photos sideways and say so in EXIF; boxes are drawn on what is shown."""
    code = linear("ean13", "400638133393")
    upright = on_canvas(code, (800, 1200), (100, 700))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    [symbol] = decode(jpeg(stored, exif=exif.tobytes()))
    x, y, w, h = symbol.position
    assert (stored.height, stored.width) == (800, 1200)
    assert 90 <= x <= 100 + code.width * 0.25 and x + w <= 100 + code.width + 8
    assert y >= 690 and y + h <= 700 + code.height + 8


def test_the_same_code_twice_is_reported_once() -> None:
    code = linear("ean8", "9638507")
    photo = on_canvas(code, (code.width * 2 + 40, code.height), (0, 0))
    photo.paste(code.convert("L"), (code.width + 40, 0))
    assert [(s.format, s.text) for s in decode(png(photo))] == [("ean8", "96385074")]


def test_a_blank_photo_decodes_to_nothing() -> None:
    assert decode(png(Image.new("RGB", (640, 480), (200, 180, 160)))) == []


def test_transparent_background_reads_as_paper_not_black() -> None:
    code = linear("ean13", "400638133393").convert("L")
    # Black bars, fully transparent black elsewhere: a naive grey conversion gives all black.
    alpha = code.point(lambda v: 255 - v)
    rgba = Image.merge("RGBA", (Image.new("L", code.size, 0),) * 3 + (alpha,))
    assert [s.text for s in decode(png(rgba))] == ["4006381333931"]


def test_a_symbol_is_a_frozen_value() -> None:
    [symbol] = decode(png(linear("ean8", "9638507")))
    assert isinstance(symbol, Symbol)
    with pytest.raises(dataclasses.FrozenInstanceError):
        symbol.text = "0"  # type: ignore[misc]


# -- engines -------------------------------------------------------------------------------------------


def test_zxing_alone_decodes_without_zbar() -> None:
    symbols = decode(png(linear("upca", "03600029145")), engines=("zxing",))
    assert [(s.format, s.text, s.engine) for s in symbols] == [("upca", "036000291452", "zxing")]


def test_without_libzbar_only_zxing_is_available_and_decode_still_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engines_module, "_zbar", lambda: None)
    assert available_engines() == ("zxing",)
    assert [s.text for s in decode(png(linear("ean8", "9638507")))] == ["96385074"]
    assert decode(png(linear("ean8", "9638507")), engines=("zbar",)) == []


@needs_zbar
@pytest.mark.parametrize(
    ("kind", "data", "fmt", "text"),
    [
        ("ean13", "400638133393", "ean13", "4006381333931"),
        ("upca", "03600029145", "upca", "036000291452"),
        ("code128", "SHELF-042", "code128", "SHELF-042"),
    ],
)
def test_zbar_alone_reports_the_same_names_and_texts_as_zxing(
    kind: str, data: str, fmt: str, text: str
) -> None:
    symbols = decode(png(linear(kind, data)), engines=("zbar",))
    assert [(s.format, s.text, s.engine) for s in symbols] == [(fmt, text, "zbar")]


@needs_zbar
def test_zbar_positions_are_in_original_pixels_too() -> None:
    code = linear("ean13", "400638133393")
    photo = on_canvas(code, (2600, 1000), (1500, 300))
    [symbol] = decode(png(photo), engines=("zbar",))
    x, y, w, h = symbol.position
    assert x >= 1500 - 8 and x + w <= 1500 + code.width + 8
    assert y >= 300 - 8 and y + h <= 300 + code.height + 8


def test_a_pixel_limit_above_pillows_own_guard_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="MAX_IMAGE_PIXELS"):
        decode(png(linear("ean8", "9638507")), max_pixels=10**12)


def test_an_unknown_engine_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="zbarr"):
        decode(png(linear("ean8", "9638507")), engines=("zbarr",))


# -- refusals ------------------------------------------------------------------------------------------


def rejected(data: bytes, **limits: int) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        decode(data, **limits)
    assert caught.value.message
    return caught.value


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is not a photo",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",  # an iPhone HEIC header
    ],
    ids=["empty", "text", "pdf", "heic"],
)
def test_bytes_that_are_not_a_photo_are_refused_as_not_an_image(data: bytes) -> None:
    assert rejected(data).code == "not_an_image"


def test_a_tiff_is_refused_because_it_is_outside_the_allow_list() -> None:
    out = io.BytesIO()
    linear("ean8", "9638507").save(out, "TIFF")
    error = rejected(out.getvalue())
    assert error.code == "not_an_image"
    assert "JPEG" in error.message


def test_bytes_over_the_limit_are_refused_as_too_large_with_both_sizes() -> None:
    data = png(linear("ean13", "400638133393"))
    error = rejected(data + b"\0" * 2_500_000, max_bytes=1_000_000)
    assert error.code == "too_large"
    assert error.message == "The photo is 2.5 MB; the limit is 1 MB."


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and header declaring width x height, with no pixel data at all."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (30_000, 30_000),  # beyond twice Pillow's own guard: Pillow would raise its own error
        (10_000, 10_000),  # between Pillow's guard and twice it: Pillow would only warn
        (10_000, 6_000),  # under Pillow's guard, over ours
    ],
)
def test_a_pixel_bomb_is_refused_from_its_header_as_too_many_pixels(width: int, height: int) -> None:
    # The file holds no pixel data: had decode tried to allocate and load the pixels,
    # it would have failed as corrupt, not as too_many_pixels.
    data = png_header_only(width, height)
    assert len(data) < 100
    error = rejected(data)
    assert error.code == "too_many_pixels"
    assert "50 megapixels" in error.message


def test_the_pixel_limit_names_the_photo_size() -> None:
    error = rejected(png(Image.new("L", (2000, 1000), 255)), max_pixels=1_000_000)
    assert error.code == "too_many_pixels"
    assert error.message.startswith("The photo is 2000x1000 pixels (2 megapixels); the limit is 1 megapixel.")


@pytest.mark.parametrize("encode", [png, jpeg], ids=["png", "jpeg"])
def test_a_photo_cut_off_in_transit_is_refused_as_corrupt(encode: Callable[[Image.Image], bytes]) -> None:
    data = encode(on_canvas(linear("ean13", "400638133393"), (900, 700), (50, 50)))
    assert rejected(data[: len(data) // 2]).code == "corrupt"


# -- symbologies a store may enable, and the consensus rule at work ------------------------------------

engines = sys.modules["scanner.engines"]
decoder = sys.modules["scanner.decode"]
F = zxingcpp.BarcodeFormat

# (name, zxing format to draw, content, decode's format, decode's text, read by default)
MORE: list[tuple[str, zxingcpp.BarcodeFormat, str, dict, str, str, bool]] = [
    ("databar omni", F.DataBar, "0100614141999996", {}, "databar", "0100614141999996", True),
    ("databar stacked", F.DataBarStk, "0100614141999996", {}, "databar", "0100614141999996", True),
    ("databar limited", F.DataBarLtd, "0100614141999996", {}, "databar", "0100614141999996", True),
    ("databar expanded", F.DataBarExp, "(01)98898765432106(3202)012345(15)991231", {"gs1": True},
     "databar_expanded", "0198898765432106320201234515991231", True),
    ("code 93", F.Code93, "SHELF93", {}, "code93", "SHELF93", False),
    ("codabar", F.Codabar, "A123456B", {}, "codabar", "A123456B", False),
    ("pdf417", F.PDF417, "Lot 42 / pallet 7", {}, "pdf417", "Lot 42 / pallet 7", False),
]


def drawn(fmt: zxingcpp.BarcodeFormat, content: str, **options: object) -> Image.Image:
    created = zxingcpp.create_barcode(content, fmt, **options)
    pixels = memoryview(zxingcpp.write_barcode_to_image(created, scale=4))
    height, width = pixels.shape[:2]
    code = Image.frombytes("L", (width, height), bytes(pixels))
    return on_canvas(code, (width + 80, height + 80), (40, 40))


@pytest.mark.parametrize(("name", "fmt", "content", "options", "out_format", "text", "default"), MORE,
                         ids=[m[0] for m in MORE])
def test_each_symbology_a_store_may_enable_decodes_when_enabled(
    name: str, fmt: zxingcpp.BarcodeFormat, content: str, options: dict, out_format: str, text: str,
    default: bool,
) -> None:
    data = png(drawn(fmt, content, **options))
    assert [(s.format, s.text) for s in decode(data, formats=[out_format])] == [(out_format, text)]
    assert bool(decode(data)) is default
    assert decode(data, formats=["ean13"]) == []


def test_databar_expanded_normalises_to_its_gtin_and_application_identifiers() -> None:
    from scanner import normalise

    data = png(drawn(F.DataBarExp, "(01)09501101530003(17)270131(10)LOT7", gs1=True))
    [symbol] = decode(data)
    code = normalise(symbol.text, symbol.format)
    assert (code.kind, code.gtin14, code.lot) == ("gs1", "09501101530003", "LOT7")
    assert str(code.expiry) == "2027-01-31"


def test_databar_omni_on_produce_normalises_to_its_gtin() -> None:
    from scanner import normalise

    [symbol] = decode(png(drawn(F.DataBar, "0100614141999996")))
    assert normalise(symbol.text, symbol.format).gtin14 == "00614141999996"


def test_an_unknown_format_is_a_programming_error_naming_it() -> None:
    with pytest.raises(ValueError, match="code11"):
        decode(png(linear("ean8", "9638507")), formats=["ean8", "code11"])


def test_the_turned_retries_run_only_on_photos_whose_edges_lie_across() -> None:
    upright = linear("ean13", "400638133393").convert("L")
    assert not decoder._looks_turned(upright)
    assert decoder._looks_turned(upright.rotate(90, expand=True))


def test_a_quarter_turned_box_maps_back_onto_the_original() -> None:
    image = Image.new("L", (300, 200))
    # ROTATE_90 turns counter-clockwise: the original's top-right corner lands top-left.
    assert decoder._unturn((0.0, 0.0, 20.0, 10.0), 1.0, True, image) == (290.0, 0.0, 300.0, 20.0)
    assert decoder._unturn((0.0, 0.0, 30.0, 15.0), 1.5, True, image) == (290.0, 0.0, 300.0, 20.0)


def test_the_best_symbol_comes_first_and_says_how_many_looks_read_it() -> None:
    big = matrix("https://shelfcount.example/i/42", zxingcpp.BarcodeFormat.QRCode)
    small = linear("ean8", "9638507").convert("L").resize((120, 60))
    photo = on_canvas(small, (big.width + 200, big.height + 40), (10, 10))
    photo.paste(big, (180, 20))
    symbols = decode(png(photo))
    assert [s.format for s in symbols][0] == "qrcode"
    assert all(s.looks >= 1 for s in symbols)


def test_a_misread_and_a_read_of_one_spot_give_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Engines that disagree on one spot: the photo reads as nothing rather than as a guess."""
    real = engines.READERS["zxing"]

    def disagreeing(image, options, wanted):
        found = real(image, options, wanted)
        return [engines.Found("ean13", "4006381333948" if i % 2 else f.text, f.box, f.engine)
                for i, f in enumerate(found * 2)]

    monkeypatch.setitem(engines.READERS, "zxing", disagreeing)
    data = png(linear("ean13", "400638133393"))
    assert decode(data, engines=("zxing",)) == []
