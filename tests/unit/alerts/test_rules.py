"""The arithmetic of reorder points and low-stock alerts, with exact figures."""

from fractions import Fraction

from webapp.alerts import rules


def test_velocity_is_units_per_day_over_the_window():
    assert rules.velocity(42, 28) == Fraction(3, 2)
    assert rules.velocity(-3, 28) == 0


def test_a_suggested_reorder_point_is_velocity_times_lead_time_plus_safety_stock():
    s = rules.suggest_reorder_point(sold=42, window_days=28, lead_time_days=5, safety_stock=4)
    assert s.velocity == Fraction(3, 2)
    assert s.lead_time_demand == 8  # 7.5 rounded up
    assert s.point == 12


def test_an_item_that_sold_nothing_gets_no_suggestion_and_a_manual_point_wins():
    quiet = rules.suggest_reorder_point(0, 28, 5, 4)
    assert quiet.point is None
    assert rules.effective_reorder_point(None, quiet) is None
    busy = rules.suggest_reorder_point(42, 28, 5, 4)
    assert rules.effective_reorder_point(3, busy) == 3
    assert rules.effective_reorder_point(None, busy) == 12


def test_days_of_cover_is_level_over_velocity():
    assert rules.days_of_cover(9, Fraction(3, 2)) == 6
    assert rules.days_of_cover(0, Fraction(3, 2)) == 0
    assert rules.days_of_cover(-2, Fraction(1)) == 0
    assert rules.days_of_cover(5, Fraction(0)) is None


def test_an_alert_is_raised_once_on_crossing_and_again_only_after_recovery():
    steps = [(12, "ok", False), (10, "low", True), (7, "low", False), (10, "low", False),
             (11, "ok", False), (9, "low", True)]
    state = None
    for level, expected_state, expected_raise in steps:
        t = rules.crossing(state, level, 10)
        assert (t.state, t.raised) == (expected_state, expected_raise), level
        state = t.state


def test_an_item_without_a_reorder_point_is_never_low():
    assert rules.crossing(None, 0, None) == rules.Transition("ok", False, False)
    assert rules.crossing("low", 0, None) == rules.Transition("ok", False, True)


def test_an_item_first_seen_below_its_point_raises():
    assert rules.crossing(None, 2, 5).raised
