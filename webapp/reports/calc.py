"""The arithmetic behind the dashboard and the reports. Pure: no Flask, no database.

Reorder points, cover and the low-stock states are the alerts' (``webapp/alerts/rules.py``).

Units follow the rest of the product: quantities are integers in the item's base unit
(units for ``each`` items, thousandths for ``weight`` items), money is integer cents.
Rates (units per day, shares) are ``Fraction``s so that the figures the tests pin down
are exact; they are rounded only when shown.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

# ----- inventory record accuracy ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accuracy:
    counted: int
    accurate: int
    over: int  # counts above the record by more than the tolerance
    short: int
    gross_units: int  # sum of |variance|: what the count found wrong
    net_units: int  # sum of variance: shown only to warn how much netting would hide

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.accurate, self.counted) if self.counted else None


def accuracy(variances: Iterable[int], tolerance: int) -> Accuracy:
    """IRA: the share of counts within +-tolerance of the record before adjustment.

    Each count is judged on its own |variance|: an over on one item-location never cancels
    a short on another, which is exactly the error netting makes.
    """
    counted = accurate = over = short = gross = net = 0
    for v in variances:
        counted += 1
        gross += abs(v)
        net += v
        if abs(v) <= tolerance:
            accurate += 1
        elif v > 0:
            over += 1
        else:
            short += 1
    return Accuracy(counted, accurate, over, short, gross, net)


# ----- ABC classes and the cycle-count list -----------------------------------------------

CLASS_SHARES = (("A", Fraction(80, 100)), ("B", Fraction(95, 100)))
DEFAULT_INTERVALS = {"A": 30, "B": 60, "C": 90}


def abc_classes(sales_value: Mapping[Hashable, int]) -> dict[Hashable, str]:
    """Pareto classes by sales value: A takes the items that make the first 80% of it, B the
    next 15%, C the rest and every item that sold nothing. An item is placed by the share
    accumulated *before* it, so the single best seller is always A. Ties break by key so the
    answer is stable."""
    total = sum(v for v in sales_value.values() if v > 0)
    classes: dict[Hashable, str] = {}
    running = 0
    for key, value in sorted(sales_value.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        if value <= 0 or total == 0:
            classes[key] = "C"
            continue
        # running / total < share, in integers (a Fraction per item is slow on 20,000 items)
        classes[key] = next((name for name, share in CLASS_SHARES
                             if running * share.denominator < share.numerator * total), "C")
        running += value
    return classes


@dataclass(frozen=True, slots=True)
class CycleCountDue:
    item_id: int
    abc: str
    last_counted_at: datetime | None
    overdue_days: int | None  # None: never counted


def cycle_count_list(items: Iterable[tuple[int, str, datetime | None]], now: datetime,
                     intervals: Mapping[str, int] = DEFAULT_INTERVALS, limit: int | None = None
                     ) -> list[CycleCountDue]:
    """Items due a count: A every 30 days, B every 60, C every 90 (so A is counted most often).

    Ordered by class, then never-counted first, then the longest overdue.
    """
    due = []
    latest = {abc: now - timedelta(days=days) for abc, days in intervals.items()}  # due if counted by then
    for item_id, abc, last in items:
        if last is None:
            due.append(CycleCountDue(item_id, abc, None, None))
        elif last <= latest[abc]:
            due.append(CycleCountDue(item_id, abc, last, (latest[abc] - last).days))
    due.sort(key=lambda d: (d.abc, d.last_counted_at is not None,
                            -(d.overdue_days or 0), d.item_id))
    return due[:limit] if limit is not None else due


# ----- store days and periods -------------------------------------------------------------


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants a store's local day starts and ends (23 or 25 hours around DST)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def period_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """[first local midnight, midnight after ``end``): both dates are included."""
    return day_bounds(start, tz)[0], day_bounds(end, tz)[1]


def buckets(start: date, end: date, grain: str) -> list[tuple[date, date]]:
    """Inclusive (first, last) local dates of each day, ISO week or month covering the period."""
    out: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        if grain == "day":
            last = cursor
        elif grain == "week":
            last = cursor + timedelta(days=6 - cursor.weekday())
        elif grain == "month":
            following = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
            last = following - timedelta(days=1)
        else:
            raise ValueError(f"unknown grain {grain!r}")
        last = min(last, end)
        out.append((cursor, last))
        cursor = last + timedelta(days=1)
    return out


def grain_for(start: date, end: date) -> str:
    """A grain that gives a phone-readable number of points (at most ~31)."""
    days = (end - start).days + 1
    return "day" if days <= 31 else "week" if days <= 217 else "month"


def bucket_index(when: date, spans: Sequence[tuple[date, date]]) -> int | None:
    for i, (first, last) in enumerate(spans):
        if first <= when <= last:
            return i
    return None


# ----- display ----------------------------------------------------------------------------


def percent(value: Fraction | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{places}f}%"
