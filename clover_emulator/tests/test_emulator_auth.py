"""Tokens, scopes and OAuth v2 (clover-api.md section 2 and 8.1-8.2)."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from clover_emulator.tests.conftest import MID, OTHER_TOKEN, TOKEN, CloverCaller, emulator_config

APP = {"app_id": "SHELFCOUNTAPP", "app_secret": "s3cret"}


@pytest.fixture(scope="module")
def emu_config():
    return emulator_config(**APP, tokens={"access_lifetime": 60})


def _authorize(emu) -> str:
    response = requests.get(
        f"{emu.url}/oauth/v2/authorize",
        params={"client_id": "SHELFCOUNTAPP", "redirect_uri": "http://127.0.0.1:9/back", "state": "xyz"},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert (
        query["merchant_id"] == [MID]
        and query["client_id"] == ["SHELFCOUNTAPP"]
        and query["state"] == ["xyz"]
    )
    return query["code"][0]


def _exchange(emu, code: str) -> requests.Response:
    body = {"client_id": "SHELFCOUNTAPP", "client_secret": "s3cret", "code": code}
    return requests.post(f"{emu.url}/oauth/v2/token", json=body, timeout=5)


def _refresh(emu, refresh_token: str) -> requests.Response:
    body = {"client_id": "SHELFCOUNTAPP", "refresh_token": refresh_token}
    return requests.post(f"{emu.url}/oauth/v2/refresh", json=body, timeout=5)


def test_a_static_merchant_token_reads_the_merchant(api):
    response = api.get("")
    assert response.status_code == 200
    assert response.json()["id"] == MID
    assert "timezone" in api.get("/properties").json()


@pytest.mark.parametrize(
    ("token", "why"),
    [(None, "missing"), ("not-a-token", "unknown"), (OTHER_TOKEN, "token of another merchant")],
)
def test_bad_tokens_get_a_401_with_a_json_message(emu, token, why):
    response = CloverCaller(emu.url, token).get("/items")
    assert response.status_code == 401, why
    assert "message" in response.json()


def test_a_missing_scope_is_a_401_not_a_403(emu):
    reader = CloverCaller(emu.url, emu.token(MID, scopes=["INVENTORY_R"]))
    assert reader.get("/items").status_code == 200
    assert reader.get("/orders").status_code == 401
    assert reader.post("/item_stocks/ANYITEMID0000", {"quantity": 1}).status_code == 401


def test_a_token_in_the_query_string_is_refused(emu):
    response = requests.get(f"{emu.url}/v3/merchants/{MID}/items", params={"access_token": TOKEN}, timeout=5)
    assert response.status_code == 401


def test_the_oauth_code_exchange_returns_expirations_in_unix_seconds(emu):
    response = _exchange(emu, _authorize(emu))
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {
        "access_token",
        "access_token_expiration",
        "refresh_token",
        "refresh_token_expiration",
    }
    assert abs(tokens["access_token_expiration"] - (time.time() + 60)) < 5  # seconds, not ms
    assert CloverCaller(emu.url, tokens["access_token"]).get("/items").status_code == 200
    assert _exchange(emu, tokens["access_token"]).status_code == 401  # not a code
    no_refresh = requests.post(
        f"{emu.url}/oauth/v2/token?no_refresh_token=true",
        json={"client_id": "SHELFCOUNTAPP", "client_secret": "s3cret", "code": _authorize(emu)},
        timeout=5,
    ).json()
    assert "refresh_token" not in no_refresh


def test_a_code_works_once_and_a_wrong_secret_is_refused(emu):
    code = _authorize(emu)
    wrong = requests.post(
        f"{emu.url}/oauth/v2/token",
        json={"client_id": "SHELFCOUNTAPP", "client_secret": "nope", "code": code},
        timeout=5,
    )
    assert wrong.status_code == 401
    assert _exchange(emu, code).status_code == 200
    assert _exchange(emu, code).status_code == 401


def test_a_refresh_token_is_single_use_and_refreshes_are_counted(emu):
    first = _exchange(emu, _authorize(emu)).json()
    second = _refresh(emu, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert _refresh(emu, first["refresh_token"]).status_code == 401
    assert emu.counters()["refreshes"] == {MID: 1}
    assert CloverCaller(emu.url, second.json()["access_token"]).get("/items").status_code == 200
    # By default the old access token stops working after a refresh (a setting: Clover is silent).
    assert CloverCaller(emu.url, first["access_token"]).get("/items").status_code == 401


def test_the_old_access_token_can_be_kept_alive_after_a_refresh(emu):
    emu.settings(tokens={"old_access_valid_after_refresh": True})
    first = _exchange(emu, _authorize(emu)).json()
    assert _refresh(emu, first["refresh_token"]).status_code == 200
    assert CloverCaller(emu.url, first["access_token"]).get("/items").status_code == 200


def test_an_expired_access_token_is_a_401_until_refreshed(emu):
    tokens = _exchange(emu, _authorize(emu)).json()
    caller = CloverCaller(emu.url, tokens["access_token"])
    assert caller.get("/items").status_code == 200
    assert emu.expire_tokens() == 1
    assert caller.get("/items").status_code == 401
    caller.token = _refresh(emu, tokens["refresh_token"]).json()["access_token"]
    assert caller.get("/items").status_code == 200
