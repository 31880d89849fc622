"""Rate limits and 429s (clover-api.md section 6 and 8.9)."""

import threading
import time

import pytest

from clover_emulator.tests.conftest import MID, OTHER_TOKEN, CloverCaller, emulator_config


@pytest.fixture(scope="module")
def emu_config():
    return emulator_config(
        rate_limits={
            "enabled": True,
            "token_per_second": 3,
            "token_in_flight": 5,
            "app_per_second": 50,
            "app_in_flight": 10,
            "penalty_seconds": 0.4,
        }
    )


def test_going_over_the_per_token_rate_is_a_429_with_retry_after_and_the_limit_header(api):
    statuses = [api.get("/items").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = api.get("/items")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"  # whole seconds, rounded up from 0.4
    assert response.headers["X-RateLimit-tokenLimit"] == "3"
    assert response.json()["message"] == "Too Many Requests"


def test_requests_inside_the_penalty_window_lengthen_it(api):
    for _ in range(4):
        api.get("/items")
    time.sleep(0.25)
    assert api.get("/items").status_code == 429  # extends the 0.4 s window from here
    time.sleep(0.25)  # past the first window's end, inside the extended one
    assert api.get("/items").status_code == 429
    time.sleep(0.5)
    assert api.get("/items").status_code == 200


def test_the_app_wide_limit_counts_every_token(emu):
    emu.settings(rate_limits={"token_per_second": 100, "app_per_second": 4})
    mine, theirs = CloverCaller(emu.url), CloverCaller(emu.url, OTHER_TOKEN, "OTHERMERCHNT1")
    assert [mine.get("/items").status_code for _ in range(2)] == [200, 200]
    assert [theirs.get("/items").status_code for _ in range(2)] == [200, 200]
    response = theirs.get("/items")
    assert response.status_code == 429
    assert response.headers["X-RateLimit-crossTokenLimit"] == "4"
    assert emu.counters()["limited_by"] == {"crossTokenLimit": 1}  # which limit each 429 named


def test_too_many_requests_in_flight_for_one_token_is_a_429(emu):
    emu.settings(response_delay=0.3, rate_limits={"token_in_flight": 1, "token_per_second": 100})
    results: list = []

    def call():
        results.append(CloverCaller(emu.url).get("/items"))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    limited = [r for r in results if r.status_code == 429]
    assert len(limited) == 1
    assert limited[0].headers["X-RateLimit-tokenConcurrentLimit"] == "1"


def test_force_429_answers_the_next_n_calls_whatever_the_limits(emu, api):
    emu.settings(rate_limits={"enabled": False})
    emu.force_429(2)
    first, second, third = (api.get("/items") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["retry-after"] == "1"
    assert emu.stock(MID, emu.control("GET", f"/merchants/{MID}")["items"][0]["id"])["quantity"] == 24.0


def test_the_control_api_is_never_rate_limited(emu, api):
    for _ in range(3):
        api.get("/items")
    assert api.get("/items").status_code == 429
    for _ in range(10):
        emu.counters()
    assert emu.counters()["responses_by_status"]["429"] == 1
