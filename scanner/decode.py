"""Find the retail barcodes in a photo sent by a device that could not decode it.

Why it is shaped this way:

* The bytes come from the network, so they are bounded before Pillow decodes
  a single pixel: a byte limit, an allow-list of formats, and a pixel limit
  checked on the header (``scanner/images.py``). Refusals are ``ImageRejected``.
* We decode a grey copy whose longer side is at most 1280 px: barcodes on
  phone photos stay readable at that size, and both engines' time grows with
  the pixel count. JPEGs are shrunk by libjpeg while decoding (``draft``),
  which costs a fraction of a full-size decode and its memory.
* zxing-cpp goes first: on the team's labelled photos it reads more codes
  than zbar, faster, and it reads DataMatrix, which zbar cannot. zbar runs
  only when zxing found nothing; it recovers a different set of damaged
  linear codes. pyzbar is optional (it needs the libzbar0 system library).
* When both find nothing, a few more zxing passes look at the image the way
  a person would squint: turned and inverted, bigger (thin bars on small
  photos fall below the binariser's resolution), bigger and sharpened (soft
  focus), and lightly blurred (JPEG noise, moire). They run only on images that found nothing,
  so a readable photo costs one pass. The passes were chosen for what they
  do to whole classes of photos, not for single files; see bench/decode.py.
* Positions are reported in the pixel grid of the original image as it is
  displayed, i.e. after its EXIF orientation, so the app can draw a box on
  the photo the user sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import zxingcpp
from PIL import Image, ImageFilter

from scanner.codes import upca_to_upce
from scanner.images import (
    ACCEPTED_FORMATS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    WORK_SIDE,
    WorkImage,
    load_grey,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "ENGINES",
    "WORK_SIDE",
    "Symbol",
    "available_engines",
    "decode",
]

ENGINES = ("zxing", "zbar")

_RETAIL_FORMATS = (
    zxingcpp.BarcodeFormat.EAN13,
    zxingcpp.BarcodeFormat.EAN8,
    zxingcpp.BarcodeFormat.UPCA,
    zxingcpp.BarcodeFormat.UPCE,
    zxingcpp.BarcodeFormat.Code128,
    zxingcpp.BarcodeFormat.Code39,
    zxingcpp.BarcodeFormat.ITF,
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.DataMatrix,
)
# Symbology identifiers (ISO/IEC 15424) by which zxing tells GS1 data from plain text.
_GS1_IDS = {"]C1": "gs1_128", "]d2": "gs1_datamatrix", "]Q3": "gs1_qrcode"}
@dataclass(frozen=True)
class Symbol:
    """One barcode found in a photo.

    ``format`` is a stable lowercase name ("ean13", "upca", "upce", "ean8",
    "code128", "gs1_128", "code39", "itf", "qrcode", "gs1_qrcode",
    "datamatrix", "gs1_datamatrix"); ``text`` is the content in the
    symbology's own printed form (UPC-A 12 digits, UPC-E 8, GS1 data with
    0x1D separators and no symbology identifier); ``position`` is
    (x, y, width, height) in the original image's pixels; ``engine`` says
    which decoder read it ("zxing" or "zbar"), for the benchmark and for bug reports.
    """

    format: str
    text: str
    position: tuple[int, int, int, int]
    engine: str


@cache
def _zbar() -> Any | None:
    """pyzbar's module if libzbar can be loaded, else None (probed once, on first use)."""
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError):
        return None
    return pyzbar


def available_engines() -> tuple[str, ...]:
    """The decoders this process can use; the app warns at start-up when "zbar" is missing."""
    return ("zxing", "zbar") if _zbar() is not None else ("zxing",)


def decode(
    image_bytes: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    engines: Sequence[str] = ENGINES,
    retry: bool = True,
) -> list[Symbol]:
    """Every retail barcode found in ``image_bytes``; an empty list when none is.

    ``engines`` chooses and orders the decoders; an engine that is not
    installed is skipped (see ``available_engines``). ``retry=False`` keeps to
    one pass per engine, which the benchmark uses to show what the retries add.
    Raises ``ImageRejected`` (``not_an_image``, ``too_large``,
    ``too_many_pixels``, ``corrupt``) before any decoding.
    """
    unknown = set(engines) - set(ENGINES)
    if unknown:
        raise ValueError(f"Unknown decoder engine(s) {sorted(unknown)}; choose from {ENGINES}.")
    pillow_limit = Image.MAX_IMAGE_PIXELS
    if pillow_limit is not None and max_pixels > pillow_limit:
        # Pillow's guard would refuse first, and our message would name the wrong limit.
        raise ValueError(f"max_pixels={max_pixels} is above Pillow's MAX_IMAGE_PIXELS ({pillow_limit}).")
    work = load_grey(image_bytes, max_bytes=max_bytes, max_pixels=max_pixels)
    usable = [name for name in engines if name in available_engines()]
    passes = [p for p in _PASSES if p.engine in usable and (retry or p.first)]
    # The first pass of each engine runs in the caller's order; retries follow.
    passes.sort(key=lambda p: (not p.first, usable.index(p.engine) if p.first else 0))
    for step in passes:
        if not step.applies(work.image):
            continue
        image, factor = step.prepare(work.image)
        found = _READERS[step.engine](image, step.options)
        if found:
            return _to_symbols(found, factor, work)
    return []


# -- passes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pass:
    """One look at the image by one engine; ``prepare`` returns the image and its scale factor."""

    name: str
    engine: str
    first: bool = False
    scale: float = 1.0
    max_side: int = WORK_SIDE  # only images whose longer side is at most this
    sharpen: bool = False
    blur: float = 0.0
    options: tuple[tuple[str, Any], ...] = ()

    def applies(self, image: Image.Image) -> bool:
        return max(image.size) <= self.max_side

    def prepare(self, image: Image.Image) -> tuple[Image.Image, float]:
        if self.sharpen:
            image = image.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=3))
        if self.scale != 1.0:
            size = (round(image.width * self.scale), round(image.height * self.scale))
            image = image.resize(size, Image.Resampling.BICUBIC)
        if self.blur:
            image = image.filter(ImageFilter.GaussianBlur(self.blur))
        return image, self.scale


# The first zxing pass looks for upright, dark-on-light codes only, which halves its
# time; codes turned 90 degrees or printed light-on-dark (in our tests zxing-cpp's
# inversion rescues 2D codes, not linear ones) get a pass of their own when nothing
# was found. Upscaled images are already at the size that matters, so zxing's own
# downscaling is turned off for them. Sharpening is kept to VGA-sized photos and
# smaller to bound what a photo without any code costs.
_QUICK = (("try_rotate", False), ("try_invert", False))
_QUICK_AT_SIZE = (*_QUICK, ("try_downscale", False))
# Images small enough that 1.5x stays within the working size.
_SMALL = WORK_SIDE * 2 // 3
_VGA = 640
_PASSES: tuple[_Pass, ...] = (
    _Pass("zxing", "zxing", first=True, options=_QUICK),
    _Pass("zbar", "zbar", first=True),
    _Pass("zxing, every orientation and inverted", "zxing"),
    _Pass("zxing x1.5", "zxing", scale=1.5, max_side=_SMALL, options=_QUICK_AT_SIZE),
    _Pass("zxing x1.5 sharpened", "zxing", scale=1.5, max_side=_VGA, sharpen=True, options=_QUICK_AT_SIZE),
    _Pass("zxing denoised", "zxing", blur=1.0, options=_QUICK_AT_SIZE),
)


@dataclass(frozen=True)
class _Found:
    format: str
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the pass's image
    engine: str


def _read_zxing(image: Image.Image, options: Iterable[tuple[str, Any]]) -> list[_Found]:
    found = []
    # Plain text mode keeps GS1 data as sent (0x1D separators) rather than "(01)..." for display.
    for result in zxingcpp.read_barcodes(
        image, formats=_RETAIL_FORMATS, text_mode=zxingcpp.TextMode.Plain, **dict(options)
    ):
        corners = result.position
        points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
        xs = [p.x for p in points]
        ys = [p.y for p in points]
        name, text = _zxing_name(result)
        found.append(_Found(name, text, (min(xs), min(ys), max(xs) + 1, max(ys) + 1), "zxing"))
    return found


def _zxing_name(result: Any) -> tuple[str, str]:
    fmt = result.format
    text = result.text
    if result.symbology_identifier in _GS1_IDS:
        return _GS1_IDS[result.symbology_identifier], text
    if fmt in (zxingcpp.BarcodeFormat.EAN13, zxingcpp.BarcodeFormat.UPCA):
        return _ean_name(text)
    if fmt == zxingcpp.BarcodeFormat.UPCE:
        # zxing reports the expansion; the label and the dataset show the 8-digit UPC-E.
        upce = upca_to_upce(text[-12:]) if len(text) >= 12 else None
        return "upce", upce or text
    if fmt == zxingcpp.BarcodeFormat.EAN8:
        return "ean8", text
    names = {"Code 128": "code128", "ITF": "itf", "QR Code": "qrcode", "Data Matrix": "datamatrix"}
    label = str(fmt)
    if label.startswith("Code 39"):
        return "code39", text
    if label.startswith("ITF"):
        return "itf", text
    return names.get(label, label.lower().replace(" ", "").replace("-", "")), text


def _ean_name(text: str) -> tuple[str, str]:
    """An EAN-13 whose first digit is 0 is, bar for bar, a UPC-A: report it as one."""
    if len(text) == 13 and text.startswith("0"):
        return "upca", text[1:]
    if len(text) == 12:
        return "upca", text
    return "ean13", text


_ZBAR_NAMES = {"EAN8": "ean8", "UPCE": "upce", "I25": "itf", "CODE39": "code39", "CODE128": "code128"}


def _read_zbar(image: Image.Image, options: Iterable[tuple[str, Any]]) -> list[_Found]:
    pyzbar = _zbar()
    if pyzbar is None:
        return []
    wanted = [getattr(pyzbar.ZBarSymbol, name) for name in _ZBAR_SYMBOLS]
    found = []
    for result in pyzbar.decode(image, symbols=wanted):
        text = result.data.decode("utf-8", errors="replace")
        if result.type in ("EAN13", "UPCA"):
            name, text = _ean_name(text)
        else:
            name = _ZBAR_NAMES.get(result.type, result.type.lower())
        if result.type in _ZBAR_UNCHECKED and result.quality < 2:
            continue
        left, top, width, height = result.rect
        found.append(_Found(name, text, (left, top, left + width, top + height), "zbar"))
    return found


# Enabling UPC-A and UPC-E explicitly makes zbar report them in their own forms,
# not as EAN-13. zbar reads no DataMatrix.
_ZBAR_SYMBOLS = ("EAN13", "EAN8", "UPCA", "UPCE", "I25", "CODE39", "CODE128", "QRCODE")

# ITF and Code 39 carry no compulsory check character, and zbar reads a fragment
# of some other symbol as a short ITF on a single scan line; genuine reads of these
# symbologies agree across many lines (zbar's "quality").
_ZBAR_UNCHECKED = frozenset({"I25", "CODE39"})

_READERS: dict[str, Callable[[Image.Image, Iterable[tuple[str, Any]]], list[_Found]]] = {
    "zxing": _read_zxing,
    "zbar": _read_zbar,
}


def _to_symbols(found: list[_Found], factor: float, work: WorkImage) -> list[Symbol]:
    sx = work.width / work.image.width / factor
    sy = work.height / work.image.height / factor
    symbols: dict[tuple[str, str], Symbol] = {}
    for item in found:
        x0, y0, x1, y1 = item.box
        left = min(max(0, round(x0 * sx)), work.width)
        top = min(max(0, round(y0 * sy)), work.height)
        right = min(max(left, round(x1 * sx)), work.width)
        bottom = min(max(top, round(y1 * sy)), work.height)
        key = (item.format, item.text)
        if key not in symbols:
            symbols[key] = Symbol(
                item.format, item.text, (left, top, right - left, bottom - top), item.engine
            )
    return list(symbols.values())
