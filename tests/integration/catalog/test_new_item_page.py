"""A manager creates one item on a page; every mistake is named beside its field, nothing half-saved."""

import pytest
from sqlalchemy import func, select

from webapp.catalog.models import Item

GOOD = {"name": "Cold Brew 11 oz", "sku": "BEV-900", "barcodes": "036000291452\n4006381333931",
        "case_code": "10036000291459", "case_pack": "12", "price": "3.49", "cost": "1.80",
        "category": "beverages", "reorder_point": "6"}


def test_a_manager_creates_an_item_with_barcodes_a_case_and_its_numbers(manager, db, store, make_item):
    make_item("Oat Milk", category="dairy")
    form = manager.get("/items/new").get_data(as_text=True)
    assert "Create item" in form and '<option value="dairy">' in form   # the store's categories offered
    response = manager.post_form("/items/new", GOOD)
    assert response.status_code == 302
    item = db.session.scalar(select(Item).where(Item.sku == "BEV-900"))
    assert response.headers["Location"].endswith(f"/items/{item.id}")
    saved = (item.store_id, item.name, item.category, item.price_cents, item.cost_cents, item.reorder_point)
    assert saved == (store.id, "Cold Brew 11 oz", "beverages", 349, 180, 6)
    assert sorted((b.code, b.gtin14, b.pack_qty) for b in item.barcodes) == [
        ("036000291452", "00036000291452", 1), ("10036000291459", "10036000291459", 12),
        ("4006381333931", "04006381333931", 1)]
    # A phone finds it by any of them: the lookup API answers with the pack.
    found = manager.get("/api/v1/items/lookup?code=10036000291459").get_json()
    assert (found["item"]["id"], found["pack_qty"]) == (item.id, 12)


def test_every_mistake_is_shown_beside_its_field_and_nothing_is_saved(manager, db, make_item):
    make_item("Oat Milk", sku="DAI-7", barcodes=[("036000291452", 1)])
    before = db.session.scalar(select(func.count(Item.id)))
    bad = {**GOOD, "name": "  ", "sku": "DAI-7", "barcodes": "0036000291452 4006381333932",
           "case_pack": "1", "price": "3.499", "cost": "-1", "reorder_point": "two"}
    response = manager.post_form("/items/new", bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "7 things to fix below; nothing was saved." in page
    for field, text in [
        ("name", "Give the item&#39;s name"),
        ("sku", "SKU DAI-7 already belongs to Oat Milk"),
        ("barcodes", "already belongs to Oat Milk"),     # the same code in its EAN-13 spelling
        ("case_pack", "a whole number from 2 to"),
        ("price", "more than two decimal places"),
        ("cost", "Cost cannot be negative"),
        ("reorder_point", "Reorder point"),
    ]:
        assert f'id="{field}-error" data-field="{field}">' in page, field
        assert text in page, field
    assert 'value="DAI-7"' in page                       # what was typed stays in the form
    assert db.session.scalar(select(func.count(Item.id))) == before


def test_a_bad_check_digit_and_a_barcode_given_twice_are_named(manager, db):
    page = manager.post_form("/items/new", {**GOOD, "barcodes": "4006381333932",
                                            "case_code": "036000291452"}).get_data(as_text=True)
    assert "bad check digit" in page
    page = manager.post_form("/items/new", {**GOOD, "barcodes": "036000291452, 0036000291452",
                                            "case_code": "", "case_pack": ""}).get_data(as_text=True)
    assert "is given twice" in page
    no_case = {**GOOD, "case_code": "", "case_pack": "12"}
    page = manager.post_form("/items/new", no_case).get_data(as_text=True)
    assert "Give the case&#39;s barcode" in page
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_an_item_name_from_the_form_is_escaped(manager):
    response = manager.post_form("/items/new", {**GOOD, "name": "<script>alert(1)</script>", "price": "x"})
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("role", ["staff", "receiver"])
def test_only_managers_create_items(login_as, role, db):
    client = login_as(role)
    assert client.get("/items/new").status_code == 403
    assert client.post_form("/items/new", GOOD).status_code == 403
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_the_form_needs_its_csrf_token(manager, db):
    response = manager.post("/items/new", data=GOOD)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_a_sku_saved_by_someone_else_between_check_and_save_is_a_form_error(manager, db, make_item,
                                                                             monkeypatch):
    from webapp.catalog import item_form

    parse = item_form.parse_form

    def racing(store_id, form):
        new = parse(store_id, form)                  # checked: the SKU is free...
        make_item("Rival Cold Brew", sku="BEV-900")  # ...and another manager takes it now
        return new

    monkeypatch.setattr(item_form, "parse_form", racing)
    response = manager.post_form("/items/new", {**GOOD, "barcodes": "", "case_code": "", "case_pack": ""})
    assert response.status_code == 400
    assert "was saved a moment ago" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id)).where(Item.sku == "BEV-900")) == 1
