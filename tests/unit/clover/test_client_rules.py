"""The client's pure rules: the throttle's sliding window, retry-after, 90-day slices."""

from __future__ import annotations

import threading

import pytest

from webapp.clover.client import NINETY_DAYS_MS, StaticToken, Throttle, retry_after_seconds, time_slices


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_throttle_never_starts_more_than_the_rate_in_any_window():
    clock = FakeClock()
    throttle = Throttle(16, 5, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(100):
        with throttle.slot():
            starts.append(clock.now)
    window = throttle.window
    for i, start in enumerate(starts):
        inside = [s for s in starts if start <= s < start + window]
        assert len(inside) <= 16, (i, len(inside))
    # and it is not needlessly slow: 100 requests at 16 a second take about six windows
    assert starts[-1] - starts[0] < 7 * window


def test_a_pause_holds_every_caller_until_it_ends():
    clock = FakeClock()
    throttle = Throttle(16, 5, clock=clock, sleep=clock.sleep)
    throttle.pause(3.0)
    with throttle.slot():
        assert clock.now >= 1003.0


def test_the_throttle_allows_at_most_the_concurrency_in_flight():
    throttle = Throttle(1000, 3)
    inside = 0
    peak = 0
    lock = threading.Lock()
    release = threading.Event()

    def work():
        nonlocal inside, peak
        with throttle.slot():
            with lock:
                inside += 1
                peak = max(peak, inside)
            release.wait(0.2)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2", 2.0), ("0.5", 0.5), (None, 1.0), ("", 1.0), ("soon", 1.0), ("-3", 0.0)],
)
def test_retry_after_is_read_as_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_a_long_backfill_is_cut_into_ninety_day_slices():
    slices = time_slices(0, 200 * 86_400_000)
    end = 200 * 86_400_000
    assert slices == [(0, NINETY_DAYS_MS), (NINETY_DAYS_MS, 2 * NINETY_DAYS_MS), (2 * NINETY_DAYS_MS, end)]
    assert time_slices(5, 10) == [(5, 10)]


def test_a_static_token_never_shows_in_its_repr():
    assert "secret" not in repr(StaticToken("secret-token"))
