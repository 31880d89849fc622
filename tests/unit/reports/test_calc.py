"""The arithmetic of reports, with exact figures (the alerts' is in tests/unit/alerts)."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from webapp.reports import calc


def test_accuracy_never_nets_overs_against_shorts():
    # Netted, these five counts are off by 0 units in total; item by item only two are right.
    acc = calc.accuracy([+5, -5, +3, -3, 0, 1], tolerance=1)
    assert (acc.counted, acc.accurate, acc.over, acc.short) == (6, 2, 2, 2)
    assert acc.share == Fraction(1, 3)
    assert acc.net_units == 1
    assert acc.gross_units == 17


def test_accuracy_of_nothing_counted_is_unknown_not_perfect():
    assert calc.accuracy([], 1).share is None


def test_abc_classes_follow_the_pareto_shares_of_sales_value():
    classes = calc.abc_classes({1: 7000, 2: 1500, 3: 800, 4: 400, 5: 300, 6: 0})
    # cumulative before each: 0%, 70%, 85%, 93%, 97%
    assert classes == {1: "A", 2: "A", 3: "B", 4: "B", 5: "C", 6: "C"}


def test_one_dominant_seller_is_a_and_nothing_sold_is_all_c():
    assert calc.abc_classes({1: 99, 2: 1}) == {1: "A", 2: "C"}
    assert calc.abc_classes({1: 0, 2: 0}) == {1: "C", 2: "C"}


def test_the_cycle_count_list_puts_a_first_never_counted_first_and_skips_what_is_not_due():
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    items = [
        (1, "C", now - timedelta(days=100)),
        (2, "A", now - timedelta(days=31)),
        (3, "A", None),
        (4, "A", now - timedelta(days=10)),  # not due
        (5, "B", now - timedelta(days=61)),
        (6, "A", now - timedelta(days=45)),
    ]
    due = calc.cycle_count_list(items, now)
    assert [(d.item_id, d.abc, d.overdue_days) for d in due] == [
        (3, "A", None), (6, "A", 15), (2, "A", 1), (5, "B", 1), (1, "C", 10)]
    assert len(calc.cycle_count_list(items, now, limit=2)) == 2


def test_a_store_day_follows_its_time_zone_across_daylight_saving():
    start, end = calc.day_bounds(date(2026, 11, 1), "America/New_York")  # clocks go back
    assert start == datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert end - start == timedelta(hours=25)


def test_buckets_cover_the_period_by_day_week_or_month():
    assert calc.buckets(date(2026, 11, 1), date(2026, 11, 3), "day") == [
        (date(2026, 11, 1), date(2026, 11, 1)), (date(2026, 11, 2), date(2026, 11, 2)),
        (date(2026, 11, 3), date(2026, 11, 3))]
    assert calc.buckets(date(2026, 11, 1), date(2026, 11, 12), "week") == [
        (date(2026, 11, 1), date(2026, 11, 1)), (date(2026, 11, 2), date(2026, 11, 8)),
        (date(2026, 11, 9), date(2026, 11, 12))]
    assert calc.buckets(date(2026, 11, 15), date(2027, 1, 10), "month") == [
        (date(2026, 11, 15), date(2026, 11, 30)), (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 10))]
    assert calc.grain_for(date(2026, 11, 1), date(2026, 11, 30)) == "day"
