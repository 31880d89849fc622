"""GTIN and GS1 normalisation: every spelling of one product gives one GTIN-14."""

from __future__ import annotations

from datetime import date

import pytest
from biip.upc import Upc
from hypothesis import given
from hypothesis import strategies as st

from scanner.codes import (
    GS1Data,
    InvalidCode,
    NormalisedCode,
    gtin_check_digit,
    is_bare_gs1,
    is_valid_gtin,
    normalise,
    parse_gs1,
    to_gtin14,
    upca_to_upce,
    upce_to_upca,
)

digits = st.text(alphabet="0123456789", min_size=11, max_size=11)

# -- check digits, per length -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("96385074", True),  # EAN-8
        ("96385075", False),
        ("036000291452", True),  # UPC-A
        ("036000291450", False),
        ("4006381333931", True),  # EAN-13
        ("4006381333932", False),
        ("10614141000415", True),  # GTIN-14 / ITF-14
        ("10614141000416", False),
        ("0360002914", False),  # no GTIN has 10 digits
        ("03600029145X", False),
        ("", False),
    ],
)
def test_a_gtin_is_valid_only_with_the_right_length_and_check_digit(text: str, valid: bool) -> None:
    assert is_valid_gtin(text) is valid


@pytest.mark.parametrize(
    ("body", "check"),
    [("9638507", "4"), ("03600029145", "2"), ("400638133393", "1"), ("1061414100041", "5")],
)
def test_the_check_digit_is_the_gs1_mod_10_of_the_body(body: str, check: str) -> None:
    assert gtin_check_digit(body) == check


def test_zero_padding_on_the_left_does_not_change_the_check_digit() -> None:
    assert gtin_check_digit("03600029145") == gtin_check_digit("0003600029145")


@pytest.mark.parametrize(
    ("text", "gtin14"),
    [
        ("036000291452", "00036000291452"),
        ("0036000291452", "00036000291452"),
        ("00036000291452", "00036000291452"),
        ("4006381333931", "04006381333931"),
        ("96385074", "00000096385074"),
        ("10614141000415", "10614141000415"),
        (" 036000291452\r\n", "00036000291452"),
    ],
)
def test_every_gtin_length_becomes_the_same_fourteen_digits(text: str, gtin14: str) -> None:
    assert to_gtin14(text) == gtin14


def test_an_itf14_case_code_is_its_own_gtin14() -> None:
    assert to_gtin14("10614141000415", format="itf") == "10614141000415"


@pytest.mark.parametrize(
    ("text", "format", "code"),
    [
        ("abc", None, "not_numeric"),
        ("", None, "not_numeric"),
        ("\u0660\u0661\u0662", None, "not_numeric"),  # Arabic-Indic digits: isdigit() but not ASCII
        ("12345", None, "bad_length"),
        ("0360002914", None, "bad_length"),
        ("036000291453", None, "bad_check_digit"),
        ("4006381333932", None, "bad_check_digit"),
        ("96385075", "ean8", "bad_check_digit"),
        ("21234565", "upce", "bad_number_system"),
        ("01234566", "upce", "bad_check_digit"),
        ("1234565", "upce", "ambiguous"),
        ("12345", "upce", "bad_length"),
    ],
)
def test_invalid_codes_say_why_with_a_code(text: str, format: str | None, code: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        to_gtin14(text, format=format)
    assert caught.value.code == code
    assert caught.value.message


# -- UPC-E ----------------------------------------------------------------------------------------

# One case per last data digit, which selects the zero-suppression rule.
UPCE_EXPANSIONS = [
    ("01234505", "012000003455"),
    ("01234514", "012100003454"),
    ("01234523", "012200003453"),
    ("01234531", "012300000451"),
    ("01234543", "012340000053"),
    ("01234558", "012345000058"),
    ("01234565", "012345000065"),
    ("01234572", "012345000072"),
    ("01234589", "012345000089"),
    ("01234596", "012345000096"),
    ("16543214", "165100004324"),  # number system 1
]


@pytest.mark.parametrize(("upce", "upca"), UPCE_EXPANSIONS)
def test_upce_expands_to_the_same_gtin_as_its_upca(upce: str, upca: str) -> None:
    assert upce_to_upca(upce) == upca
    assert to_gtin14(upce, format="upce") == to_gtin14(upca)


@pytest.mark.parametrize(("upce", "upca"), UPCE_EXPANSIONS)
def test_a_upca_that_can_be_suppressed_gives_back_its_upce(upce: str, upca: str) -> None:
    assert upca_to_upce(upca) == upce


def test_a_upca_without_a_upce_form_has_none() -> None:
    assert upca_to_upce("036000291452") is None


@pytest.mark.parametrize(
    ("short", "upca"),
    [
        ("123456", "012345000065"),  # six data digits: number system 0, check digit computed
        ("0123456", "012345000065"),  # number system + data; not also a valid data + check
        ("2345673", "023456000073"),  # data + check: cannot start with a number system 2
    ],
)
def test_short_upce_forms_expand_when_the_scanner_says_upce(short: str, upca: str) -> None:
    assert to_gtin14(short, format="upce") == upca.zfill(14)


def test_six_bare_digits_are_not_taken_for_a_upce_without_a_hint() -> None:
    """Six-digit store SKUs in Code 39 are common; guessing UPC-E would invent a GTIN."""
    with pytest.raises(InvalidCode) as caught:
        to_gtin14("165627")
    assert caught.value.code == "bad_length"


def test_eight_digits_valid_as_both_upce_and_ean8_are_read_as_upce_unless_told() -> None:
    # 01234565 has a valid UPC-E check digit and a valid EAN-8 check digit.
    assert to_gtin14("01234565") == "00012345000065"
    assert to_gtin14("01234565", format="upce") == "00012345000065"
    assert to_gtin14("01234565", format="ean8") == "00000001234565"


def test_an_ean8_outside_the_upce_number_systems_is_an_ean8() -> None:
    assert to_gtin14("96385074") == "00000096385074"


def test_eight_digits_starting_with_1_are_an_ean8_when_both_readings_hold() -> None:
    # GS1 US issues EAN-8 prefixes 100-139; UPC-E number system 1 is rare.
    assert to_gtin14("10000007") == "00000010000007"
    assert to_gtin14("10000007", format="upce") == "00100000000007"


def test_eight_digits_starting_with_1_are_a_upce_when_only_that_reading_holds() -> None:
    assert not is_valid_gtin("16543214")
    assert to_gtin14("16543214") == "00165100004324"


@given(ns=st.sampled_from("01"), data=st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_our_upce_expansion_agrees_with_biip(ns: str, data: str) -> None:
    upca = upce_to_upca(ns + data + Upc.parse(ns + data).as_upc_e()[-1])
    assert upca == Upc.parse(ns + data).as_upc_a()


# -- the UPC-A / EAN-13 / GTIN-14 property -----------------------------------------------------------


@given(digits)
def test_a_upca_its_ean13_and_its_gtin14_normalise_to_one_gtin(body: str) -> None:
    upca = body + gtin_check_digit(body)
    forms = (upca, "0" + upca, "00" + upca)
    assert {to_gtin14(form) for form in forms} == {"00" + upca}
    assert {normalise(form).gtin14 for form in forms} == {"00" + upca}
    assert all(normalise(form).kind == "gtin" for form in forms)


@given(digits, st.data())
def test_changing_any_one_digit_makes_a_gtin_invalid(body: str, data: st.DataObject) -> None:
    upca = body + gtin_check_digit(body)
    for form in (upca, "0" + upca, "00" + upca):
        position = data.draw(st.integers(0, len(form) - 1))
        replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != form[position]]))
        changed = form[:position] + replacement + form[position + 1 :]
        assert not is_valid_gtin(changed)
        with pytest.raises(InvalidCode) as caught:
            to_gtin14(changed, format="ean13")
        assert caught.value.code == "bad_check_digit"


# -- GS1 element strings ------------------------------------------------------------------------------

GS = "\x1d"
ELEMENTS = "0109501101530003" + "17250100" + "10AB1" + GS + "3712"
EXPECTED = GS1Data(
    gtin="09501101530003", lot="AB1", expiry=date(2025, 1, 31), count=12, raw="", best_before=None
)


@pytest.mark.parametrize(
    "text",
    [
        ELEMENTS,  # as a keyboard-wedge scanner sends it, GS between variable-length fields
        "]C1" + ELEMENTS,  # GS1-128 with its symbology identifier
        "]d2" + ELEMENTS,  # GS1 DataMatrix
        "]Q3" + ELEMENTS,  # GS1 QR Code
        GS + ELEMENTS,  # leading FNC1 sent as GS
        "(01)09501101530003(17)250100(10)AB1(37)12",  # the human-readable form printed under the bars
    ],
)
def test_gs1_strings_give_gtin_lot_expiry_and_count_in_every_spelling(text: str) -> None:
    parsed = parse_gs1(text)
    assert parsed == GS1Data(**{**EXPECTED.__dict__, "raw": text})


def test_expiry_day_00_means_the_last_day_of_the_month() -> None:
    assert parse_gs1("(01)09501101530003(17)240200").expiry == date(2024, 2, 29)


def test_a_lot_at_the_end_needs_no_separator() -> None:
    assert parse_gs1("010950110153000310LOT-7").lot == "LOT-7"


def test_content_gtin_02_stands_in_when_there_is_no_01() -> None:
    parsed = parse_gs1("(00)106141411234567896(02)09501101530003(37)24")
    assert (parsed.gtin, parsed.count) == ("09501101530003", 24)


def test_best_before_15_is_kept_apart_from_expiry_17() -> None:
    parsed = parse_gs1("(01)09501101530003(15)261231")
    assert (parsed.best_before, parsed.expiry) == (date(2026, 12, 31), None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("]C0" + ELEMENTS, "not_gs1"),  # plain Code 128 that happens to hold digits
        ("]Q1https://example.com", "not_gs1"),
        ("(01)09501101530004", "bad_check_digit"),
        ("(01)09501101530003(17)251300", "bad_gs1"),  # month 13
        ("hello", "bad_gs1"),
    ],
)
def test_gs1_errors_carry_a_code(text: str, code: str) -> None:
    with pytest.raises(InvalidCode) as caught:
        parse_gs1(text)
    assert caught.value.code == code


# -- normalise: the one entry point the app uses ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "format", "expected"),
    [
        ("036000291452", "upca", NormalisedCode("gtin", "00036000291452", "036000291452")),
        ("0036000291452", None, NormalisedCode("gtin", "00036000291452", "0036000291452")),
        ("01234565", "upce", NormalisedCode("gtin", "00012345000065", "01234565")),
        ("01234565", "ean8", NormalisedCode("gtin", "00000001234565", "01234565")),
        ("123456", "upce", NormalisedCode("gtin", "00012345000065", "123456")),
        ("10614141000415", "itf", NormalisedCode("gtin", "10614141000415", "10614141000415")),
        ("036000291453", None, NormalisedCode("other", None, "036000291453")),
        ("165627", "code39", NormalisedCode("other", None, "165627")),
        ("SKU-1234", "code39", NormalisedCode("other", None, "SKU-1234")),
        (
            "  https://shelfcount.example/i/42\n",
            "qrcode",
            NormalisedCode("other", None, "https://shelfcount.example/i/42"),
        ),
        (
            "]C1" + ELEMENTS,
            None,
            NormalisedCode("gs1", "09501101530003", "]C1" + ELEMENTS, 12, "AB1", date(2025, 1, 31)),
        ),
        (
            ELEMENTS,
            "gs1_128",
            NormalisedCode("gs1", "09501101530003", ELEMENTS, 12, "AB1", date(2025, 1, 31)),
        ),
        (
            "(00)106141411234567896",
            "gs1_128",
            NormalisedCode("gs1", None, "(00)106141411234567896"),
        ),
        ("8101054321120021123456", "gs1_128", NormalisedCode("other", None, "8101054321120021123456")),
    ],
)
def test_normalise_sorts_every_scan_into_gtin_gs1_or_other(
    text: str, format: str | None, expected: NormalisedCode
) -> None:
    assert normalise(text, format) == expected


def test_the_gs1_count_becomes_the_pack_hint() -> None:
    assert normalise("(01)10614141000415(37)12").pack_hint == 12


# -- GS1 labels typed as bare characters by a keyboard-wedge scanner ---------------------------


@pytest.mark.parametrize(
    ("text", "gtin14", "count", "lot", "expiry"),
    [
        ("0109501101530003" + "3712", "09501101530003", 12, None, None),
        ("0209501101530003" + "3724", "09501101530003", 24, None, None),
        ("0109501101530003" + "17250131" + "3712", "09501101530003", 12, None, date(2025, 1, 31)),
        ("0109501101530003" + "10AB1", "09501101530003", None, "AB1", None),
        ("  0109501101530003" + "3712\r\n", "09501101530003", 12, None, None),
    ],
)
def test_a_bare_gs1_label_that_reads_one_way_is_gs1(
    text: str, gtin14: str, count: int | None, lot: str | None, expiry: date | None
) -> None:
    code = normalise(text)
    assert (code.kind, code.gtin14, code.pack_hint) == ("gs1", gtin14, count)
    assert (code.lot, code.expiry) == (lot, expiry)
    assert is_bare_gs1(text)


@pytest.mark.parametrize(
    "text",
    [
        "0109501101530003",  # 16 digits that read as (01) alone: a long number, not a label
        "0109501101530004" + "3712",  # the GTIN's check digit fails
        "0109501101530003" + "37",  # (37) with no digits
        "0109501101530003" + "3712" + "17250131",  # (37) in the middle would swallow the date
        "0109501101530003" + "3712" + "10AB",  # ... or the lot
        "0109501101530003" + "99",  # (99) with nothing in it
        "0109501101530003" + "1725013",  # a date one digit short
        "0009501101530003" + "3712",  # not (01)/(02) first
        "8101054321120021123456",  # a coupon code
        "1234567890123456789",  # any long number
    ],
)
def test_bare_characters_that_may_not_be_a_label_stay_other(text: str) -> None:
    assert normalise(text).kind == "other"
    assert not is_bare_gs1(text)


def test_a_gtin_format_hint_is_never_read_as_a_bare_label() -> None:
    assert normalise("0109501101530003" + "3712", "itf").kind == "other"
    assert normalise("0109501101530003" + "3712", "code128").kind == "gs1"
