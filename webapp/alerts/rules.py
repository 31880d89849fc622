"""The arithmetic of reorder points and low-stock alerts. Pure: no Flask, no database.

Quantities are integers in the item's base unit; rates (units per day, days of cover) are
``Fraction``s, exact until shown. The dashboard (reports) reads these figures; alerts import
nothing from reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

# ----- velocity, reorder points, cover ----------------------------------------------------


def velocity(sold: int, window_days: int) -> Fraction:
    """Units sold per day over a window. Refunds are netted by the caller; a net return is 0."""
    if window_days <= 0:
        raise ValueError("the velocity window must be at least one day")
    return Fraction(max(sold, 0), window_days)


@dataclass(frozen=True, slots=True)
class ReorderSuggestion:
    """A suggested reorder point and the numbers that produced it, to show beside it."""

    sold: int
    window_days: int
    velocity: Fraction
    lead_time_days: int
    safety_stock: int
    point: int | None  # None: nothing sold in the window, so there is nothing to suggest

    @property
    def lead_time_demand(self) -> int:
        return math.ceil(self.velocity * self.lead_time_days)


def suggest_reorder_point(sold: int, window_days: int, lead_time_days: int, safety_stock: int
                          ) -> ReorderSuggestion:
    """velocity x lead time (rounded up: a part unit still has to be on the shelf) + safety stock."""
    v = velocity(sold, window_days)
    point = None if v == 0 else math.ceil(v * lead_time_days) + safety_stock
    return ReorderSuggestion(sold, window_days, v, lead_time_days, safety_stock, point)


def effective_reorder_point(manual: int | None, suggestion: ReorderSuggestion | None) -> int | None:
    """A manager's own number always wins over the suggestion."""
    if manual is not None:
        return manual
    return suggestion.point if suggestion is not None else None


def days_of_cover(level: int, rate: Fraction) -> Fraction | None:
    """level / velocity; None when nothing sells (cover is unbounded), 0 when nothing is left."""
    if level <= 0:
        return Fraction(0)
    if rate <= 0:
        return None
    return Fraction(level) / rate


# ----- low-stock alert state --------------------------------------------------------------

OK = "ok"
LOW = "low"


@dataclass(frozen=True, slots=True)
class Transition:
    state: str
    raised: bool  # an alert must be raised now
    recovered: bool  # the item went back above its point


def crossing(previous: str | None, level: int, reorder_point: int | None) -> Transition:
    """One step of the alert state machine for one item's store level.

    ``low`` means level <= reorder point. An alert is raised only on the step into ``low``,
    so a level that stays low (sale after sale) raises nothing more until it recovers
    above the point and crosses again. An item without a point is never low. An item
    seen for the first time (``previous`` None) starts from ``ok``.
    """
    was_low = previous == LOW
    now_low = reorder_point is not None and level <= reorder_point
    return Transition(LOW if now_low else OK, now_low and not was_low, was_low and not now_low)


# ----- display ----------------------------------------------------------------------------


def rate(value: Fraction | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value):.{places}f}"
