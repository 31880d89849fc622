"""Money and quantities as people type them, converted to the integers we store.

People write "4.99" and "2.5 lb"; we keep 499 cents and 2500 thousandths. Decimal does the
arithmetic so "0.1 + 0.2" never turns into 30 cents and a stray float never reaches a column.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from webapp.errors import DomainError

MAX_CENTS = 100_000_000  # $1M for one unit: anything above is a typo, not a price
MAX_QTY = 1_000_000_000
# Base units per unit a person types: `weight` items are kept in thousandths (Clover's unitQty).
SCALE = {"each": 1, "weight": 1000}


def _decimal(text: str, field: str, label: str) -> Decimal:
    cleaned = text.strip().replace(",", "").removeprefix("$").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise DomainError("bad_number", f"{label} {text!r} is not a number.", field) from None
    if not value.is_finite():
        raise DomainError("bad_number", f"{label} {text!r} is not a number.", field)
    return value


def parse_money(text: str, field: str = "price", label: str = "Price") -> int:
    """ "4.99" -> 499. Refuses negatives and fractions of a cent rather than rounding them away."""
    value = _decimal(text, field, label)
    if value < 0:
        raise DomainError("negative", f"{label} cannot be negative.", field)
    cents = value * 100
    if cents != cents.to_integral_value():
        raise DomainError("bad_money", f"{label} {text!r} has more than two decimal places.", field)
    if cents > MAX_CENTS:
        raise DomainError("too_big", f"{label} {text!r} is implausibly large.", field)
    return int(cents)


def format_money(cents: int | None) -> str:
    """499 -> "4.99" (no currency sign: the CSV and inputs use this form)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def parse_quantity(text: str, measure: str, field: str = "reorder_point",
                   label: str = "Reorder point") -> int:
    """A quantity in the item's unit ("3", or "2.5" lb) -> base units (3, or 2500)."""
    value = _decimal(text, field, label)
    if value < 0:
        raise DomainError("negative", f"{label} cannot be negative.", field)
    base = value * SCALE[measure]
    if base != base.to_integral_value():
        detail = "a whole number" if measure == "each" else "at most three decimal places"
        raise DomainError("bad_quantity", f"{label} {text!r} must be {detail}.", field)
    if base > MAX_QTY:
        raise DomainError("too_big", f"{label} {text!r} is implausibly large.", field)
    return int(base)


def format_quantity(base: int | None, measure: str) -> str:
    """Base units -> the item's unit as a person reads it (2500 thousandths -> "2.5")."""
    if base is None:
        return ""
    if measure == "each":
        return str(base)
    text = str(Decimal(base) / SCALE[measure])
    return text.rstrip("0").rstrip(".") if "." in text else text
