"""Count sheets as PDF by zone, blind or not, and counts imported from a CSV into a session."""

import io
import re
import zlib

from sqlalchemy import select

from webapp.approvals.models import Decision
from webapp.counting.models import CountLine, CountSession


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages: fpdf2 compresses each page's stream with zlib."""
    assert data.startswith(b"%PDF-")
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(out)


def test_a_blind_sheet_lists_the_zones_items_without_expected_quantities(staff, store, make_item, db):

    floor = store.selling_location
    milk = make_item("Milk", barcodes=[("036000291452", 1)])
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    led = Ledger(source="clover")
    led.append(NewEvent(key="r1", kind="receive", store_id=store.id, item_id=milk.id, location_id=floor.id,
                        quantity=417, occurred_at=utcnow(), source="clover"))
    led.settle()
    db.session.commit()
    blind = staff.get(f"/schedule/sheet.pdf?location_id={floor.id}")
    assert blind.status_code == 200 and blind.mimetype == "application/pdf"
    text = pdf_text(blind.data)
    assert "Milk" in text and "036000291452" in text and "Blind count" in text and "417" not in text
    assert staff.get(f"/schedule/sheet.pdf?location_id={floor.id}&blind=0").status_code == 403
    assert staff.get("/schedule/sheet.pdf").status_code == 400


def test_a_manager_prints_the_expected_quantities_and_a_backroom_sheet_lists_only_what_is_stocked_there(
        login_as, store, make_item, db):
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    back = store.locations[1]
    kept, other = make_item("Kept in back"), make_item("Floor only")
    led = Ledger(source="clover")
    led.append(NewEvent(key="r2", kind="receive", store_id=store.id, item_id=kept.id, location_id=back.id,
                        quantity=23, occurred_at=utcnow(), source="clover"))
    led.settle()
    db.session.commit()
    text = pdf_text(login_as("manager").get(f"/schedule/sheet.pdf?location_id={back.id}&blind=0").data)
    assert "Kept in back" in text and "23" in text and "Floor only" not in text and other


def test_a_csv_of_counts_goes_through_variance_and_approval_like_scans(manager, store, make_item, db):
    from webapp.inventory.ledger import Ledger, NewEvent
    from webapp.types import utcnow

    floor = store.selling_location
    milk = make_item("Milk", cost_cents=100, barcodes=[("036000291452", 1), ("10036000291459", 12)])
    tea = make_item("Tea", sku="TEA-1", cost_cents=100)
    led = Ledger(source="clover")
    for key, item, qty in (("a", milk, 30), ("b", tea, 10)):
        led.append(NewEvent(key=key, kind="receive", store_id=store.id, item_id=item.id, location_id=floor.id,
                            quantity=qty, occurred_at=utcnow(), source="clover"))
    led.settle()
    db.session.commit()
    csv = b"code,sku,quantity\n10036000291459,,2\n036000291452,,1\n,TEA-1,10\n"
    response = manager.post_form("/schedule/import", {"location_id": str(floor.id),
                                                      "file": (io.BytesIO(csv), "counts.csv")},
                                 content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith("/approvals/")
    lines = {ln.item_id: ln for ln in db.session.scalars(select(CountLine))}
    assert (lines[milk.id].counted, lines[milk.id].expected, lines[milk.id].variance) == (25, 30, -5)
    assert lines[milk.id].status == "pending"  # 5 units is outside the tolerance: a manager decides
    assert (lines[tea.id].variance, lines[tea.id].status) == (0, "approved")
    (session,) = db.session.scalars(select(CountSession)).all()
    assert session.status == "submitted" and session.location_id == floor.id
    assert db.session.scalars(select(Decision.action)).all() == ["auto_approve"]


def test_a_csv_with_a_bad_row_is_refused_whole_with_each_reason(manager, store, make_item, db):
    make_item("Milk", barcodes=[("036000291452", 1)])
    csv = b"code,quantity\n036000291452,2\n999,1\n036000291452,two\n"
    response = manager.post_form("/schedule/import", {"location_id": str(store.selling_location.id),
                                                      "file": (io.BytesIO(csv), "counts.csv")},
                                 content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "line 3: no item has code 999" in page and "line 4:" in page
    assert db.session.scalars(select(CountSession)).all() == []
    wrong = manager.post_form("/schedule/import", {"location_id": str(store.selling_location.id),
                                                   "file": (io.BytesIO(b"name,qty\nx,1\n"), "c.csv")},
                              content_type="multipart/form-data")
    assert wrong.status_code == 400 and "quantity column" in wrong.get_data(as_text=True)
