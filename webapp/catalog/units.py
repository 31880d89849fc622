"""Money and quantities as people type them, converted to the integers we store.

People write "4.99" and "2.5 lb"; we keep 499 cents and 2500 thousandths. Decimal does the
arithmetic so "0.1 + 0.2" never turns into 30 cents and a stray float never reaches a column.
The way back, and every other conversion, is in ``webapp.quantity``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from webapp import quantity
from webapp.errors import DomainError

MAX_CENTS = 100_000_000  # $1M for one unit: anything above is a typo, not a price
MAX_QTY = 1_000_000_000


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


def parse_quantity(text: str, measure: str, field: str = "reorder_point",
                   label: str = "Reorder point") -> int:
    """A quantity in the item's unit ("3", or "2.5" lb) -> base units (3, or 2500)."""
    value = _decimal(text, field, label)
    if value < 0:
        raise DomainError("negative", f"{label} cannot be negative.", field)
    try:
        base = quantity.from_display(value, measure)
    except ValueError:
        detail = "a whole number" if measure == "each" else "at most three decimal places"
        raise DomainError("bad_quantity", f"{label} {text!r} must be {detail}.", field) from None
    if base > MAX_QTY:
        raise DomainError("too_big", f"{label} {text!r} is implausibly large.", field)
    return base
