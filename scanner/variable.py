"""Price- and weight-embedded barcodes: deli, butcher and produce labels a store prints itself.

GS1 leaves the numbers under prefix 02 (UPC-A number system 2, "02" in the EAN-13 form)
and 20-29 (EAN-13) to each store or country, for "variable measure" trade items: a
label carries an item reference, then a price or a weight, then the GTIN check digit.
Where exactly each part sits is a national or store rule (GS1 US: 2 IIIII V PPPP C, or
2 IIIII PPPPP C; GS1 Germany, France, the Netherlands... 2X IIIII PPPPP C, 2X IIII V PPPPP C
and others), so a store states its rules and this module applies them:

* digits are counted in the 13-digit EAN-13 form (a UPC-A gets its leading 0), so every
  rule is ``prefix (2) + item reference + [verifier] + value + check digit`` = 13 digits;
* the optional *price or measure verifier digit* is the GS1 General Specifications'
  (section 7.9.3) 4-digit (weights 2-, 2-, 3, 5-) or 5-digit (5+, 2-, 5-, 5+, 2-)
  algorithm; a label whose verifier does not hold is a misread, refused like a bad check
  digit;
* values are exact: the digits and the rule's implied decimal places give a ``Decimal``,
  never a float, so 12.34 lb is 12.34 lb and a 5-digit weight field reads past 10 lb
  (99.999 kg, 999.99 lb).

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from scanner.codes import InvalidCode, gtin_check_digit, normalise

__all__ = ["PREFIXES", "VariableMeasure", "VariableRule", "item_key", "parse_variable", "verifier_digit"]

# The 13-digit forms reserved for variable measure: "02" is UPC-A number system 2.
PREFIXES = ("02", *(str(n) for n in range(20, 30)))
Kind = Literal["price", "weight"]

_TWO_MINUS = (0, 2, 4, 6, 8, 9, 1, 3, 5, 7)
_THREE = (0, 3, 6, 9, 2, 5, 8, 1, 4, 7)
_FIVE_PLUS = (0, 5, 1, 6, 2, 7, 3, 8, 4, 9)
_FIVE_MINUS = (0, 5, 9, 4, 8, 3, 7, 2, 6, 1)


def verifier_digit(value: str) -> str:
    """The GS1 price/measure verifier digit of a 4- or 5-digit value field (GS1 GenSpecs 7.9.3)."""
    if not value.isascii() or not value.isdigit() or len(value) not in (4, 5):
        raise ValueError(f"a verifier digit is defined for 4 or 5 digits; got {value!r}")
    d = [int(c) for c in value]
    if len(value) == 4:
        total = _TWO_MINUS[d[0]] + _TWO_MINUS[d[1]] + _THREE[d[2]] + _FIVE_MINUS[d[3]]
        return str(total * 3 % 10)
    total = _FIVE_PLUS[d[0]] + _TWO_MINUS[d[1]] + _FIVE_MINUS[d[2]] + _FIVE_PLUS[d[3]] + _TWO_MINUS[d[4]]
    return str(_FIVE_MINUS.index((10 - total % 10) % 10))


@dataclass(frozen=True)
class VariableRule:
    """Where a store's labels under one prefix keep their parts (digits of the EAN-13 form).

    ``item_digits`` follow the two prefix digits; then the verifier digit when ``verifier``;
    then ``value_digits`` of price (in the currency, ``decimals`` places: 2 for cents) or
    weight (in the item's unit, lb or kg: 2 or 3 places); then the check digit.
    """

    prefix: str
    kind: Kind
    item_digits: int
    value_digits: int
    decimals: int
    verifier: bool = False

    def __post_init__(self) -> None:
        if self.prefix not in PREFIXES:
            raise ValueError(f"Variable-measure labels use prefix 02 or 20-29, not {self.prefix!r}.")
        if self.kind not in ("price", "weight"):
            raise ValueError(f"A label embeds a price or a weight, not {self.kind!r}.")
        if self.item_digits + int(self.verifier) + self.value_digits != 10:
            raise ValueError(
                f"Prefix {self.prefix}: item digits ({self.item_digits}), verifier "
                f"({int(self.verifier)}) and value digits ({self.value_digits}) must fill the 10 digits "
                "between the prefix and the check digit."
            )
        if self.item_digits < 1 or self.value_digits < 3:
            raise ValueError("A label needs at least one item digit and three value digits.")
        if self.verifier and self.value_digits not in (4, 5):
            raise ValueError("GS1 defines the verifier digit for 4- or 5-digit values only.")
        top = 3 if self.kind == "weight" else 2
        if not 0 <= self.decimals <= min(top, self.value_digits):
            raise ValueError(f"A {self.kind} has 0 to {top} decimal places here, not {self.decimals}.")


@dataclass(frozen=True)
class VariableMeasure:
    """One label read by its rule: ``item_ref`` names the item, ``value`` is exact."""

    rule: VariableRule
    item_ref: str
    value: Decimal
    key: str  # the GTIN-14 with value and verifier zeroed: how the item's own barcode is stored

    @property
    def kind(self) -> Kind:
        return self.rule.kind


def item_key(ean13: str, rule: VariableRule) -> str:
    """The label's GTIN-14 with its verifier and value digits zeroed and the check digit redone.

    A store registers a variable-measure item by this code (what most scales print for
    a zero price), so every label of the item, whatever it weighs, finds it.
    """
    body = ean13[: 2 + rule.item_digits] + "0" * (10 - rule.item_digits)
    return ("0" + body + gtin_check_digit(body)).zfill(14)


def parse_variable(text: str, rules: list[VariableRule] | tuple[VariableRule, ...],
                   format: str | None = None) -> VariableMeasure | None:
    """The label ``text`` by the store's rule for its prefix; None when no rule applies.

    Raises ``InvalidCode("bad_check_digit")`` when the rule has a verifier digit that
    does not hold (a misread price must not be counted).
    """
    code = normalise(text, format)
    if code.kind != "gtin" or code.gtin14 is None or not code.gtin14.startswith("0"):
        return None
    ean13 = code.gtin14[1:]
    rule = next((r for r in rules if r.prefix == ean13[:2]), None)
    if rule is None:
        return None
    start = 2 + rule.item_digits
    item_ref = ean13[2:start]
    if rule.verifier:
        value = ean13[start + 1: start + 1 + rule.value_digits]
        if verifier_digit(value) != ean13[start]:
            raise InvalidCode(
                "bad_check_digit",
                f"The price or weight on label {ean13} does not match its verifier digit; scan it again.",
            )
    else:
        value = ean13[start: start + rule.value_digits]
    return VariableMeasure(rule, item_ref, Decimal(int(value)).scaleb(-rule.decimals), item_key(ean13, rule))
