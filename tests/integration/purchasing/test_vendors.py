"""Vendors and their catalogs through the manager's pages, and CSV in and out."""

import io

import pytest
from sqlalchemy import select

from webapp.purchasing.models import Vendor, VendorItem


def upload(client, kind: str, text: str):
    data = {"csrf_token": client.csrf_token(), "kind": kind,
            "file": (io.BytesIO(text.encode()), f"{kind}.csv")}
    return client.post("/purchasing/import", content_type="multipart/form-data", data=data)


def test_a_manager_adds_a_vendor_and_its_catalog_with_several_vendors_per_item(login_as, make_item, db,
                                                                                 store):
    store.currency = "CAD"
    db.session.commit()
    manager = login_as("manager")
    milk = make_item("Oat Milk", sku="OAT-1", cost_cents=310)
    response = manager.post_form("/purchasing/vendors", {
        "name": "Dairy Co", "contact_name": "Dana", "email": "orders@dairy.example, dana@dairy.example",
        "phone": "555-0100", "lead_time_days": "3", "order_minimum": "150.00", "currency": "usd"})
    assert response.status_code == 302
    dairy = db.session.scalar(select(Vendor).where(Vendor.name == "Dairy Co"))
    assert (dairy.lead_time_days, dairy.order_minimum_cents, dairy.currency) == (3, 15000, "USD")
    assert dairy.email == "orders@dairy.example, dana@dairy.example"
    other = manager.post_form("/purchasing/vendors", {"name": "Cash & Carry <b>", "lead_time_days": "1"})
    assert other.status_code == 302
    carry = db.session.scalar(select(Vendor).where(Vendor.name == "Cash & Carry <b>"))
    assert carry.currency == "CAD"  # none given: the store's

    assert manager.post_form(f"/purchasing/vendors/{dairy.id}/items", {
        "code": "OAT-1", "vendor_sku": "D-77", "case_size": "12", "case_cost": "30.00",
        "preferred": "1"}).status_code == 302
    assert manager.post_form(f"/purchasing/vendors/{carry.id}/items", {
        "code": milk.barcodes[0].code, "case_size": "6", "case_cost": "17.40",
        "preferred": "1"}).status_code == 302
    rows = db.session.scalars(select(VendorItem).where(VendorItem.item_id == milk.id))
    lines = {vi.vendor_id: vi for vi in rows}
    assert set(lines) == {dairy.id, carry.id}
    # Marking the second vendor preferred took it from the first: one preferred vendor per item.
    assert (lines[dairy.id].preferred, lines[carry.id].preferred) == (False, True)
    dairy_line = lines[dairy.id]
    assert (dairy_line.case_size, dairy_line.case_cost_cents, dairy_line.vendor_sku) == (12, 3000, "D-77")
    page = manager.get(f"/purchasing/vendors/{carry.id}").get_data(as_text=True)
    assert "Oat Milk" in page and "Cash &amp; Carry &lt;b&gt;" in page
    assert "Carry <b>" not in page


@pytest.mark.parametrize(("form", "field"), [
    ({"name": ""}, "name"),
    ({"name": "X", "email": "not an address"}, "email"),
    ({"name": "X", "lead_time_days": "soon"}, "lead_time_days"),
    ({"name": "X", "lead_time_days": "-1"}, "lead_time_days"),
    ({"name": "X", "order_minimum": "-5"}, "order_minimum"),
    ({"name": "X", "currency": "dollars"}, "currency"),
])
def test_a_bad_vendor_form_is_refused_with_the_field_to_fix(login_as, db, form, field):
    manager = login_as("manager")
    response = manager.post(
        "/purchasing/vendors", data={"csrf_token": manager.csrf_token(), **form},
        headers={"Accept": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"]["field"] == field
    assert db.session.scalar(select(Vendor)) is None


def test_a_duplicate_vendor_name_is_a_conflict(login_as, vendor):
    manager = login_as("manager")
    response = manager.post("/purchasing/vendors", headers={"Accept": "application/json"},
                            data={"csrf_token": manager.csrf_token(), "name": "Dairy Co"})
    assert response.status_code == 409


def test_vendors_and_catalog_export_then_import_into_another_store_round_trip(
        login_as, make_item, make_store, make_user, db, vendor):
    from webapp.purchasing.vendors import CatalogInput, set_catalog_line

    manager = login_as("manager")
    milk = make_item("Oat Milk", sku="OAT-1")
    cheese = make_item("Cheddar", sku="CHD-1", measure="weight", unit_name="lb")
    set_catalog_line(vendor.store_id, vendor.id, CatalogInput(milk.id, 12, 3000, "D-77", True))
    set_catalog_line(vendor.store_id, vendor.id, CatalogInput(cheese.id, 5000, 4250, "CH-5"))
    vendors_csv = manager.get("/purchasing/vendors.csv").get_data(as_text=True)
    catalog_csv = manager.get("/purchasing/vendor-items.csv").get_data(as_text=True)
    assert vendors_csv.splitlines()[1] == "Dairy Co,Dana,orders@dairy.example,555-0100,7,0.00,USD"
    assert catalog_csv.splitlines()[1:] == ["Dairy Co,OAT-1,D-77,12,30.00,yes",
                                            "Dairy Co,CHD-1,CH-5,5.000,42.50,no"]

    other = make_store("Uptown")
    make_item("Oat Milk", sku="OAT-1", store_id=other.id)
    make_item("Cheddar", sku="CHD-1", measure="weight", unit_name="lb", store_id=other.id)
    uptown = login_as(user=make_user("manager", store_id=other.id))
    assert upload(uptown, "vendors", vendors_csv).status_code == 200
    assert upload(uptown, "catalog", catalog_csv).status_code == 200
    assert uptown.get("/purchasing/vendor-items.csv").get_data(as_text=True) == catalog_csv
    # Importing again changes the rows it names, and adds none.
    assert upload(uptown, "catalog", catalog_csv.replace("30.00", "31.00")).status_code == 200
    assert db.session.scalar(select(VendorItem.case_cost_cents).where(
        VendorItem.store_id == other.id, VendorItem.vendor_sku == "D-77")) == 3100
    assert len(db.session.scalars(select(VendorItem).where(VendorItem.store_id == other.id)).all()) == 2


def test_a_catalog_import_with_a_bad_row_changes_nothing_and_names_each_bad_row(login_as, make_item, db,
                                                                                vendor):
    manager = login_as("manager")
    make_item("Oat Milk", sku="OAT-1")
    text = ("vendor,code,vendor_sku,case_size,case_cost,preferred\n"
            "Dairy Co,OAT-1,D-77,12,30.00,yes\n"
            "Nobody Inc,OAT-1,,6,1.00,\n"
            "Dairy Co,NO-SUCH,,6,1.00,\n"
            "Dairy Co,OAT-1,,0,1.00,\n")
    response = upload(manager, "catalog", text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nobody Inc" in page and "NO-SUCH" in page
    assert _errors(page) == [("3", "vendor"), ("4", "code"), ("5", "case_size")]
    assert db.session.scalar(select(VendorItem)) is None


def _errors(page: str) -> list[tuple[str, str]]:
    import re

    section = page.split('id="import-errors"')[1].split("</section>")[0]
    return [(a, b) for a, b in re.findall(r"<tr><td>(\d+)</td><td>(\w*)</td>", section)]


def test_a_receiver_cannot_see_or_change_vendors(login_as, vendor):
    receiver = login_as("receiver")
    assert receiver.get("/purchasing/").status_code == 403
    assert receiver.post_form("/purchasing/vendors", {"name": "Sneaky"}).status_code == 403
    assert receiver.get("/purchasing/vendors.csv").status_code == 403


def test_an_import_without_a_file_or_of_an_unknown_kind_is_a_400_that_says_what_to_do(login_as, vendor):
    manager = login_as("manager")
    no_file = manager.post("/purchasing/import", data={"csrf_token": manager.csrf_token(), "kind": "vendors"},
                           content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert no_file.status_code == 400 and no_file.json["error"]["field"] == "file"
    odd = upload(manager, "invoices", "name\nX\n")
    assert odd.status_code == 400
