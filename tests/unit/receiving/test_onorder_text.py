"""How what is on order reads beside a level: the weekday within a week, else the date."""

from datetime import timedelta

import pytest

from webapp.receiving.onorder import OnOrder, describe
from webapp.types import utcnow


@pytest.mark.parametrize(("days", "expected"), [
    (0, "due {d:%a}"),
    (6, "due {d:%a}"),
    (7, "due {d:%b} {d.day}"),
    (-2, "was due {d:%b} {d.day}"),
])
def test_the_due_date_reads_as_a_weekday_within_a_week_and_as_a_date_otherwise(days, expected):
    due = utcnow().date() + timedelta(days=days)
    assert OnOrder(12, due).due_text == expected.format(d=due)
    assert describe(OnOrder(12, due)) == "12 on order, " + expected.format(d=due)


def test_nothing_due_reads_as_nothing_and_an_undated_order_has_no_date():
    assert describe(None) == "" and describe(OnOrder(0, None)) == ""
    assert describe(OnOrder(2500, None), "2.5") == "2.5 on order"
