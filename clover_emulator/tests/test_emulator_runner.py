"""The command-line runner and the control API's seeding helpers."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from clover_emulator.harness import EmulatorControlError
from clover_emulator.tests.conftest import MID, CloverCaller

ROOT = Path(__file__).resolve().parents[2]


def test_the_runner_serves_a_seeded_merchant_and_trades_live(tmp_path):
    items = tmp_path / "items.json"
    items.write_text('[{"name": "Tea", "price": 300, "sku": "TEA", "quantity": 10}]')
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clover_emulator",
            "--port",
            "0",
            "--merchant",
            MID,
            "--token",
            "tok",
            "--items-json",
            str(items),
            "--trade-every",
            "0.05",
            "--no-rate-limits",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Clover emulator at http://127.0.0.1:"), line
        url = line.split()[3]
        caller = CloverCaller(url, "tok")
        assert [i["sku"] for i in caller.get("/items").json()["elements"]] == ["TEA"]
        deadline = time.monotonic() + 5
        while not caller.get("/orders").json()["elements"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert caller.get("/orders").json()["elements"], "live trading rang up nothing"
        caller.http.close()
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()


def test_resetting_a_merchant_keeps_its_item_ids_and_seeded_stock_and_drops_its_orders(emu, api, items):
    api.post(f"/item_stocks/{items['OAT-1L']}", {"quantity": 1})
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    emu.control("POST", f"/merchants/{MID}/reset", {})
    assert api.get("/orders").json()["elements"] == []
    assert {i["sku"]: i["id"] for i in emu.control("GET", f"/merchants/{MID}")["items"]} == items
    assert emu.stock(MID, items["OAT-1L"])["quantity"] == 24.0
    assert api.get("").status_code == 200  # the static token survives a reset


def test_merchants_items_and_tokens_can_be_added_at_run_time(emu):
    created = emu.create_merchant(id="NEWSHOP000001", items=[{"name": "Jam", "price": 450, "quantity": 2.5}])
    token = emu.token("NEWSHOP000001", scopes=["INVENTORY_R"])
    caller = CloverCaller(emu.url, token, "NEWSHOP000001")
    stock = caller.get(f"/item_stocks/{created['items'][0]['id']}").json()
    assert stock["quantity"] == 2.5 and stock["stockCount"] == 3
    emu.control("POST", "/merchants/NEWSHOP000001/items", {"name": "Honey", "price": 800})
    assert len(caller.get("/items").json()["elements"]) == 2
    for bad in (
        {"no_such_setting": 1},
        {"rate_limits": {"enabled": "no"}},
        {"tokens": {"access_lifetime": "1h"}},
    ):
        assert requests.post(f"{emu.url}/_emulator/settings", json=bad, timeout=5).status_code == 400


def test_the_merchant_can_edit_and_delete_items_from_the_control_api(emu, api, items):
    edited = emu.control(
        "POST", f"/merchants/{MID}/items/{items['MUF-BB']}", {"price": 375, "name": "Muffin"}
    )
    assert edited["price"] == 375
    assert api.get(f"/items/{items['MUF-BB']}").json()["name"] == "Muffin"
    emu.control("POST", f"/merchants/{MID}/items/{items['MUF-BB']}/delete", {})
    assert api.get(f"/items/{items['MUF-BB']}").status_code == 404


def test_a_full_reset_restores_the_config_with_the_same_ids(emu, api, items):
    emu.create_merchant(id="NEWSHOP000001")
    emu.settings(rate_limits={"enabled": True, "token_per_second": 1})
    emu.sale(MID, [{"item_id": items["OAT-1L"]}])
    emu.reset()
    assert emu.control("GET", "/settings")["rate_limits"]["enabled"] is False
    assert {i["sku"]: i["id"] for i in emu.control("GET", f"/merchants/{MID}")["items"]} == items
    assert api.get("/orders").json()["elements"] == []
    with pytest.raises(EmulatorControlError, match="404"):
        emu.control("GET", "/merchants/NEWSHOP000001")
