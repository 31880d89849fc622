"""Catalog CSV: export streams, import creates or updates by sku, each row whole or not at all."""

import csv
import io

import pytest

from webapp.catalog import csvio
from webapp.catalog.models import Barcode, Item

HEADER = "sku,name,category,price,cost,reorder_point,barcodes,active,clover_id\n"


def _upload(client, text: str, mode: str = "apply"):
    data = {"file": (io.BytesIO(text.encode()), "catalog.csv"), "mode": mode}
    return client.post_form("/items/import", data, content_type="multipart/form-data")


def test_export_streams_every_item_in_dollars_with_barcodes_and_packs(manager, make_item):
    make_item("Cola", sku="BEV-1", price_cents=109, cost_cents=55, reorder_point=24, category="beverages",
              clover_id="CLV1", barcodes=[("036000291452", 1), ("10036000291459", 24)])
    make_item("Bananas", sku="PRO-1", price_cents=69, measure="weight", unit_name="lb", reorder_point=12500,
              barcodes=[("4011", 1)], active=False)
    response = manager.get("/items/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == {"sku": "BEV-1", "name": "Cola", "category": "beverages", "price": "1.09",
                       "cost": "0.55", "reorder_point": "24", "barcodes": "036000291452;10036000291459*24",
                       "active": "yes", "clover_id": "CLV1", "measure": "each"}
    assert rows[1]["reorder_point"] == "12.5" and rows[1]["active"] == "no" and rows[1]["measure"] == "weight"


def test_a_name_that_looks_like_a_formula_is_defused_and_survives_a_round_trip(manager, make_item, db):
    item = make_item("=HYPERLINK(\"http://x\")", sku="X-1")
    exported = manager.get("/items/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in exported
    report = csvio.import_csv(item.store_id, exported.encode())
    assert report.ok and report.unchanged == 1
    assert db.session.get(Item, item.id).name == "=HYPERLINK(\"http://x\")"


def test_import_creates_and_updates_items_by_sku(manager, make_item, db, store):
    make_item("Old name", sku="BEV-1", price_cents=100, barcodes=[("036000291452", 1)])
    text = HEADER + (
        "BEV-1,Cola 12 oz,beverages,1.09,0.55,24,036000291452;10036000291459*24,yes,\n"
        "SNK-1,Pretzels,snacks,3.99,2.10,6,4006381333931,yes,CLVPRETZEL\n"
    )
    response = _upload(manager, text)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1  created" in page.replace("\n", " ") or "1 created" in " ".join(page.split())
    cola = db.session.query(Item).filter_by(sku="BEV-1").one()
    assert (cola.name, cola.price_cents, cola.cost_cents, cola.reorder_point) == ("Cola 12 oz", 109, 55, 24)
    codes = sorted((b.code, b.pack_qty) for b in cola.barcodes)
    assert codes == [("036000291452", 1), ("10036000291459", 24)]
    pretzels = db.session.query(Item).filter_by(sku="SNK-1").one()
    assert (pretzels.store_id, pretzels.clover_id, pretzels.barcodes[0].gtin14) == (
        store.id, "CLVPRETZEL", "04006381333931")


def test_import_matches_by_clover_id_when_the_sku_is_new(make_item, db, store):
    item = make_item("Cola", clover_id="CLV1", sku=None)
    report = csvio.import_csv(store.id, (HEADER + "BEV-9,Cola,,2.00,,,,,CLV1\n").encode())
    assert (report.created, report.updated) == (0, 1)
    item = db.session.get(Item, item.id)
    assert (item.sku, item.price_cents) == ("BEV-9", 200)


def test_a_bad_row_is_reported_by_line_and_reason_and_the_good_rows_still_land(db, store, make_item):
    make_item("Cola", sku="BEV-1", barcodes=[("036000291452", 1)])
    text = HEADER + (
        "SNK-1,Pretzels,snacks,3.99,2.10,6,,yes,\n"  # line 2: fine
        "SNK-2,Chips,snacks,4.999,2.10,6,,yes,\n"  # line 3: fraction of a cent
        "SNK-3,Nuts,snacks,5.00,3.00,6,0123,yes,\n"  # line 4: fine (a short store code, not a GTIN)
        "SNK-4,Crackers,snacks,2.00,1.00,6,036000291453,yes,\n"  # line 5: check digit
        "SNK-5,Popcorn,snacks,2.00,1.00,6,0036000291452,yes,\n"  # line 6: Cola's code, other spelling
        "SNK-6,Jerky,snacks,6.00,4.00,6,4006381333931*0,yes,\n"  # line 7: pack 0
        ",Nameless,snacks,1.00,,,,,\n"  # line 8: no key
        "SNK-7,Mints,snacks,1.00,,,,maybe,\n"  # line 9: bad active
    )
    report = csvio.import_csv(store.id, text.encode())
    messages = {e.row: e.message for e in report.errors}
    assert sorted(messages) == [3, 5, 6, 7, 8, 9]
    assert "more than two decimal places" in messages[3]
    assert "036000291453 has a bad check digit" in messages[5]
    assert "already belongs to Cola" in messages[6]
    assert "Pack quantity" in messages[7]
    assert str(report.errors[0]).startswith("row 3: ")
    assert report.created == 2
    assert {i.sku for i in db.session.query(Item)} == {"BEV-1", "SNK-1", "SNK-3"}
    # All-or-nothing per row: the refused Jerky row left no item and no barcode behind.
    assert db.session.query(Barcode).filter_by(code="4006381333931").count() == 0


def test_a_row_refused_half_way_leaves_the_item_as_it_was(db, store, make_item):
    item = make_item("Cola", sku="BEV-1", price_cents=100, barcodes=[("036000291452", 1)])
    report = csvio.import_csv(store.id, (HEADER + "BEV-1,Renamed,,2.00,,,036000291453,,\n").encode())
    assert len(report.errors) == 1
    item = db.session.get(Item, item.id)
    assert (item.name, item.price_cents, [b.code for b in item.barcodes]) == ("Cola", 100, ["036000291452"])


def test_preview_reports_what_would_happen_and_changes_nothing(manager, db, make_item):
    make_item("Cola", sku="BEV-1", price_cents=100)
    text = HEADER + "BEV-1,Cola,,2.00,,,,,\nNEW-1,New thing,,1.00,,,,,\n"
    response = _upload(manager, text, mode="preview")
    page = " ".join(response.get_data(as_text=True).split())
    assert "Preview: nothing was saved" in page
    assert "1 would be created, 1 would be updated" in page
    assert db.session.query(Item).count() == 1
    assert db.session.query(Item).one().price_cents == 100


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "empty_csv"), (b"sku,name,colour\nA,B,red\n", "unknown_columns"),
     (b"sku,price\nA,1\n", "missing_columns"), (b"\xff\xfesku,name\n", "not_utf8")],
)
def test_a_file_that_is_not_a_catalog_csv_is_refused_whole(manager, content, code):
    data = {"file": (io.BytesIO(content), "x.csv"), "mode": "apply"}
    response = manager.post_form("/items/import", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.get_data(as_text=True)


def test_an_oversized_csv_is_refused_with_413(manager, monkeypatch):
    monkeypatch.setattr(csvio, "MAX_BYTES", 100)
    response = _upload(manager, HEADER + "A,B,,1.00,,,,,\n" * 20)
    assert response.status_code == 413


def test_export_and_import_are_for_managers_only(login_as):
    staff = login_as("receiver")
    assert staff.get("/items/export.csv").status_code == 403
    assert _upload(staff, HEADER).status_code == 403


@pytest.mark.parametrize("path", ["/items/import", "/items/openings"])
def test_a_form_sent_without_a_file_is_a_400_asking_for_one(login_as, path):
    answer = login_as("manager").post_form(path, {"mode": "apply"}, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert "Choose a CSV file to import." in answer.get_data(as_text=True)
