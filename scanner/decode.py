"""Find the barcodes in a photo sent by a device that could not decode it.

Why it is shaped this way:

* The bytes come from the network, so they are bounded before Pillow decodes
  a single pixel: a byte limit, an allow-list of formats, and a pixel limit
  checked on the header (``scanner/images.py``). Refusals are ``ImageRejected``.
* We decode a grey copy whose longer side is at most 1280 px: barcodes on
  phone photos stay readable at that size, and both engines' time grows with
  the pixel count. JPEGs are shrunk by libjpeg while decoding (``draft``).
* A wrong value is worse than none. Passes (``_PASSES``) look at the photo in
  turn, and every read goes to the consensus rule (``scanner/consensus.py``):
  checksum-valid, one value per spot, and either checked by the decoder
  itself over many lines, or agreed by two independent looks, or alone in
  its spot once the passes have run out. Decoding stops as soon as every spot
  is settled, so a clear photo costs one pass.
* The symbologies are a parameter (``formats``, the store's setting); the
  engines are in ``scanner/engines.py``.
* Positions are reported in the pixel grid of the original image as it is
  displayed, i.e. after its EXIF orientation, so the app can draw a box on
  the photo the user sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageChops, ImageFilter, ImageStat

from scanner.consensus import Choice, Read, settle
from scanner.engines import DEFAULT_FORMATS, ENGINES, READERS, SYMBOLOGIES, available_engines
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
    "DEFAULT_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "ENGINES",
    "SYMBOLOGIES",
    "WORK_SIDE",
    "Symbol",
    "available_engines",
    "check_formats",
    "decode",
]

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
    looks: int = 1  # how many independent looks at the photo read this value


def decode(
    image_bytes: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    engines: Sequence[str] = ENGINES,
    retry: bool = True,
    formats: Iterable[str] | None = None,
) -> list[Symbol]:
    """The barcodes found in ``image_bytes`` that the consensus rule lets through, best first.

    ``engines`` chooses the decoders; an engine that is not installed is
    skipped (see ``available_engines``). ``retry=False`` keeps to one pass per
    engine, which the benchmark uses to show what the retries add. ``formats``
    names the symbologies to look for (keys of ``SYMBOLOGIES``; default
    ``DEFAULT_FORMATS``). Raises ``ImageRejected`` (``not_an_image``,
    ``too_large``, ``too_many_pixels``, ``corrupt``) before any decoding, and
    ``ValueError`` for an unknown engine or format.
    """
    unknown = set(engines) - set(ENGINES)
    if unknown:
        raise ValueError(f"Unknown decoder engine(s) {sorted(unknown)}; choose from {ENGINES}.")
    wanted = check_formats(DEFAULT_FORMATS if formats is None else formats)
    pillow_limit = Image.MAX_IMAGE_PIXELS
    if pillow_limit is not None and max_pixels > pillow_limit:
        # Pillow's guard would refuse first, and our message would name the wrong limit.
        raise ValueError(f"max_pixels={max_pixels} is above Pillow's MAX_IMAGE_PIXELS ({pillow_limit}).")
    work = load_grey(image_bytes, max_bytes=max_bytes, max_pixels=max_pixels)
    usable = [name for name in engines if name in available_engines()]
    passes = [p for p in _PASSES if p.engine in usable and (retry or p.first)]
    if not retry:
        # Without retries the engines' first passes run in the caller's order.
        passes.sort(key=lambda p: usable.index(p.engine))
    passes = [p for p in passes if p.applies(work.image)]
    reads: list[Read] = []
    verdict = settle(reads, final=True)
    turned: bool | None = None
    for step in passes:
        if step.rescue and reads:
            continue
        if step.turn:
            if turned is None:
                turned = _looks_turned(work.image)
            if not turned:
                continue
        image, factor = step.prepare(work.image)
        for found in READERS[step.engine](image, step.options, wanted):
            reads.append(Read(found.format, found.text, _unturn(found.box, factor, step.turn, work.image),
                              step.engine, step.look))
        verdict = settle(reads, final=False)
        if verdict.done:
            break
    else:
        # The passes ran out: a value read once that stands alone in its spot counts too.
        verdict = settle(reads, final=True)
    return [_to_symbol(choice, work) for choice in verdict.choices]


def check_formats(formats: Iterable[str]) -> frozenset[str]:
    """The symbology names given, checked; ValueError names any unknown one."""
    chosen = frozenset(formats)
    unknown = chosen - set(SYMBOLOGIES)
    if unknown:
        raise ValueError(f"Unknown barcode format(s) {sorted(unknown)}; choose from {sorted(SYMBOLOGIES)}.")
    return chosen


# -- passes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pass:
    """One look at the image by one engine; ``prepare`` returns the image and its scale factor.

    ``look`` names what was done to the pixels: two passes of one engine with the same
    look are not independent confirmations of each other (scanner/consensus.py).
    ``turn`` passes run on the image turned 90 degrees, and only when it looks turned.
    ``rescue`` passes look for codes the others missed; they cannot confirm a read (the
    same pixels, or the slowest engine), so they are skipped once anything was read.
    """

    name: str
    engine: str
    look: str = "plain"
    first: bool = False
    scale: float = 1.0
    max_side: int = WORK_SIDE  # only images whose longer side is at most this
    sharpen: bool = False
    blur: float = 0.0
    turn: bool = False
    rescue: bool = False  # runs only when no earlier pass read anything
    options: tuple[tuple[str, Any], ...] = ()

    def applies(self, image: Image.Image) -> bool:
        return max(image.size) <= self.max_side

    def prepare(self, image: Image.Image) -> tuple[Image.Image, float]:
        if self.turn:
            image = image.transpose(Image.Transpose.ROTATE_90)
        if self.sharpen:
            image = image.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=3))
        if self.scale != 1.0:
            size = (round(image.width * self.scale), round(image.height * self.scale))
            image = image.resize(size, Image.Resampling.BICUBIC)
        if self.blur:
            image = image.filter(ImageFilter.GaussianBlur(self.blur))
        return image, self.scale


# The first zxing pass looks for upright, dark-on-light codes only, which halves its
# time. The second, on a lightly blurred copy (JPEG noise, moire), costs about as much
# and is the cheapest independent look: it confirms most first reads, or contradicts a
# misread before it is reported. The rest are rescues, run only while nothing at all
# was read (upscaled and sharpened copies misread more often than they confirm):
# upscaled and sharpened copies help small and soft photos; codes turned 90 degrees or
# printed light-on-dark get zxing's own rotation and inversion; zbar, the slowest
# engine, recovers a different set of damaged linear codes and comes last. Upscaled
# images are already at the size that matters, so zxing's own downscaling is turned
# off for them. Sharpening is kept to VGA-sized photos and smaller to bound what a
# photo without any code costs. Photos whose edges run mostly across (bars lying down)
# also get the upscale and sharpen retries turned a quarter.
_QUICK = (("try_rotate", False), ("try_invert", False))
_QUICK_AT_SIZE = (*_QUICK, ("try_downscale", False))
# Images small enough that 1.5x stays within the working size.
_SMALL = WORK_SIDE * 2 // 3
_VGA = 640
_PASSES: tuple[_Pass, ...] = (
    _Pass("zxing", "zxing", first=True, options=_QUICK),
    _Pass("zbar", "zbar", first=True, rescue=True),
    _Pass("zxing denoised", "zxing", look="blur", blur=1.0, options=_QUICK_AT_SIZE),
    _Pass("zxing x1.5", "zxing", look="x1.5", scale=1.5, max_side=_SMALL, rescue=True,
          options=_QUICK_AT_SIZE),
    _Pass("zxing x1.5 sharpened", "zxing", look="x1.5 sharp", scale=1.5, max_side=_VGA, sharpen=True,
          rescue=True, options=_QUICK_AT_SIZE),
    _Pass("zxing, every orientation and inverted", "zxing", rescue=True),
    _Pass("zxing turned x1.5", "zxing", look="x1.5", scale=1.5, max_side=_SMALL, turn=True, rescue=True,
          options=_QUICK_AT_SIZE),
    _Pass("zxing turned x1.5 sharpened", "zxing", look="x1.5 sharp", scale=1.5, max_side=_VGA, sharpen=True,
          turn=True, rescue=True, options=_QUICK_AT_SIZE),
)
# zbar's first pass runs after every zxing retry (see above); listed second for retry=False.
_PASSES = (*(p for p in _PASSES if p.engine == "zxing"), *(p for p in _PASSES if p.engine == "zbar"))


def _looks_turned(image: Image.Image) -> bool:
    """True when the photo's edges run more across than along: bars lying on their side.

    Measured on a small copy (a few hundred microseconds): the mean brightness change
    between neighbouring pixels down the image against that across it.
    """
    small = image.reduce(max(1, max(image.size) // 200))
    across = ImageChops.difference(small.crop((1, 0, small.width, small.height)),
                                   small.crop((0, 0, small.width - 1, small.height)))
    down = ImageChops.difference(small.crop((0, 1, small.width, small.height)),
                                 small.crop((0, 0, small.width, small.height - 1)))
    return ImageStat.Stat(down).mean[0] > ImageStat.Stat(across).mean[0]


def _unturn(box: tuple[float, float, float, float], factor: float, turned: bool,
            image: Image.Image) -> tuple[float, float, float, float]:
    """A pass's box in the working image's pixels (undoing its scale and its quarter turn)."""
    x0, y0, x1, y1 = (v / factor for v in box)
    if not turned:
        return (x0, y0, x1, y1)
    # ROTATE_90 turns counter-clockwise: (x, y) in the turned image is (W - y, x) in the original.
    width = image.width
    return (width - y1, x0, width - y0, x1)


def _to_symbol(choice: Choice, work: WorkImage) -> Symbol:
    sx = work.width / work.image.width
    sy = work.height / work.image.height
    x0, y0, x1, y1 = choice.box
    left = min(max(0, round(x0 * sx)), work.width)
    top = min(max(0, round(y0 * sy)), work.height)
    right = min(max(left, round(x1 * sx)), work.width)
    bottom = min(max(top, round(y1 * sy)), work.height)
    best = choice.best
    return Symbol(best.format, best.text, (left, top, right - left, bottom - top), best.engine, choice.looks)
