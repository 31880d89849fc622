"""Suggestion -> PO -> sent by email -> received at the dock, through the Flask client."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.integration.receiving.syncing import ev, minutes_ago, sync
from webapp.purchasing.models import POSending, POVendor
from webapp.purchasing.suggest import suggest
from webapp.purchasing.vendors import CatalogInput, set_catalog_line, vendor_of
from webapp.receiving.models import PurchaseOrder
from webapp.receiving.onorder import on_order
from webapp.reports.valuation import total_value_now
from webapp.types import utcnow


@pytest.fixture
def app_config(smtp_server):
    return {"PURCHASE_REVIEW_DAYS": 7, "REORDER_WINDOW_DAYS": 28, "REORDER_SAFETY_DAYS": 2,
            "REORDER_LEAD_TIME_DAYS": 7, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port,
            "MAIL_FROM": "shelf@example.test"}


@pytest.fixture
def stocked(db, store, make_item, record, sell, vendor):
    """Oat Milk sells 1 a day and has 5 left (point 9, target 16); Chips have a manual point of 10
    and 4 left; Cheese sells nothing and has no point."""
    milk = make_item("Oat Milk", sku="OAT-1", cost_cents=250)
    chips = make_item("Chips", sku="CHP-1", cost_cents=50, reorder_point=10)
    cheese = make_item("Cheese", sku="CHS-1", cost_cents=400)
    record(milk, "opening", 33, at=utcnow() - timedelta(days=40))
    sell(milk, 28)
    record(chips, "opening", 4, at=utcnow() - timedelta(days=40))
    record(cheese, "opening", 1, at=utcnow() - timedelta(days=40))
    set_catalog_line(store.id, vendor.id, CatalogInput(milk.id, 6, 1800, "D-OAT", True))
    set_catalog_line(store.id, vendor.id, CatalogInput(chips.id, 24, 1200, "D-CHP"))
    set_catalog_line(store.id, vendor.id, CatalogInput(cheese.id, 1, 400, "D-CHS"))
    return {"milk": milk, "chips": chips, "cheese": cheese}


def test_the_suggestion_orders_up_to_the_target_in_whole_cases(db, store, stocked, vendor):
    (found,) = suggest(store.id)
    lines = {ln.name: ln for ln in found.lines}
    assert set(lines) == {"Oat Milk", "Chips"}  # Cheese: nothing sold, no point, nothing to suggest
    milk = lines["Oat Milk"]
    assert (milk.level, milk.on_order, milk.point, milk.target) == (5, 0, 9, 16)
    assert (milk.cases, milk.quantity) == (2, 12)  # 11 short of 16: two cases of 6
    chips = lines["Chips"]
    assert (chips.level, chips.point, chips.target, chips.cases) == (4, 10, 10, 1)
    assert found.total_cents == 2 * 1800 + 1200 and found.topped_up == 0


def test_the_suggestion_adds_cases_to_the_shortest_cover_until_the_order_minimum_is_met(
        db, store, stocked, vendor):
    vendor.order_minimum_cents = 10000
    db.session.commit()
    (found,) = suggest(store.id)
    lines = {ln.name: ln for ln in found.lines}
    # 48.00 suggested; milk (17 days of cover) takes cases until 100.00 is reached; chips never sell.
    assert (lines["Oat Milk"].cases, lines["Chips"].cases, found.topped_up) == (5, 1, 3)
    assert found.total_cents == 5 * 1800 + 1200 and not found.below_minimum


def test_low_items_no_vendor_sells_are_named_on_the_purchasing_page(login_as, db, store, stocked, make_item,
                                                                     record):
    from webapp.purchasing.suggest import low_without_vendor

    salt = make_item("Salt", reorder_point=3)
    record(salt, "opening", 2)
    assert low_without_vendor(store.id) == [salt.id]
    page = login_as("manager").get("/purchasing/").get_data(as_text=True)
    assert "1 low item(s) have no vendor" in page


def test_a_preferred_vendor_gets_the_item_over_a_cheaper_one(db, store, stocked, vendor):
    from webapp.purchasing.vendors import VendorInput, create_vendor

    cheap = create_vendor(store.id, VendorInput("Cheap Co", lead_time_days=2))
    set_catalog_line(store.id, cheap.id, CatalogInput(stocked["milk"].id, 6, 600))
    assert [(s.vendor_name, [ln.name for ln in s.lines]) for s in suggest(store.id)] == [
        ("Dairy Co", ["Chips", "Oat Milk"])]
    set_catalog_line(store.id, vendor.id, CatalogInput(stocked["milk"].id, 6, 1800, "D-OAT", False))
    # No preferred vendor now: the cheaper per unit wins, with its own lead time (point 2 + 2 = 4 < 5).
    assert [(s.vendor_name, [ln.name for ln in s.lines]) for s in suggest(store.id)] == [
        ("Dairy Co", ["Chips"])]


def test_from_suggestion_to_a_sent_po_to_a_received_delivery(login_as, db, store, stocked, vendor,
                                                             smtp_server):
    milk, chips = stocked["milk"], stocked["chips"]
    manager = login_as("manager")
    home = manager.get("/purchasing/").get_data(as_text=True)
    assert f'href="/purchasing/suggestions/{vendor.id}"' in home
    assert 'id="no-vendor"' not in home  # every low item has a vendor
    page = manager.get(f"/purchasing/suggestions/{vendor.id}").get_data(as_text=True)
    assert f'name="cases-{milk.id}"' in page and 'value="2"' in page

    # The manager takes one more case of milk and drops the chips.
    response = manager.post_form(f"/purchasing/suggestions/{vendor.id}",
                                 {f"cases-{milk.id}": "3", f"cases-{chips.id}": "0"})
    assert response.status_code == 302
    po = db.session.scalar(select(PurchaseOrder))
    assert response.headers["Location"].endswith(f"/purchasing/pos/{po.id}")
    assert (po.status, po.vendor, vendor_of(po).id) == ("draft", "Dairy Co", vendor.id)
    assert po.expected_on == (utcnow() + timedelta(days=7)).date()
    assert [(ln.item_id, ln.ordered_qty, ln.unit_cost_cents) for ln in po.lines] == [(milk.id, 18, 300)]
    assert on_order(store.id) == {}  # a draft is not on order

    assert manager.post_form(f"/purchasing/pos/{po.id}/send").status_code == 302
    db.session.refresh(po)
    assert po.status == "open"
    (sending,) = db.session.scalars(select(POSending)).all()
    assert (sending.status, sending.recipients) == ("sent", "orders@dairy.example")
    (recipients, message), = smtp_server.messages
    assert recipients == ["orders@dairy.example"]
    assert message["Subject"] == f"Purchase order {po.reference} from Corner Market"
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(files) == {f"{po.reference}.pdf", f"{po.reference}.csv"}
    assert files[f"{po.reference}.pdf"].get_content().startswith(b"%PDF")
    csv_text = files[f"{po.reference}.csv"].get_content()
    csv_text = csv_text.decode() if isinstance(csv_text, bytes) else csv_text
    assert f"{po.reference},1,D-OAT,Oat Milk,OAT-1,18,each,3,6,3.00,54.00,USD" in csv_text
    sent_page = manager.get(f"/purchasing/pos/{po.id}").get_data(as_text=True)
    assert "emailed to orders@dairy.example" in sent_page

    # On order: beside the suggestion (milk is covered now) and on the dashboard.
    assert on_order(store.id)[milk.id].quantity == 18
    assert [ln.name for s in suggest(store.id) for ln in s.lines] == ["Chips"]
    board = manager.get("/reports/").get_data(as_text=True)
    assert f"18 on order, due {po.expected_on:%b} {po.expected_on.day}</span>" in board

    # The dock receives 12 of the 18 against the PO, as today.
    receiver = login_as("receiver")
    session = str(uuid.uuid4())
    sync(receiver, ev("receive_scan", minutes_ago(5), session_id=session, po_id=po.id,
                      code=milk.barcodes[0].code, quantity=12),
         ev("receive_close", minutes_ago(4), session_id=session, po_id=po.id))
    db.session.expire_all()
    assert db.session.get(PurchaseOrder, po.id).status == "partially_received"
    assert on_order(store.id)[milk.id].quantity == 6
    # Moving-average cost: 5 on hand at 2.50 and 12 received at 3.00 -> 48.50 / 17 = 2.85.
    assert db.session.get(type(milk), milk.id).cost_cents == 285
    assert total_value_now(store.id) == 17 * 285 + 4 * 50 + 1 * 400
    # Part of it came: it can no longer be cancelled, only closed.
    assert manager.post_form(f"/purchasing/pos/{po.id}/cancel").status_code == 409
    # A receiver may not send or cancel.
    assert receiver.post_form(f"/purchasing/pos/{po.id}/send").status_code == 403


def test_a_vendor_without_email_is_recorded_as_sent_but_not_emailed(login_as, db, store, stocked, vendor,
                                                                     smtp_server):
    vendor.email = ""
    db.session.commit()
    manager = login_as("manager")
    manager.post_form(f"/purchasing/suggestions/{vendor.id}", {f"cases-{stocked['milk'].id}": "1"})
    po = db.session.scalar(select(PurchaseOrder))
    manager.post_form(f"/purchasing/pos/{po.id}/send")
    (sending,) = db.session.scalars(select(POSending)).all()
    assert (sending.status, sending.note) == ("no_email", "The vendor has no email address.")
    assert smtp_server.messages == []
    assert db.session.get(PurchaseOrder, po.id).status == "open"


def test_a_failed_email_is_recorded_and_the_po_can_be_sent_again(app, login_as, db, store, stocked, vendor,
                                                                smtp_server):
    manager = login_as("manager")
    manager.post_form(f"/purchasing/suggestions/{vendor.id}", {f"cases-{stocked['milk'].id}": "1"})
    po = db.session.scalar(select(PurchaseOrder))
    app.config["SMTP_PORT"] = 1  # nothing listens there
    manager.post_form(f"/purchasing/pos/{po.id}/send")
    app.config["SMTP_PORT"] = smtp_server.port
    manager.post_form(f"/purchasing/pos/{po.id}/send")
    statuses = [s.status for s in db.session.scalars(select(POSending).order_by(POSending.id))]
    assert statuses == ["failed", "sent"] and len(smtp_server.messages) == 1


@pytest.mark.parametrize(("form", "status"), [
    ({}, 400),  # nothing ordered
    ({"cases-{milk}": "0"}, 400),
    ({"cases-{milk}": "two"}, 400),
    ({"cases-{milk}": "-1"}, 400),
    ({"cases-999999": "1"}, 400),  # not in the vendor's catalog
])
def test_a_bad_order_form_is_refused_and_makes_no_po(login_as, db, stocked, vendor, form, status):
    manager = login_as("manager")
    body = {k.format(milk=stocked["milk"].id): v for k, v in form.items()}
    response = manager.post(f"/purchasing/suggestions/{vendor.id}", data={"csrf_token": manager.csrf_token(),
                                                                          **body},
                            headers={"Accept": "application/json"})
    assert response.status_code == status, response.get_data(as_text=True)
    assert db.session.scalar(select(PurchaseOrder)) is None


def test_a_draft_or_sent_po_can_be_cancelled_and_is_then_neither_on_order_nor_receivable(
        login_as, db, store, stocked, vendor):
    manager = login_as("manager")
    manager.post_form(f"/purchasing/suggestions/{vendor.id}", {f"cases-{stocked['milk'].id}": "1"})
    po = db.session.scalar(select(PurchaseOrder))
    manager.post_form(f"/purchasing/pos/{po.id}/send")
    assert manager.post_form(f"/purchasing/pos/{po.id}/cancel").status_code == 302
    db.session.expire_all()
    assert db.session.get(PurchaseOrder, po.id).status == "cancelled"
    assert on_order(store.id) == {}
    assert manager.post_form(f"/purchasing/pos/{po.id}/send").status_code == 409
    assert manager.get(f"/receiving/session?po={po.id}").status_code == 409
    assert manager.post_form(f"/receiving/pos/{po.id}/close").status_code == 409


def test_another_stores_manager_cannot_see_the_vendor_or_its_po(login_as, db, stocked, vendor,
                                                               other_store_manager):
    manager = login_as("manager")
    manager.post_form(f"/purchasing/suggestions/{vendor.id}", {f"cases-{stocked['milk'].id}": "1"})
    po = db.session.scalar(select(PurchaseOrder))
    stranger = login_as(user=other_store_manager)
    assert stranger.get(f"/purchasing/vendors/{vendor.id}").status_code == 404
    assert stranger.get(f"/purchasing/pos/{po.id}.pdf").status_code == 404
    assert stranger.post_form(f"/purchasing/suggestions/{vendor.id}",
                              {f"cases-{stocked['milk'].id}": "1"}).status_code == 404


def test_the_low_stock_alert_says_what_is_on_order_and_when_it_is_due(login_as, db, store, make_item,
                                                                      make_user, record, vendor, smtp_server):
    boss = make_user("manager")
    boss.email = "boss@example.test"
    db.session.commit()
    jam = make_item("Jam", reorder_point=5)
    record(jam, "opening", 8)
    set_catalog_line(store.id, vendor.id, CatalogInput(jam.id, 12, 2400))
    manager = login_as("manager")
    manager.post_form(f"/purchasing/suggestions/{vendor.id}", {f"cases-{jam.id}": "1"})
    po = db.session.scalar(select(PurchaseOrder))
    manager.post_form(f"/purchasing/pos/{po.id}/send")
    smtp_server.messages.clear()
    record(jam, "sale", -4, source="clover")
    (recipients, message), = smtp_server.messages
    assert recipients == ["boss@example.test"]
    due = f"{po.expected_on:%b} {po.expected_on.day}"  # a week away: the date, not the weekday
    assert f"- Jam: 4 units left (reorder point 5); 12 on order, due {due}" in message.get_content()
    alerts_page = manager.get("/alerts/").get_data(as_text=True)
    assert "12 on order, due" in alerts_page
    assert "12 on order, due" in manager.get(f"/alerts/items/{jam.id}/reorder").get_data(as_text=True)


def test_a_po_typed_with_a_known_vendors_name_is_linked_to_it_when_sent(login_as, db, store, stocked, vendor,
                                                                        smtp_server):
    manager = login_as("manager")
    manager.post_form("/receiving/pos", {"reference": "TYPED-1", "vendor": "Dairy Co"})
    po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.reference == "TYPED-1"))
    manager.post_form(f"/receiving/pos/{po.id}/lines", {"code": "OAT-1", "quantity": "6"})
    assert manager.get(f"/purchasing/pos/{po.id}.csv").status_code == 200
    assert db.session.get(POVendor, po.id) is None  # reading writes nothing
    assert manager.post_form(f"/purchasing/pos/{po.id}/send").status_code == 302
    assert db.session.get(POVendor, po.id).vendor_id == vendor.id
    (recipients, _), = smtp_server.messages
    assert recipients == ["orders@dairy.example"]


@pytest.mark.parametrize("font", ["dejavu", "core"])
def test_the_po_pdf_prints_any_item_name_with_or_without_the_dejavu_font(app, db, store, make_item, make_user,
                                                                         vendor, monkeypatch, font):
    from pathlib import Path

    from webapp.purchasing import documents, pos

    if font == "core":
        monkeypatch.setattr(documents, "FONT", Path("/nonexistent/DejaVuSans.ttf"))
    elif not documents.FONT.exists():
        pytest.skip("fonts-dejavu-core is not installed (Debian package)")
    tea = make_item("Thé vert ☕ 緑茶", sku="TEA-1")
    set_catalog_line(store.id, vendor.id, CatalogInput(tea.id, 20, 2000, "T-20"))
    po = pos.po_from_suggestion(store.id, make_user("manager").id, vendor.id, {tea.id: 2})
    pdf = documents.po_pdf(po)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert "Thé vert ☕ 緑茶" in documents.po_csv(po)
