"""Fixtures for the emulator's own tests: a running emulator with one seeded merchant, and a
small Clover caller that sends the bearer token like a real client."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from clover_emulator.harness import RunningEmulator

MID = "XYZVJT2ZRRRSC"
OTHER_MID = "OTHERMERCHNT1"
TOKEN = "emulator-test-token"
OTHER_TOKEN = "other-merchant-token"

ITEMS = [
    {
        "name": "Oat Milk 1L",
        "price": 499,
        "cost": 310,
        "code": "0850012345678",
        "sku": "OAT-1L",
        "quantity": 24,
        "autoManage": True,
        "categories": ["Dairy"],
    },
    {
        "name": "Coffee Beans (bulk)",
        "price": 1899,
        "cost": 950,
        "sku": "BEAN-BULK",
        "priceType": "PER_UNIT",
        "unitName": "lb",
        "quantity": 12.75,
        "categories": ["Coffee"],
    },
    {"name": "Blueberry Muffin", "price": 325, "sku": "MUF-BB"},
    {"name": "Staff Coffee", "price": 100, "sku": "STAFF", "hidden": True, "quantity": 3},
]


def emulator_config(**overrides: Any) -> dict[str, Any]:
    """One merchant with a full-scope static token, a second merchant, limits off by default."""
    config: dict[str, Any] = {
        "merchants": [
            {
                "id": MID,
                "name": "Corner Market",
                "items": [dict(i) for i in ITEMS],
                "tokens": [{"token": TOKEN}],
            },
            {"id": OTHER_MID, "name": "Other Shop", "items": [], "tokens": [{"token": OTHER_TOKEN}]},
        ],
        "rate_limits": {"enabled": False},
    }
    config.update(overrides)
    return config


class CloverCaller:
    """Calls /v3/merchants/{mId}/... over HTTP with ``Authorization: Bearer``."""

    def __init__(self, url: str, token: str | None = TOKEN, merchant_id: str = MID) -> None:
        self.base = f"{url}/v3/merchants/{merchant_id}"
        self.token = token
        self.http = requests.Session()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.base + path, params=params, headers=self._headers(), timeout=10)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.http.post(self.base + path, json=body, headers=self._headers(), timeout=10)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.base + path, headers=self._headers(), timeout=10, **kwargs)

    def all_pages(self, path: str, limit: int = 1000, **params: Any) -> list[dict[str, Any]]:
        elements: list[dict[str, Any]] = []
        while True:
            page = self.get(path, limit=limit, offset=len(elements), **params)
            assert page.status_code == 200, page.text
            chunk = page.json()["elements"]
            elements.extend(chunk)
            if len(chunk) < limit:
                return elements


@pytest.fixture(scope="module")
def emu_config() -> dict[str, Any]:
    """Override (module scope) to start a module's emulator differently."""
    return emulator_config()


@pytest.fixture(scope="module")
def running_emu(emu_config) -> Iterator[RunningEmulator]:
    with RunningEmulator(emu_config) as running:
        yield running


@pytest.fixture
def emu(running_emu) -> RunningEmulator:
    """The module's emulator, reset to its config (same ids) before each test."""
    running_emu.reset()
    return running_emu


@pytest.fixture
def api(emu) -> Iterator[CloverCaller]:
    caller = CloverCaller(emu.url)
    yield caller
    caller.http.close()


@pytest.fixture
def items(emu) -> dict[str, str]:
    """Seeded item ids by sku."""
    return {i["sku"]: i["id"] for i in emu.control("GET", f"/merchants/{MID}")["items"]}
