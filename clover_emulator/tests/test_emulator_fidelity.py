"""The shapes clover-fidelity.md leaves unconfirmed: the emulator answers each of them either way."""

import pytest

from clover_emulator.tests.conftest import MID


def _sale(emu, items, qty=2, **options):
    return emu.sale(MID, [{"item_id": items["OAT-1L"], "qty": qty}], **options)


@pytest.mark.parametrize(("shape", "expected"), [("elements", dict), ("list", list)])
def test_a_refund_lists_its_line_items_wrapped_or_bare(emu, api, items, shape, expected):
    emu.settings(fidelity={"refund_line_items": shape})
    order = _sale(emu, items)
    line = order["lineItems"]["elements"][0]["id"]
    emu.refund(MID, order["id"], [line])
    refunds = api.get(f"/orders/{order['id']}", expand="refunds").json()["refunds"]["elements"]
    listed = refunds[0]["lineItems"]
    assert isinstance(listed, expected)
    assert (listed["elements"] if shape == "elements" else listed) == [{"id": line}]


@pytest.mark.parametrize("keeps_order_ref", [True, False])
def test_a_voided_record_names_its_order_only_when_set_to(emu, api, items, keeps_order_ref):
    emu.settings(fidelity={"voided_order_ref": keeps_order_ref})
    order = _sale(emu, items, paid=False)
    line = order["lineItems"]["elements"][0]["id"]
    emu.void(MID, order["id"], line)
    [record] = api.get("/voided_line_items").json()["elements"]
    assert record["lineItem"]["id"] == line
    assert record["deleteType"] == "LINE_ITEM"
    assert ("orderRef" in record["lineItem"]) is keeps_order_ref
    assert "orderRef" not in record


@pytest.mark.parametrize("lists_voids", [True, False])
def test_a_deleted_order_is_404_and_its_lines_listed_as_voided_when_set_to(emu, api, items, lists_voids):
    emu.settings(fidelity={"order_delete_voids": lists_voids})
    order = _sale(emu, items, qty=3, paid=False)
    kept = _sale(emu, items, qty=1)
    assert api.request("DELETE", f"/orders/{order['id']}").status_code == 200
    assert api.get(f"/orders/{order['id']}").status_code == 404
    assert api.request("DELETE", f"/orders/{order['id']}").status_code == 404
    assert [o["id"] for o in api.get("/orders").json()["elements"]] == [kept["id"]]
    records = api.get("/voided_line_items").json()["elements"]
    if lists_voids:
        lines = sorted(x["id"] for x in order["lineItems"]["elements"])
        assert sorted(r["lineItem"]["id"] for r in records) == lines
        assert {r["deleteType"] for r in records} == {"ORDER"}
    else:
        assert records == []
    assert emu.stock(MID, items["OAT-1L"])["quantity"] == 24


@pytest.mark.parametrize("honoured", [True, False])
def test_voided_lines_come_in_the_order_asked_or_newest_first(emu, api, items, honoured):
    emu.settings(fidelity={"voided_order_by": honoured})
    order = _sale(emu, items, qty=3, paid=False)
    lines = [x["id"] for x in order["lineItems"]["elements"]]
    for line in lines:
        emu.void(MID, order["id"], line)
    page = api.get("/voided_line_items", orderBy="deletedTime ASC").json()["elements"]
    listed = [r["lineItem"]["id"] for r in page]
    assert listed == (lines if honoured else lines[::-1])


@pytest.mark.parametrize("stamp", ["server", "device"])
def test_a_reconnecting_device_s_orders_get_the_server_s_times_or_keep_their_own(emu, api, items, stamp):
    emu.settings(fidelity={"offline_modified_time": stamp})
    order = _sale(emu, items, offline=True, device_id="till-2", client_created_time=1_700_000_000_000)
    before = emu.control("GET", f"/merchants/{MID}/orders/{order['id']}")
    emu.reconnect(MID, "till-2")
    after = api.get(f"/orders/{order['id']}").json()
    assert after["clientCreatedTime"] == 1_700_000_000_000
    if stamp == "server":
        assert after["modifiedTime"] > before["modifiedTime"]
    else:
        assert after["modifiedTime"] == before["modifiedTime"]
