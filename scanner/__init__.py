"""Barcode decoding and code normalisation for Shelfcount: plain functions over plain values.

Nothing here imports Flask or touches a database, so it is tested and
benchmarked on its own (tests/unit/scanner, bench/decode.py).
"""

from scanner.codes import (
    GS1Data,
    InvalidCode,
    NormalisedCode,
    gtin_check_digit,
    is_valid_gtin,
    normalise,
    parse_gs1,
    to_gtin14,
    upca_to_upce,
    upce_to_upca,
)
from scanner.decode import (
    ACCEPTED_FORMATS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    Symbol,
    available_engines,
    decode,
)
from scanner.errors import Corrupt, ImageRejected, NotAnImage, TooLarge, TooManyPixels

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "Corrupt",
    "GS1Data",
    "ImageRejected",
    "InvalidCode",
    "NormalisedCode",
    "NotAnImage",
    "Symbol",
    "TooLarge",
    "TooManyPixels",
    "available_engines",
    "decode",
    "gtin_check_digit",
    "is_valid_gtin",
    "normalise",
    "parse_gs1",
    "to_gtin14",
    "upca_to_upce",
    "upce_to_upca",
]
