"""Purchase orders: made by managers in the app or imported from CSV with a row-by-row report."""

import io

import pytest
from sqlalchemy import select

from webapp.receiving.models import PurchaseOrder


@pytest.fixture
def items(make_item):
    return [make_item("Oat Milk", sku="OAT-1", cost_cents=310),
            make_item("Coffee", sku="COF-1", cost_cents=899),
            make_item("Bananas", sku="BAN-1", cost_cents=129, measure="weight", unit_name="lb")]


def upload(client, text: str):
    data = {"csrf_token": client.csrf_token(), "file": (io.BytesIO(text.encode()), "po.csv")}
    return client.post("/receiving/pos/import", content_type="multipart/form-data", data=data)


def test_a_manager_creates_a_po_adds_lines_and_sends_it(login_as, items, db):
    manager = login_as("manager")
    response = manager.post_form("/receiving/pos", {"reference": "PO-7", "vendor": "Dairy Co",
                                                    "expected_on": "2026-12-01"})
    assert response.status_code == 302
    po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.reference == "PO-7"))
    assert po.status == "draft"
    code = items[0].barcodes[0].code
    lines = f"/receiving/pos/{po.id}/lines"
    assert manager.post_form(lines, {"code": code, "quantity": "24"}).status_code == 302
    assert manager.post_form(lines,
                             {"code": "BAN-1", "quantity": "2.5", "unit_cost": "1.10"}).status_code == 302
    assert manager.post_form(f"/receiving/pos/{po.id}/send").status_code == 302
    db.session.refresh(po)
    assert po.status == "open"
    assert [(ln.ordered_qty, ln.unit_cost_cents) for ln in po.lines] == [(24, 310), (2500, 110)]
    page = manager.get(f"/receiving/pos/{po.id}").get_data(as_text=True)
    assert "Oat Milk" in page and "2.5" in page
    # Sent means fixed.
    assert manager.post_form(lines, {"code": code, "quantity": "1"}).status_code == 409


def test_a_receiver_cannot_create_a_po(login_as):
    receiver = login_as("receiver")
    assert receiver.post_form("/receiving/pos", {"reference": "X", "vendor": "Y"}).status_code == 403
    assert receiver.get("/receiving/pos").status_code == 403


def test_a_csv_import_creates_one_po_per_reference(login_as, items, db):
    manager = login_as("manager")
    text = ("reference,vendor,expected_on,code,quantity,unit_cost\n"
            "PO-1,Dairy Co,2026-12-01,OAT-1,12,3.05\n"
            f"PO-1,Dairy Co,2026-12-01,{items[1].barcodes[0].code},6,\n"
            "PO-2,Fruit Inc,,BAN-1,40.5,0.99\n")
    response = upload(manager, text)
    assert response.status_code == 200, response.get_data(as_text=True)
    pos = {po.reference: po for po in db.session.scalars(select(PurchaseOrder))}
    assert set(pos) == {"PO-1", "PO-2"}
    assert [(ln.ordered_qty, ln.unit_cost_cents) for ln in pos["PO-1"].lines] == [(12, 305), (6, 899)]
    assert [(ln.ordered_qty, ln.unit_cost_cents) for ln in pos["PO-2"].lines] == [(40500, 99)]
    assert all(po.status == "draft" for po in pos.values())


def test_a_csv_import_with_bad_rows_imports_nothing_and_reports_each_row(login_as, items, db):
    manager = login_as("manager")
    text = ("reference,vendor,expected_on,code,quantity,unit_cost\n"
            "PO-1,Dairy Co,2026-12-01,OAT-1,12,3.05\n"
            "PO-1,Dairy Co,2026-12-01,NOPE,6,\n"
            "PO-1,Dairy Co,2026-12-01,COF-1,two,\n"
            "PO-2,Fruit Inc,13/01/2026,BAN-1,4,\n"
            "PO-3,Fruit Inc,,COF-1,1,-2\n")
    response = upload(manager, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    for line in ("<td>3</td>", "<td>4</td>", "<td>5</td>", "<td>6</td>"):
        assert line in page
    assert "<td>2</td>" not in page
    assert db.session.scalar(select(PurchaseOrder)) is None


def test_a_csv_without_the_needed_columns_is_refused(login_as):
    response = upload(login_as("manager"), "ref,name\nx,y\n")
    assert response.status_code == 400
