"""Worked examples of the merge rule, with the numbers a store manager would check by hand."""

from datetime import UTC, datetime, timedelta

from webapp.inventory import merge
from webapp.inventory.merge import Event, Kind


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 11, 28, hh, mm, ss, tzinfo=UTC)


def sale(key: str, when: datetime, units: int = 1) -> Event:
    return Event(key, Kind.SALE, when, -units)


OPENING = Event("opening", Kind.OPENING, at(8, 0), 30)
SALES = [
    sale("s-0930", at(9, 30), 2),
    sale("s-1030", at(10, 30), 1),
    sale("s-1200", at(12, 0), 3),
    sale("s-1345", at(13, 45), 1),
]
COUNT_1002 = Event("count-1002", Kind.COUNT, at(10, 2), 20)


def test_an_offline_count_of_20_at_10_02_synced_4_hours_late_gives_20_minus_the_5_units_sold_since():
    before_sync = [OPENING, *SALES]
    assert merge.current(before_sync).quantity == 30 - 7

    after_sync = [*before_sync, COUNT_1002]
    assert merge.current(after_sync).quantity == 20 - 5
    assert merge.expected_at(after_sync, COUNT_1002) == 28
    assert merge.variance(after_sync, COUNT_1002) == -8
    assert merge.level_at(after_sync, at(10, 2)) == 20
    assert merge.level_at(after_sync, at(10, 1)) == 28


def test_the_4_hour_late_count_needs_a_recompute_when_folded_into_the_materialised_level():
    level = merge.current([OPENING, *SALES])
    assert merge.apply(level, COUNT_1002) is None
    assert merge.current([OPENING, *SALES, COUNT_1002]).base_key == "count-1002"


def test_a_sale_at_9_55_arriving_after_the_10_02_count_moves_its_variance_from_minus_8_to_minus_7():
    ledger = [OPENING, *SALES, COUNT_1002, Event("adj-1", Kind.ADJUSTMENT, at(10, 2), -8,
                                                 count_key="count-1002")]
    assert merge.corrections(ledger) == {}
    late = sale("s-0955", at(9, 55))
    level = merge.current(ledger)

    assert merge.apply(level, late) == level
    assert merge.current([*ledger, late]).quantity == 15
    assert merge.variance([*ledger, late], COUNT_1002) == -7
    assert merge.corrections([*ledger, late]) == {"count-1002": 1}


def test_a_sale_at_exactly_10_02_is_taken_as_seen_by_the_counter_at_10_02():
    ledger = [OPENING, COUNT_1002, sale("s-1002", at(10, 2), 4)]
    assert merge.expected_at(ledger, COUNT_1002) == 26
    assert merge.current(ledger).quantity == 20


def test_two_counts_of_10_and_12_at_one_instant_are_ordered_by_key_and_variances_add_up():
    a = Event("a", Kind.COUNT, at(10, 0), 10)
    b = Event("b", Kind.COUNT, at(10, 0), 12)
    ledger = [Event("o", Kind.OPENING, at(9, 0), 11), b, a]
    assert merge.current(ledger).quantity == 12
    assert merge.variance(ledger, a) == -1
    assert merge.variance(ledger, b) == 2


def test_an_adjustment_of_minus_8_is_an_explanation_and_leaves_the_level_at_15():
    ledger = [OPENING, *SALES, COUNT_1002]
    adjustment = Event("adj", Kind.ADJUSTMENT, at(10, 2), -8, count_key="count-1002")
    assert merge.current([*ledger, adjustment]).quantity == 15
    assert merge.apply(merge.current(ledger), adjustment).quantity == 15


def test_an_opening_of_30_carries_no_adjustment():
    assert merge.corrections([OPENING, *SALES]) == {}


def test_with_no_count_the_level_of_2_receipts_of_12_and_3_sales_is_21():
    ledger = [Event("r1", Kind.RECEIVE, at(7, 0), 12), Event("r2", Kind.RECEIVE, at(7, 5), 12),
              sale("x1", at(9, 0)), sale("x2", at(9, 1)), sale("x3", at(9, 2))]
    assert merge.current(ledger).quantity == 21
    assert merge.level_at(ledger, at(7, 1)) == 12


def test_a_weighed_item_counts_in_thousandths_2_kg_minus_a_sale_of_350_g_is_1650():
    ledger = [Event("c", Kind.COUNT, at(9, 0), 2000), Event("s", Kind.SALE, at(9, 5), -350)]
    assert merge.current(ledger).quantity == 1650


def test_levels_of_3_item_locations_sum_to_the_store_total_of_36():
    ledger = [
        Event("a", Kind.COUNT, at(9, 0), 10, item_id=1, location_id=1),
        Event("b", Kind.COUNT, at(9, 0), 20, item_id=1, location_id=2),
        Event("c", Kind.TRANSFER_OUT, at(9, 5), -4, item_id=1, location_id=2),
        Event("d", Kind.TRANSFER_IN, at(9, 5), 4, item_id=1, location_id=1),
        Event("e", Kind.RECEIVE, at(9, 6), 6, item_id=1, location_id=3),
    ]
    levels = merge.levels(ledger)
    assert levels == {(1, 1): 14, (1, 2): 16, (1, 3): 6}
    assert sum(levels.values()) == 36


def test_a_sale_2_minutes_after_the_last_scan_is_flagged_and_one_6_minutes_after_is_not():
    first, last = at(10, 0), at(10, 3)
    near, far = sale("near", at(10, 5)), sale("far", at(10, 9))
    during, refund = sale("during", at(10, 1)), Event("r", Kind.REFUND, at(10, 2), 1)
    flagged = merge.ambiguous_sales([far, near, during, refund], first, last)
    assert [s.key for s in flagged] == ["during", "near"]


def test_a_window_of_10_minutes_also_flags_the_sale_6_minutes_after():
    flagged = merge.ambiguous_sales([sale("far", at(10, 9))], at(10, 0), at(10, 3),
                                    timedelta(minutes=10))
    assert [s.key for s in flagged] == ["far"]


def test_a_device_clock_7_minutes_fast_puts_a_scan_it_stamped_10_09_at_10_02():
    device_sent, server_received = at(10, 11), at(10, 4)
    assert merge.corrected_time(at(10, 9), device_sent, server_received) == at(10, 2)


def test_a_corrected_time_1_minute_ahead_is_refused_with_a_30_second_allowance_but_not_2_minutes():
    now = at(10, 0)
    assert merge.too_far_ahead(at(10, 1), now, timedelta(seconds=30))
    assert not merge.too_far_ahead(at(10, 1), now, timedelta(minutes=2))
