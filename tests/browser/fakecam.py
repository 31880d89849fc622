"""Clips for Chromium's fake camera: barcodes rendered by python-barcode, written as Y4M.

Y4M (uncompressed 4:2:0) because Chromium plays it back exactly; frames are 640x480 and the
barcode's module width is a whole number of pixels so every bar edge is crisp.
"""

from __future__ import annotations

import io
from pathlib import Path

import barcode
from barcode.writer import ImageWriter
from PIL import Image

SIZE = (640, 480)
# Pillow's YCbCr is full range; cameras deliver BT.601 video range, which Chromium expects.
_LUMA = [16 + round(v * 219 / 255) for v in range(256)]
_CHROMA = [128 + round((v - 128) * 224 / 255) for v in range(256)]


def ean13(first12: str) -> tuple[Image.Image, str]:
    """The EAN-13 for 12 digits (python-barcode adds the check digit) and its full code."""
    symbol = barcode.get("ean13", first12, writer=ImageWriter())
    buf = io.BytesIO()
    symbol.write(buf, options={"module_width": 0.3, "module_height": 15.0, "dpi": 254,
                               "quiet_zone": 6.0, "font_size": 10, "text_distance": 4.0})
    buf.seek(0)
    return Image.open(buf).convert("RGB"), symbol.get_fullcode()


def frame(img: Image.Image | None = None) -> Image.Image:
    """A white frame with ``img`` centred (shrunk to fit), or a blank one."""
    out = Image.new("RGB", SIZE, "white")
    if img is not None:
        img = img.copy()
        img.thumbnail((int(SIZE[0] * 0.9), int(SIZE[1] * 0.9)), Image.LANCZOS)
        out.paste(img, ((SIZE[0] - img.width) // 2, (SIZE[1] - img.height) // 2))
    return out


def write_y4m(path: Path, frames: list[Image.Image], fps: int = 30) -> None:
    """YUV4MPEG2, 4:2:0 planar: a header line, then per frame "FRAME\\n" + Y, Cb, Cr planes."""
    width, height = SIZE
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        half = (width // 2, height // 2)
        for img in frames:
            y, cb, cr = img.convert("RGB").convert("YCbCr").split()
            out.write(b"FRAME\n")
            out.write(y.point(_LUMA).tobytes())
            out.write(cb.resize(half, Image.BOX).point(_CHROMA).tobytes())
            out.write(cr.resize(half, Image.BOX).point(_CHROMA).tobytes())
    # Chromium reopens the file at each capture start; never let it see half a file.
    tmp.replace(path)


def blinking_clip(path: Path, img: Image.Image, *, on: int = 30, off: int = 60, fps: int = 30) -> None:
    """The barcode for ``on`` frames, then a blank for ``off``: each appearance is a new scan."""
    shown, blank = frame(img), frame()
    write_y4m(path, [shown] * on + [blank] * off, fps)
