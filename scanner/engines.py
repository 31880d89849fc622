"""The two decoding engines behind ``scanner.decode``, each turned into plain reads.

zxing-cpp reads every symbology the store may enable; zbar (pyzbar, optional: it
needs the libzbar0 system library) reads the linear ones and QR codes. Both
report in one vocabulary of symbology names (``SYMBOLOGIES``) and text forms:
UPC-A 12 digits, UPC-E 8, GS1 data with 0x1D separators and no symbology
identifier. Which reads are believed is decided elsewhere (scanner/consensus.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import zxingcpp
from PIL import Image

from scanner.codes import upca_to_upce

__all__ = ["DEFAULT_FORMATS", "ENGINES", "READERS", "SYMBOLOGIES", "Found", "available_engines"]

ENGINES = ("zxing", "zbar")

# Every symbology the decoder can be asked for, by the name it reports, with zxing-cpp's format(s).
# A name reported for GS1 data ("gs1_128", "gs1_datamatrix", "gs1_qrcode") follows its symbology.
_ZX = zxingcpp.BarcodeFormat
SYMBOLOGIES: dict[str, tuple[Any, ...]] = {
    "ean13": (_ZX.EAN13,),
    "ean8": (_ZX.EAN8,),
    "upca": (_ZX.UPCA,),
    "upce": (_ZX.UPCE,),
    "code128": (_ZX.Code128,),
    "code39": (_ZX.Code39,),
    "itf": (_ZX.ITF,),
    "qrcode": (_ZX.QRCode,),
    "datamatrix": (_ZX.DataMatrix,),
    "databar": (_ZX.DataBar, _ZX.DataBarStk, _ZX.DataBarStkOmni, _ZX.DataBarLtd),
    "databar_expanded": (_ZX.DataBarExp, _ZX.DataBarExpStk),
    "code93": (_ZX.Code93,),
    "codabar": (_ZX.Codabar,),
    "pdf417": (_ZX.PDF417,),
}
# What a store reads unless its settings say otherwise: every retail and GS1 symbology.
# Code 93, Codabar and PDF417 are opt-in: no retail product carries them, and each enabled
# linear symbology without a compulsory check character is one more way to misread bars.
DEFAULT_FORMATS = (
    "ean13", "ean8", "upca", "upce", "code128", "code39", "itf", "qrcode", "datamatrix",
    "databar", "databar_expanded",
)
# Symbology identifiers (ISO/IEC 15424) by which zxing tells GS1 data from plain text.
_GS1_IDS = {"]C1": "gs1_128", "]d2": "gs1_datamatrix", "]Q3": "gs1_qrcode"}


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


@dataclass(frozen=True)
class Found:
    format: str
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the pass's image
    engine: str


def _read_zxing(
    image: Image.Image, options: Iterable[tuple[str, Any]], wanted: frozenset[str]
) -> list[Found]:
    formats = [f for name in wanted for f in SYMBOLOGIES[name]]
    if not formats:
        return []
    found = []
    # Plain text mode keeps GS1 data as sent (0x1D separators) rather than "(01)..." for display.
    for result in zxingcpp.read_barcodes(
        image, formats=formats, text_mode=zxingcpp.TextMode.Plain, **dict(options)
    ):
        corners = result.position
        points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
        xs = [p.x for p in points]
        ys = [p.y for p in points]
        name, text = _zxing_name(result)
        found.append(Found(name, text, (min(xs), min(ys), max(xs) + 1, max(ys) + 1), "zxing"))
    return found


_ZXING_NAMES = {
    "Code 128": "code128", "QR Code": "qrcode", "Data Matrix": "datamatrix", "Code 93": "code93",
    "Codabar": "codabar", "PDF417": "pdf417", "DataBar Expanded": "databar_expanded",
    "DataBar Expanded Stacked": "databar_expanded",
}


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
    label = str(fmt)
    if label.startswith("Code 39"):
        return "code39", text
    if label.startswith("ITF"):
        return "itf", text
    if label in _ZXING_NAMES:
        return _ZXING_NAMES[label], text
    if label.startswith("DataBar"):
        return "databar", text
    return label.lower().replace(" ", "").replace("-", ""), text


def _ean_name(text: str) -> tuple[str, str]:
    """An EAN-13 whose first digit is 0 is, bar for bar, a UPC-A: report it as one."""
    if len(text) == 13 and text.startswith("0"):
        return "upca", text[1:]
    if len(text) == 12:
        return "upca", text
    return "ean13", text


_ZBAR_NAMES = {
    "EAN8": "ean8", "UPCE": "upce", "I25": "itf", "CODE39": "code39", "CODE128": "code128",
    "CODE93": "code93", "CODABAR": "codabar", "DATABAR": "databar", "DATABAR_EXP": "databar_expanded",
}
# Our names of the symbologies zbar reads, with zbar's. Enabling UPC-A and UPC-E
# explicitly makes zbar report them in their own forms, not as EAN-13. zbar reads no
# DataMatrix and no PDF417.
_ZBAR_SYMBOLS = {
    "ean13": "EAN13", "ean8": "EAN8", "upca": "UPCA", "upce": "UPCE", "itf": "I25", "code39": "CODE39",
    "code128": "CODE128", "qrcode": "QRCODE", "code93": "CODE93", "codabar": "CODABAR",
    "databar": "DATABAR", "databar_expanded": "DATABAR_EXP",
}
# ITF, Code 39 and Codabar carry no compulsory check character, and zbar reads a fragment
# of some other symbol as a short ITF on a single scan line; genuine reads of these
# symbologies agree across many lines (zbar's "quality").
_ZBAR_UNCHECKED = frozenset({"I25", "CODE39", "CODABAR"})


def _read_zbar(
    image: Image.Image, options: Iterable[tuple[str, Any]], wanted: frozenset[str]
) -> list[Found]:
    pyzbar = _zbar()
    names = sorted({_ZBAR_SYMBOLS[n] for n in wanted if n in _ZBAR_SYMBOLS})
    if pyzbar is None or not names:
        return []
    symbols = [getattr(pyzbar.ZBarSymbol, name) for name in names if hasattr(pyzbar.ZBarSymbol, name)]
    found = []
    for result in pyzbar.decode(image, symbols=symbols):
        text = result.data.decode("utf-8", errors="replace")
        if result.type in ("EAN13", "UPCA"):
            name, text = _ean_name(text)
        else:
            name = _ZBAR_NAMES.get(result.type, result.type.lower())
        if result.type in _ZBAR_UNCHECKED and result.quality < 2:
            continue
        left, top, width, height = result.rect
        found.append(Found(name, text, (left, top, left + width, top + height), "zbar"))
    return found


READERS: dict[str, Callable[[Image.Image, Iterable[tuple[str, Any]], frozenset[str]], list[Found]]] = {
    "zxing": _read_zxing,
    "zbar": _read_zbar,
}


