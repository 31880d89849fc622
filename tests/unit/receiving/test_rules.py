from datetime import UTC, datetime, timedelta

import pytest

from webapp.receiving import rules
from webapp.receiving.rules import Ordered, Scan

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("pack", "count", "expected"),
    [
        (1, None, 1),  # a unit UPC
        (12, None, 12),  # a case GTIN-14
        (1, 12, 12),  # (02) content GTIN of single units, (37) 12
        (12, 2, 24),  # (01) case GTIN-14 of 12, (37) 2 cases
    ],
)
def test_a_scan_adds_its_pack_times_the_gs1_count(pack, count, expected):
    assert rules.scan_quantity(pack, count) == expected


def test_a_gs1_count_of_zero_is_refused():
    with pytest.raises(ValueError):
        rules.scan_quantity(1, 0)


def test_a_correction_takes_from_the_latest_scans_first():
    scans = [Scan("a", at(0), 12), Scan("b", at(1), 1), Scan("c", at(2), -3)]
    assert [(s.key, q) for s, q in rules.net_scans(scans)] == [("a", 10)]


def test_a_correction_larger_than_the_scans_leaves_nothing_not_a_negative():
    assert rules.net_scans([Scan("a", at(0), 2), Scan("b", at(1), -5)]) == []


def test_damaged_units_come_off_the_latest_scans_so_receive_events_keep_early_times():
    scans = [Scan("a", at(0), 12), Scan("b", at(5), 12)]
    allocated = rules.allocate(scans, damaged=14)
    assert [(s.key, s.occurred_at, q) for s, q in allocated] == [("a", at(0), 10)]


def test_more_damaged_than_scanned_is_refused():
    with pytest.raises(ValueError):
        rules.allocate([Scan("a", at(0), 1)], damaged=2)


@pytest.mark.parametrize(
    ("on_hand", "cost", "accepted", "unit_cost", "expected"),
    [
        (10, 100, 10, 200, 150),
        (0, 100, 5, 120, 120),  # nothing on hand: the delivery's cost
        (-3, 100, 5, 120, 120),  # oversold: no cost information in the negative stock
        (10, 100, 0, 999, 100),  # nothing accepted: unchanged
        (2, 100, 1, 101, 100),  # 100.33 rounds down
        (1, 100, 1, 101, 101),  # 100.5 rounds half up
    ],
)
def test_weighted_average_cost(on_hand, cost, accepted, unit_cost, expected):
    assert rules.weighted_average_cost(on_hand, cost, accepted, unit_cost) == expected


def test_the_tally_flags_over_short_damaged_not_on_po_and_cost_differences():
    ordered = [Ordered(1, 24, 0, 0, 100), Ordered(2, 10, 0, 0, 250), Ordered(3, 6, 0, 0, 50)]
    rows = rules.tally(ordered, {1: 30, 2: 4, 3: 6, 9: 2}, {3: 2}, {2: 260})
    by_item = {r.item_id: r for r in rows}
    assert [r.item_id for r in rows] == [1, 2, 3, 9]
    assert by_item[1].over == 6 and by_item[1].flags == ("over",)
    assert by_item[2].short == 6 and by_item[2].cost_difference_cents == 10
    assert by_item[2].flags == ("short", "cost")
    assert by_item[3].accepted == 4 and by_item[3].short == 2 and "damaged" in by_item[3].flags
    assert by_item[9].flags == ("not_on_po",) and by_item[9].short == 0


def test_a_second_delivery_counts_against_what_is_still_due():
    row = rules.tally([Ordered(1, 24, 12, 0, 100)], {1: 12}, {})[0]
    assert row.due == 12 and row.remaining == 0 and row.flags == ()


@pytest.mark.parametrize(
    ("lines", "current", "expected"),
    [
        ([Ordered(1, 10, 0, 0, 1)], "open", "open"),
        ([Ordered(1, 10, 4, 0, 1)], "open", "partially_received"),
        ([Ordered(1, 10, 10, 0, 1), Ordered(2, 5, 3, 2, 1)], "partially_received", "received"),
        ([Ordered(1, 10, 12, 0, 1)], "open", "received"),
        ([Ordered(1, 10, 0, 0, 1)], "draft", "draft"),
        ([Ordered(1, 10, 0, 0, 1)], "closed", "closed"),
    ],
)
def test_po_status_follows_its_lines(lines, current, expected):
    assert rules.po_status(lines, current) == expected
