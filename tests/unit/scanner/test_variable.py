"""Price- and weight-embedded labels (scanner/variable.py) by GS1 US and EU layouts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codes import InvalidCode, gtin_check_digit
from scanner.variable import VariableRule, parse_variable, verifier_digit

US_PRICE_V = VariableRule("02", "price", item_digits=5, value_digits=4, decimals=2, verifier=True)
US_PRICE = VariableRule("02", "price", item_digits=5, value_digits=5, decimals=2)
US_WEIGHT = VariableRule("02", "weight", item_digits=5, value_digits=5, decimals=2)
EU_WEIGHT_KG = VariableRule("28", "weight", item_digits=5, value_digits=5, decimals=3)
EU_PRICE_V = VariableRule("22", "price", item_digits=4, value_digits=5, decimals=2, verifier=True)


def test_verifier_digits_follow_gs1_weights() -> None:
    # 4 digits: 2-, 2-, 3, 5-; the sum times 3, units digit. 2875 -> 4 + 5 + 1 + 3 = 13 -> 39 -> 9.
    assert verifier_digit("2875") == "9"
    # 5 digits: 5+, 2-, 5-, 5+, 2-; the digit whose 5- product makes the sum a multiple of ten.
    # 14685 -> 5 + 8 + 7 + 4 + 9 = 33; 5-(6) = 7 completes it.
    assert verifier_digit("14685") == "6"


def test_a_us_upca_label_with_a_price_verifier() -> None:
    body = "0" + "2" + "12345" + verifier_digit("0599") + "0599"  # EAN-13 form, 12 digits
    upca = (body + gtin_check_digit(body))[1:]  # the 12 digits a UPC-A scanner reports
    read = parse_variable(upca, [US_PRICE_V])
    assert read is not None
    assert (read.kind, read.item_ref, read.value) == ("price", "12345", Decimal("5.99"))
    assert read.key == "00" + "21234500000" + gtin_check_digit("21234500000")


def test_a_wrong_verifier_is_a_misread_not_a_price() -> None:
    body = "02" + "12345" + str((int(verifier_digit("0599")) + 1) % 10) + "0599"
    with pytest.raises(InvalidCode) as caught:
        parse_variable(body + gtin_check_digit(body), [US_PRICE_V])
    assert caught.value.code == "bad_check_digit"


def test_weights_over_ten_pounds_are_exact() -> None:
    body = "02" + "40001" + "01234"  # 12.34 lb
    read = parse_variable(body + gtin_check_digit(body), [US_WEIGHT])
    assert read is not None and read.value == Decimal("12.34") and str(read.value) == "12.34"


def test_a_european_kilogram_label_keeps_three_decimals() -> None:
    body = "28" + "12345" + "10250"  # 10.250 kg
    read = parse_variable(body + gtin_check_digit(body), [EU_WEIGHT_KG])
    assert read is not None
    assert (read.kind, read.item_ref, read.value) == ("weight", "12345", Decimal("10.250"))


def test_the_item_key_is_the_label_with_value_and_verifier_zeroed() -> None:
    body = "22" + "1234" + verifier_digit("01999") + "01999"
    read = parse_variable(body + gtin_check_digit(body), [EU_PRICE_V])
    assert read is not None and read.value == Decimal("19.99")
    assert read.key == "0" + "2212340000000"[:12] + gtin_check_digit("221234000000")


def test_no_rule_for_the_prefix_or_a_normal_gtin_is_not_variable() -> None:
    assert parse_variable("036000291452", [US_PRICE]) is None
    body = "21" + "12345" + "00599"
    assert parse_variable(body + gtin_check_digit(body), [US_PRICE]) is None
    assert parse_variable("SKU-42", [US_PRICE]) is None


@pytest.mark.parametrize("bad", [
    dict(prefix="30", kind="price", item_digits=5, value_digits=5, decimals=2),
    dict(prefix="20", kind="volume", item_digits=5, value_digits=5, decimals=2),
    dict(prefix="20", kind="price", item_digits=5, value_digits=4, decimals=2),
    dict(prefix="20", kind="price", item_digits=4, value_digits=5, decimals=3, verifier=True),
    dict(prefix="20", kind="weight", item_digits=3, value_digits=6, decimals=2, verifier=True),
])
def test_a_rule_that_cannot_be_laid_out_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        VariableRule(**bad)


layouts = st.sampled_from([US_PRICE_V, US_PRICE, US_WEIGHT, EU_WEIGHT_KG, EU_PRICE_V])


@given(layouts, st.data())
def test_any_label_printed_by_a_rule_reads_back_exactly(rule: VariableRule, data: st.DataObject) -> None:
    item = data.draw(st.text("0123456789", min_size=rule.item_digits, max_size=rule.item_digits))
    amount = data.draw(st.integers(min_value=0, max_value=10 ** rule.value_digits - 1))
    value = str(amount).zfill(rule.value_digits)
    body = rule.prefix + item + (verifier_digit(value) if rule.verifier else "") + value
    read = parse_variable(body + gtin_check_digit(body), [rule])
    assert read is not None
    assert read.item_ref == item
    assert read.value == Decimal(amount) / Decimal(10 ** rule.decimals)
    assert read.key[1:3] == rule.prefix and read.key[3:3 + rule.item_digits] == item


@given(st.text("0123456789", min_size=5, max_size=5), st.integers(0, 4), st.integers(1, 9))
def test_a_single_wrong_value_digit_never_passes_the_verifier(value: str, at: int, step: int) -> None:
    wrong = value[:at] + str((int(value[at]) + step) % 10) + value[at + 1:]
    assert verifier_digit(wrong) != verifier_digit(value)
