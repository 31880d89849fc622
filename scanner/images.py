"""A photo from the network, read safely into the grey working image the decoder looks at.

The bytes are bounded before Pillow decodes a pixel: a byte limit, an allow-list of formats,
and a pixel limit checked on the header (``_open``). Refusals are ``ImageRejected``. The
working image is grey, upright (EXIF orientation applied) and at most ``WORK_SIDE`` on its
longer side; JPEGs are shrunk by libjpeg while decoding (``draft``).
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image, UnidentifiedImageError

from scanner.errors import Corrupt, NotAnImage, TooLarge, TooManyPixels

# 10 MB covers a full-resolution JPEG from any current phone camera.
DEFAULT_MAX_BYTES = 10_000_000
# 50 megapixels covers 48 MP phone sensors; JPEGs that big are decoded at 1/4 or
# 1/8 scale by ``draft``, so the limit bounds PNG/WebP memory (about 4 bytes a pixel).
DEFAULT_MAX_PIXELS = 50_000_000
WORK_SIDE = 1280
# What phone cameras, browsers' canvas.toBlob and label printers' screenshots
# produce (Pillow's JPEG reader also opens the multi-picture "MPO" JPEGs of some phones).
# TIFF is left out on purpose: no device of ours produces it, and its many
# codecs are the largest attack surface among Pillow's readers. HEIC is not
# readable by Pillow without a plugin; the message tells people what to send.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")

# Pillow's header check and our own both run on the header only; the lock makes
# the temporary warnings filter below safe between our own threads.
_OPEN_LOCK = threading.Lock()


@dataclass(frozen=True)
class WorkImage:
    image: Image.Image  # grey, upright, longer side <= WORK_SIDE
    width: int  # of the original, as displayed
    height: int


def load_grey(data: bytes, *, max_bytes: int, max_pixels: int) -> WorkImage:
    if len(data) > max_bytes:
        raise TooLarge(f"The photo is {_megabytes(len(data))}; the limit is {_megabytes(max_bytes)}.")
    image = _open(data, max_pixels)
    width, height = image.size
    if image.format in ("JPEG", "MPO"):
        # Ask libjpeg for the smallest 1/2, 1/4 or 1/8 scale still >= the working size.
        ratio = min(1.0, WORK_SIDE / max(width, height))
        image.draft("L", (max(1, round(width * ratio)), max(1, round(height * ratio))))
    try:
        image.load()
        # After load: Pillow's PNG reader loads the whole image to find an eXIf chunk.
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise Corrupt(
            "The photo could not be read to the end (it may have been cut off while uploading). "
            "Please take or send it again."
        ) from exc
    grey = _to_grey(image)
    if max(grey.size) > WORK_SIDE:
        ratio = WORK_SIDE / max(grey.size)
        size = (max(1, round(grey.width * ratio)), max(1, round(grey.height * ratio)))
        grey = grey.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    transpose = _EXIF_TRANSPOSE.get(orientation)
    if transpose is not None:
        grey = grey.transpose(transpose)
        if orientation >= 5:
            width, height = height, width
    return WorkImage(grey, width, height)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Identify the image and check its size from the header, before any pixel is decoded.

    Pillow has its own guard (``Image.MAX_IMAGE_PIXELS``): above it Pillow
    warns, above twice it raises. We do not change that process-wide setting;
    we turn its warning into an exception for the duration of the header read
    so that a bomb always ends as our ``too_many_pixels``, never as a warning
    in the log followed by a refusal.
    """
    limit = f"the limit is {_megapixels(max_pixels)}"
    with _OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise TooManyPixels(f"The photo has far too many pixels; {limit}.") from exc
        except UnidentifiedImageError as exc:
            raise NotAnImage(
                "This file is not a photo we can read. Send a JPEG, PNG, WebP, GIF or BMP "
                "(on an iPhone, choose Settings > Camera > Formats > Most Compatible)."
            ) from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise Corrupt("The photo's header is damaged. Please take or send it again.") from exc
    width, height = image.size
    if width * height > max_pixels:
        raise TooManyPixels(
            f"The photo is {width}x{height} pixels ({_megapixels(width * height)}); {limit}. "
            "Take it at a lower resolution or crop it to the label."
        )
    return image


def _to_grey(image: Image.Image) -> Image.Image:
    """Grey, with transparent areas read as white paper, not black."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        image = paper
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit greys: keep the high byte rather than clipping everything to white.
        return image.convert("I").point(lambda v: v / 256).convert("L")
    return image.convert("L")


_EXIF_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _megabytes(size: int) -> str:
    return f"{round(size / 1_000_000, 1):g} MB"


def _megapixels(pixels: int) -> str:
    amount = round(pixels / 1_000_000, 1)
    return f"{amount:g} megapixel" + ("" if amount == 1 else "s")
