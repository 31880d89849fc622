"""Turn any scanned string into the one key the catalogue is indexed by.

A product reaches us as UPC-A from a US label, as EAN-13 from a European one,
as a 13-digit "0" + UPC-A from zbar, as UPC-E on a small can, as ITF-14 on the
case it was shipped in, or inside a GS1-128 / GS1 DataMatrix string together
with a lot and an expiry date. All of these name the same GTIN, so we store and
look up one canonical form: the 14-digit GTIN-14, zero-padded on the left
(the GS1 General Specifications call this right-justified in 14 digits). Decisions taken here:

* A 12-digit string with a valid check digit is a UPC-A, and an EAN-13 that
  starts with "0" is that same UPC-A (the symbols are identical; EAN-13
  readers such as zbar merely report the leading 0). All give one GTIN-14.
* 8 digits are ambiguous: EAN-8 or UPC-E. With a ``format`` hint we follow it.
  Without one, a string starting with 0 whose UPC-E check digit holds is a
  UPC-E: EAN-8 prefixes 0xx are restricted-circulation numbers a company
  issues for itself, while UPC-E with number system 0 is on ordinary US small
  packs. A string starting with 1 is an EAN-8 when its EAN-8 check digit holds
  (GS1 US issues EAN-8 prefixes 100-139; UPC-E number system 1 is rare), else
  a UPC-E if that check digit holds.
* 6- and 7-digit UPC-E forms (number system and/or check digit left off by a
  keyboard-wedge scanner's settings) are expanded only when ``format="upce"``
  says so: six bare digits are far more often a store SKU (see Code 39 labels).
* GS1 element strings are parsed by ``biip`` (maintained tables of the
  Application Identifiers, day-00 expiry handling, FNC1 separators, the
  parenthesised human-readable form). We only pick out the few AIs stock
  keeping needs. UPC-E expansion is written here rather than taken from biip
  because biip reads every 7-digit string as number system + data, where we
  call it ambiguous when it also reads as data + check digit, and because the
  API needs our error codes. A test checks our expansion against biip's.
* A GS1-128 label typed by a keyboard-wedge scanner may arrive as bare
  characters, with no symbology identifier, FNC1 or brackets:
  "0109501101530003" + "3712". Digits like these could be any long number, so
  we read them as GS1 only when there is no doubt: the string is longer than
  14, starts with (01) or (02) whose GTIN check digit holds, parses to its end,
  and every element but the last has a fixed length (with no separator left, a
  variable-length (37) or (10) in the middle would swallow what follows it).
  Anything else stays "other", matched as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from biip import EncodeError, ParseError
from biip.gs1_messages import GS1Message
from biip.upc import Upc

__all__ = [
    "GS1Data",
    "InvalidCode",
    "NormalisedCode",
    "gtin_check_digit",
    "is_bare_gs1",
    "is_valid_gtin",
    "normalise",
    "parse_gs1",
    "to_gtin14",
    "upca_to_upce",
    "upce_to_upca",
]

ErrorCode = Literal[
    "not_numeric", "bad_length", "bad_check_digit", "bad_number_system", "ambiguous", "not_gs1", "bad_gs1"
]

GTIN_LENGTHS = (8, 12, 13, 14)
# Symbology identifiers (ISO/IEC 15424) that announce GS1 data: GS1-128, GS1 DataBar,
# GS1 DataMatrix, GS1 QR Code, GS1 Composite... Others (]C0, ]d1, ]Q1) announce plain text.
GS1_SYMBOLOGY_IDS = frozenset({"]C1", "]e0", "]e1", "]e2", "]d2", "]Q3", "]J1"})
_SYMBOLOGY_ID = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_GS = "\x1d"
# str.strip() would also remove the GS separator (Python counts it as whitespace).
_SPACE = " \t\r\n\v\f"
# The formats whose content is, by the symbology's own definition, a GTIN.
_GTIN_FORMATS = frozenset({"ean13", "ean8", "upca", "upce", "itf"})
# GS1 DataBar carries GS1 element strings only: (01) and, in Expanded, any other AIs.
_GS1_FORMATS = frozenset({"gs1_128", "gs1_datamatrix", "gs1_qrcode", "databar", "databar_expanded"})


class InvalidCode(ValueError):
    """A scanned or typed code that cannot be a GTIN; ``code`` says why, for the API error."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message


@dataclass(frozen=True)
class GS1Data:
    """The parts of a GS1 element string that stock keeping uses.

    ``gtin`` is (01), or (02) when the string describes the contents of a
    logistic unit; ``count`` is (37), the number of trade items in it, which
    receiving multiplies by. ``expiry`` is (17) and ``best_before`` (15):
    shelf checks treat them differently (one is a safety date, one a quality date).
    """

    gtin: str | None
    lot: str | None
    expiry: date | None
    count: int | None
    raw: str
    best_before: date | None = None


@dataclass(frozen=True)
class NormalisedCode:
    """What the app needs from any scanned string.

    ``kind`` is "gtin" for a bare GTIN (gtin14 set), "gs1" for a GS1 element
    string (gtin14 set when it carries (01) or (02)), "other" for anything
    else (store SKUs in Code 39, URLs in QR codes), matched by ``raw``.
    """

    kind: Literal["gtin", "gs1", "other"]
    gtin14: str | None
    raw: str
    pack_hint: int | None = None
    lot: str | None = None
    expiry: date | None = None


def gtin_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for ``body`` (a GTIN without its last digit).

    Weights 3,1,3,... run from the rightmost body digit, so the same digit
    comes out whatever zero-padding is put on the left: that is what lets
    UPC-A, EAN-13 and GTIN-14 forms of one product share a check digit.
    """
    if not body.isdigit() or not body.isascii():
        raise InvalidCode("not_numeric", f"A GTIN has only digits; got {body!r}.")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str(-total % 10)


def is_valid_gtin(text: str) -> bool:
    """True for an 8, 12, 13 or 14 digit string whose check digit holds.

    UPC-E is not a GTIN but a compressed spelling of one; use ``to_gtin14``.
    """
    return (
        text.isascii()
        and text.isdigit()
        and len(text) in GTIN_LENGTHS
        and gtin_check_digit(text[:-1]) == text[-1]
    )


def upce_to_upca(text: str) -> str:
    """Expand a UPC-E (6, 7 or 8 digits) to its 12-digit UPC-A.

    8 digits are number system, six data digits, check digit. 6 digits are the
    data digits alone (number system 0, check computed). 7 digits could be
    either the number system plus data or the data plus check; we accept it
    only when exactly one reading is possible, and raise ``ambiguous`` otherwise.
    """
    _require_digits(text)
    if len(text) == 8:
        if text[0] not in "01":
            raise InvalidCode("bad_number_system", f"UPC-E {text} must start with 0 or 1.")
        upca = _expand_upce(text[0], text[1:7])
        if upca[-1] != text[-1]:
            raise InvalidCode(
                "bad_check_digit",
                f"The check digit of UPC-E {text} should be {upca[-1]}; re-scan or retype it.",
            )
        return upca
    if len(text) == 6:
        return _expand_upce("0", text)
    if len(text) == 7:
        readings = set()
        if text[0] in "01":
            readings.add(_expand_upce(text[0], text[1:]))
        with_check = _expand_upce("0", text[:6])
        if with_check[-1] == text[-1]:
            readings.add(with_check)
        if len(readings) == 1:
            return readings.pop()
        if not readings:
            raise InvalidCode("bad_check_digit", f"{text} is not a UPC-E with or without its number system.")
        raise InvalidCode(
            "ambiguous", f"{text} could be two different UPC-E codes; scan the full 8-digit code instead."
        )
    raise InvalidCode("bad_length", f"A UPC-E has 6, 7 or 8 digits; {text} has {len(text)}.")


def upca_to_upce(upca: str) -> str | None:
    """The 8-digit UPC-E spelling of a 12-digit UPC-A, or None if it has none.

    Used to report a UPC-E symbol in its printed form when a decoder only
    gives the expansion.
    """
    try:
        return Upc.parse(upca).as_upc_e()
    except (ParseError, EncodeError):
        return None


def to_gtin14(text: str, *, format: str | None = None) -> str:
    """Canonical 14-digit GTIN for a UPC-A, UPC-E, EAN-8, EAN-13, ITF-14 or GTIN-14.

    ``format`` (a ``Symbol.format`` name) settles the 8-digit EAN-8/UPC-E
    ambiguity and enables the short UPC-E forms; see the module docstring.
    Raises ``InvalidCode`` with ``not_numeric``, ``bad_length``,
    ``bad_check_digit`` or, for UPC-E, ``bad_number_system`` / ``ambiguous``.
    """
    text = text.strip(_SPACE)
    _require_digits(text)
    if format == "upce":
        return upce_to_upca(text).zfill(14)
    if len(text) == 8 and format != "ean8":
        as_upce = _valid_upce_expansion(text)
        if as_upce is not None and (text[0] == "0" or not is_valid_gtin(text)):
            return as_upce.zfill(14)
    if len(text) not in GTIN_LENGTHS:
        raise InvalidCode(
            "bad_length", f"A GTIN has 8, 12, 13 or 14 digits (UPC-E 8); {text} has {len(text)}."
        )
    expected = gtin_check_digit(text[:-1])
    if text[-1] != expected:
        raise InvalidCode(
            "bad_check_digit",
            f"The check digit of {text} should be {expected}; the code was mis-scanned or mistyped.",
        )
    return text.zfill(14)


def parse_gs1(text: str) -> GS1Data:
    """Parse a GS1 element string: FNC1/GS separated, with or without a
    symbology identifier (]C1, ]d2, ]Q3, ...), or the printed "(01)...(17)..." form.

    Raises ``InvalidCode("not_gs1")`` when the identifier announces plain data
    and ``InvalidCode("bad_gs1")`` when biip cannot parse it (unknown AI, a
    date such as month 13) or the GTIN in it fails its check digit.
    """
    raw = text.strip(_SPACE)
    body = raw
    match = _SYMBOLOGY_ID.match(body)
    if match:
        if match.group(0) not in GS1_SYMBOLOGY_IDS:
            raise InvalidCode("not_gs1", f"Symbology identifier {match.group(0)} does not announce GS1 data.")
        body = body[match.end() :]
    # Some readers send the leading FNC1 as a GS character; it carries no data.
    body = body.lstrip(_GS)
    try:
        message = GS1Message.parse_hri(body) if body.startswith("(") else GS1Message.parse(body)
    except ParseError as exc:
        raise InvalidCode("bad_gs1", f"This is not a readable GS1 code: {exc}") from exc
    values: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for element in message.element_strings:
        if element.gtin_error:
            raise InvalidCode("bad_check_digit", f"The GTIN in ({element.ai.ai}) {element.value} is invalid.")
        values.setdefault(element.ai.ai, element.value)
        dates.setdefault(element.ai.ai, element.date)
    gtin = values.get("01") or values.get("02")
    count = values.get("37")
    return GS1Data(
        gtin=gtin,
        lot=values.get("10"),
        expiry=dates.get("17"),
        count=int(count) if count is not None else None,
        raw=raw,
        best_before=dates.get("15"),
    )


def looks_like_gs1(text: str) -> bool:
    """Cheap test for "this string claims to be GS1", before trying to parse it."""
    text = text.strip(_SPACE)
    return (
        text[:3] in GS1_SYMBOLOGY_IDS
        or text.startswith(_GS)
        or re.match(r"^\(\d{2,4}\)", text) is not None
        or (_GS in text and text.split(_GS, 1)[0][:2].isdigit())
    )


def normalise(text: str, format: str | None = None) -> NormalisedCode:
    """The single entry point the app uses for any scanned or typed string.

    Digits that form a valid GTIN (any length, UPC-E included) give kind
    "gtin"; GS1 element strings give kind "gs1" with the (01)/(02) GTIN;
    anything else is kind "other" with the text stripped of surrounding
    whitespace (keyboard-wedge scanners append CR/LF). A bare digit string with
    a bad check digit is "other" too: it may be a store's own number, and the
    catalogue lookup, not this function, decides whether it is known. A GS1
    label typed as bare characters is "gs1" only when it reads one way (see the
    module docstring); a format that says GTIN (ean13, itf...) is taken at its word.
    """
    raw = text.strip(_SPACE)
    if format in _GS1_FORMATS or looks_like_gs1(raw):
        try:
            data = parse_gs1(raw)
        except InvalidCode:
            if format in _GS1_FORMATS:
                return NormalisedCode(kind="other", gtin14=None, raw=raw)
        else:
            return NormalisedCode(
                kind="gs1",
                gtin14=data.gtin.zfill(14) if data.gtin else None,
                raw=raw,
                pack_hint=data.count,
                lot=data.lot,
                expiry=data.expiry,
            )
    bare = _bare_gs1(raw) if format not in _GTIN_FORMATS else None
    if bare is not None:
        return NormalisedCode(kind="gs1", gtin14=bare.gtin.zfill(14) if bare.gtin else None, raw=raw,
                              pack_hint=bare.count, lot=bare.lot, expiry=bare.expiry)
    if raw.isascii() and raw.isdigit():
        hint = format if format in _GTIN_FORMATS else None
        try:
            return NormalisedCode(kind="gtin", gtin14=to_gtin14(raw, format=hint), raw=raw)
        except InvalidCode:
            pass
    return NormalisedCode(kind="other", gtin14=None, raw=raw)


_BARE_GS1 = re.compile(r"^0[12][0-9]{14}[0-9A-Za-z!\"%&'()*+,\-./:;<=>?_]+$")


def is_bare_gs1(text: str) -> bool:
    """True for a GS1 element string typed with no identifier, FNC1 or brackets that reads one way only."""
    return _bare_gs1(text.strip(_SPACE)) is not None


def _bare_gs1(raw: str) -> GS1Data | None:
    if not _BARE_GS1.match(raw):
        return None
    try:
        message = GS1Message.parse(raw)
    except ParseError:
        return None
    elements = message.element_strings
    if any(e.gtin_error for e in elements) or any(e.ai.separator_required for e in elements[:-1]):
        return None
    try:
        return parse_gs1(raw)
    except InvalidCode:
        return None


def _require_digits(text: str) -> None:
    if not text or not text.isascii() or not text.isdigit():
        raise InvalidCode("not_numeric", f"A product barcode has only digits; got {text!r}.")


def _expand_upce(number_system: str, data: str) -> str:
    """UPC-A for a UPC-E number system and six data digits (GS1 zero-suppression rules)."""
    d1, d2, d3, d4, d5, d6 = data
    if d6 in "012":
        body = f"{number_system}{d1}{d2}{d6}0000{d3}{d4}{d5}"
    elif d6 == "3":
        body = f"{number_system}{d1}{d2}{d3}00000{d4}{d5}"
    elif d6 == "4":
        body = f"{number_system}{d1}{d2}{d3}{d4}00000{d5}"
    else:
        body = f"{number_system}{d1}{d2}{d3}{d4}{d5}0000{d6}"
    return body + gtin_check_digit(body)


def _valid_upce_expansion(text: str) -> str | None:
    if text[0] not in "01":
        return None
    upca = _expand_upce(text[0], text[1:7])
    return upca if upca[-1] == text[-1] else None
