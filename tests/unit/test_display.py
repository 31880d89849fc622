"""Stored UTC instants as a store's people read them, on both sides of a DST change."""

from datetime import UTC, datetime

import pytest

from webapp.display import time_text


@pytest.mark.parametrize(
    ("at", "tz", "text"),
    [
        (datetime(2026, 1, 15, 16, 2, tzinfo=UTC), "America/New_York", "2026-01-15 11:02 EST"),
        (datetime(2026, 7, 15, 16, 2, tzinfo=UTC), "America/New_York", "2026-07-15 12:02 EDT"),
        (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), "America/New_York", "2026-03-08 01:59 EST"),
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "America/New_York", "2026-03-08 03:00 EDT"),
        (datetime(2026, 1, 15, 3, 30, tzinfo=UTC), "America/New_York", "2026-01-14 22:30 EST"),
        (datetime(2026, 1, 15, 16, 2, tzinfo=UTC), "UTC", "2026-01-15 16:02 UTC"),
    ],
)
def test_a_time_reads_on_the_stores_clock_with_its_zone(at, tz, text):
    assert time_text(at, tz) == text


def test_styles_and_edges():
    at = datetime(2026, 1, 15, 16, 2, 5, tzinfo=UTC)
    assert time_text(at, "America/New_York", "clock") == "11:02:05"
    assert time_text(at, "America/New_York", "short") == "Jan 15 11:02 EST"
    assert time_text(at.replace(tzinfo=None), "America/New_York", "clock") == "11:02:05"  # naive is UTC
    assert time_text(at, "Not/AZone", "clock") == "16:02:05"  # a bad setting reads UTC, never a 500
    assert time_text(None, "America/New_York") == ""
