"""Quantities and money: the one place that converts between what we store and what people read.

Stored (everywhere in the product):
  * a quantity is an integer in the item's *base unit*: units for ``each`` items, thousandths of
    the unit (pound, kilogram) for ``weight`` items, as Clover's ``unitQty`` counts them;
  * money is an integer number of cents (hundredths of the store's currency);
  * a cost is cents per unit, or per whole pound/kilogram for a weighed item.

The rounding rule (the only one): a value at cost that falls between two cents is rounded to
the nearer cent, and an exact half cent away from zero, on exact integer arithmetic. So a value
is sign-symmetric, ``value(-q) == -value(q)``: a lost thousandth of a pound at $5.00/lb is -1
cent exactly as a found one is +1 cent, which is what an accountant reconciling gains against
losses expects. (Rounding half *up* would book the loss as 0 and the gain as +1 and let the two
drift apart.) A sum of values differs from the value of the summed quantity by at most half a
cent per term.

Pure: no Flask, no database. Babel formats numbers and money for people in a locale.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal

MEASURES = ("each", "weight")
# Base units per unit a person reads: a weighed item's quantity is kept in thousandths.
SCALE = {"each": 1, "weight": 1000}
_EXPONENT = {"each": 0, "weight": 3}  # SCALE as a power of ten
DEFAULT_LOCALE = "en_US"
DEFAULT_CURRENCY = "USD"


def scale(measure: str) -> int:
    try:
        return SCALE[measure]
    except KeyError:
        raise ValueError(f"unknown measure {measure!r}") from None


def div_round(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` to the nearest integer, an exact half away from zero."""
    if denominator <= 0:
        raise ValueError("the denominator must be positive")
    whole, rest = divmod(abs(numerator), denominator)
    if 2 * rest >= denominator:
        whole += 1
    return whole if numerator >= 0 else -whole


def value_cents(quantity: int, cost_cents: int, measure: str = "each") -> int:
    """What ``quantity`` base units are worth at ``cost_cents`` per unit (per lb/kg when weighed)."""
    return div_round(quantity * cost_cents, scale(measure))


# ----- base units <-> the unit a person reads ---------------------------------------------


def to_display(base: int, measure: str) -> Decimal | int:
    """Base units as the item's unit: 2500 thousandths -> Decimal("2.500"); 7 each -> 7. Exact."""
    if scale(measure) == 1:
        return base
    return Decimal(base).scaleb(-_EXPONENT[measure])


def from_display(amount: Decimal | int, measure: str) -> int:
    """The item's unit as base units: Decimal("2.5") lb -> 2500. Refuses what base units can't hold."""
    base = Decimal(amount) * scale(measure)
    if base != base.to_integral_value():
        raise ValueError(f"{amount} is finer than a base unit of a {measure} item")
    return int(base)


def whole_units(units: int, measure: str) -> int:
    """A number of whole units (a tolerance, one pack) as base units: 2 lb -> 2000."""
    return units * scale(measure)


def to_clover(base: int, measure: str) -> float:
    """Base units as Clover's item_stocks quantity: units, or pounds for a weighed item (a double)."""
    return float(to_display(base, measure))


def from_clover(quantity: float, measure: str) -> int:
    """Clover's stock quantity (a double) to base units, to the nearest base unit."""
    return round(quantity * scale(measure))


# ----- text for people (Babel) --------------------------------------------------------------


def quantity_text(base: int | None, measure: str = "each", locale: str = DEFAULT_LOCALE) -> str:
    """2500 thousandths -> "2.5"; 12345 each -> "12,345" (grouped as the locale groups)."""
    if base is None:
        return ""
    return format_decimal(to_display(base, measure), format="#,##0.###", locale=locale)


def money_text(cents: int | None, currency: str = DEFAULT_CURRENCY, locale: str = DEFAULT_LOCALE) -> str:
    """-5617 cents -> "-$56.17" in en_US with USD; the sign and symbol where the locale puts them."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents).scaleb(-2), currency or DEFAULT_CURRENCY, locale=locale)


# ----- text for form inputs and CSV files ---------------------------------------------------


def plain_money(cents: int | None) -> str:
    """499 -> "4.99", no currency sign or grouping, as form inputs and CSV files want it."""
    if cents is None:
        return ""
    return str(Decimal(cents).scaleb(-2))


def plain_quantity(base: int | None, measure: str = "each") -> str:
    """2500 thousandths -> "2.5", no grouping, as form inputs and CSV files want it."""
    if base is None:
        return ""
    text = str(to_display(base, measure))
    return text.rstrip("0").rstrip(".") if "." in text else text
