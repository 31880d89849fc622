"""`flask clover check` against the emulator answering each open question both ways
(clover-fidelity.md; `fidelity` in clover_emulator/README.md): read-only unless --sandbox."""

from __future__ import annotations

import pytest

from tests.integration.clover.conftest import MERCHANT

OTHER_WAY = {"refund_line_items": "list", "voided_order_ref": False, "voided_order_by": False,
             "order_delete_voids": False, "offline_modified_time": "device"}


def _trade(emulator, clover_items) -> None:
    oat, cola = clover_items["Oat Milk 1L"], clover_items["Cola 12 oz Can"]
    sold = emulator.sale(MERCHANT, [{"item_id": oat, "qty": 2}])
    emulator.refund(MERCHANT, sold["id"], [sold["lineItems"]["elements"][0]["id"]])
    for _ in range(2):
        order = emulator.sale(MERCHANT, [{"item_id": cola, "qty": 2}])
        emulator.void(MERCHANT, order["id"], order["lineItems"]["elements"][0]["id"])
    emulator.sale(MERCHANT, [{"item_id": oat, "qty": 1}], paid=False)  # left open


def _check(app, *args):
    return app.test_cli_runner().invoke(args=["clover", "check", *args])


def _writes(emulator) -> list[str]:
    return [p for p in emulator.counters()["requests_by_path"] if not p.startswith("GET ")]


@pytest.mark.parametrize("emulator_settings", [{}, {"fidelity": OTHER_WAY}], ids=["documented", "other-way"])
def test_the_check_reports_what_clover_answered_and_that_each_answer_is_handled(
        app, emulator, connected, clover_items, emulator_settings):
    _trade(emulator, clover_items)
    emulator.control("POST", "/counters/reset", {})
    result = _check(app)
    out = result.output
    assert result.exit_code == 0, out
    assert "read-only" in out and "0 need attention" in out
    assert _writes(emulator) == []  # read-only: GETs only
    documented = not emulator_settings
    assert ("2 of 2 voided records name their order" if documented else
            "0 of 2 voided records name their order") in out
    assert ("oldest first (honoured)" if documented else "not in that order (ignored)") in out
    assert ("wrapped {elements}" if documented else "a bare list") in out
    assert "1 of 4 not paid or locked" in out
    assert out.count("Shelfcount: handled") == 7


@pytest.mark.parametrize("emulator_settings", [{}, {"fidelity": OTHER_WAY}], ids=["documented", "other-way"])
def test_sandbox_writes_are_made_and_undone(app, emulator, connected, clover_items, emulator_settings):
    before = emulator.control("GET", f"/merchants/{MERCHANT}/stock")
    orders_before = emulator.control("GET", f"/merchants/{MERCHANT}")["orders"]
    emulator.control("POST", "/counters/reset", {})
    result = _check(app, "--sandbox")
    out = result.output
    assert result.exit_code == 0, out
    assert "wrote 2.5, read back quantity=2.5" in out
    listed = "2 of 2 deleted lines listed" if not emulator_settings else "1 of 2 deleted lines listed"
    assert listed in out
    assert _writes(emulator)  # it did write
    assert emulator.control("GET", f"/merchants/{MERCHANT}/stock") == before
    assert emulator.control("GET", f"/merchants/{MERCHANT}")["orders"] == orders_before


def test_the_check_needs_a_connected_store(app, db, store):
    result = _check(app)
    assert result.exit_code != 0 and "no store is connected" in result.output
