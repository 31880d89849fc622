"""Re-encode an uploaded photo: Pillow only, no Flask, no storage.

A phone photo carries EXIF with the GPS position of the store room, the phone's model
and serial-like fields; none of that is ours to keep. Decoding and re-encoding the pixels
(rather than deleting tags) is the only way to be sure nothing rides along: XMP, MakerNote
and thumbnails hide in places a tag stripper misses. Orientation is applied to the pixels
first, so the photo still stands upright without its EXIF.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from webapp.errors import DomainError, TooLarge

# MPO (multi-picture JPEG from some phones) is opened by the JPEG plugin.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
MAX_SIDE = 1600  # enough to read a label and see a dent; a 12 MP photo is 10 times that
QUALITY = {"JPEG": 82, "WEBP": 80}
CONTENT_TYPES = {"JPEG": "image/jpeg", "WEBP": "image/webp"}
# warnings.catch_warnings is process-wide state; two uploads at once must not race on it.
_OPEN_LOCK = threading.Lock()


@dataclass(frozen=True)
class Processed:
    data: bytes
    content_type: str
    width: int
    height: int


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _open(data: bytes, max_pixels: int) -> Image.Image:
    # Registers every plugin (WebP among them); the lazy preinit knows only the commonest few.
    Image.init()
    with _OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise DomainError("too_many_pixels", "The photo has far too many pixels.", "photo") from None
        except UnidentifiedImageError:
            raise DomainError(
                "not_an_image", "This file is not a photo we can read; send a JPEG, PNG or WebP.", "photo"
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise DomainError("corrupt", "The photo's header is damaged; take it again.", "photo") from None
    width, height = image.size
    if width * height > max_pixels:
        raise DomainError(
            "too_many_pixels",
            f"The photo is {width}x{height} pixels; the limit is {max_pixels / 1_000_000:.0f} megapixels.",
            "photo",
        )
    return image


def reencode(data: bytes, *, max_bytes: int, max_pixels: int, max_side: int = MAX_SIDE,
             fmt: str = "JPEG") -> Processed:
    """Check the limits from the header before decoding a pixel, then downscale and re-encode."""
    if len(data) > max_bytes:
        raise TooLarge("too_large", f"The photo is {_mb(len(data))}; the limit is {_mb(max_bytes)}.", "photo")
    if not data:
        raise DomainError("empty", "The photo is empty; take it again.", "photo")
    image = _open(data, max_pixels)
    if image.format in ("JPEG", "MPO"):
        # libjpeg can decode at 1/2, 1/4, 1/8 scale: a 12 MP photo never fills memory.
        image.draft("RGB", (max_side, max_side))
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise DomainError(
            "corrupt", "The photo could not be read to the end; take it again.", "photo"
        ) from None
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, icc_profile= or xmp= arguments: the new file carries the pixels and nothing else.
    image.save(out, fmt, quality=QUALITY[fmt], optimize=fmt == "JPEG")
    return Processed(out.getvalue(), CONTENT_TYPES[fmt], image.width, image.height)
