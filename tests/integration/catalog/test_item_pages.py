"""Manager pages: search, an item's details, its barcodes and fields."""

import pytest

from webapp.catalog.models import Barcode, Item


def test_search_finds_items_by_part_of_the_name_sku_and_any_barcode_spelling(manager, make_item):
    make_item("Oat Milk", sku="DAI-7", barcodes=[("036000291452", 1)])
    make_item("Whole Milk", sku="DAI-8")
    make_item("Rye Bread", sku="BAK-1")
    for query, expected in [("milk", {"Oat Milk", "Whole Milk"}), ("DAI-7", {"Oat Milk"}),
                            ("036000291452", {"Oat Milk"}), ("0036000291452", {"Oat Milk"}),
                            ("00036000291452", {"Oat Milk"}), ("50%_", set())]:
        page = manager.get("/items", query_string={"q": query}).get_data(as_text=True)
        shown = {name for name in ("Oat Milk", "Whole Milk", "Rye Bread") if name in page}
        assert shown == expected, query


def test_search_pages_through_many_items(manager, make_item):
    for n in range(30):
        make_item(f"Soup {n:02d}")
    first = manager.get("/items?q=soup").get_data(as_text=True)
    second = manager.get("/items?q=soup&page=2").get_data(as_text=True)
    assert "Soup 00" in first and "Soup 24" in first and "Soup 25" not in first
    assert "Soup 25" in second and "Soup 29" in second and "Page 2 of 2" in second
    assert manager.get("/items?q=soup&page=x").status_code == 200


def test_the_item_page_shows_barcodes_packs_money_and_the_clover_id(manager, make_item):
    item = make_item("Cola 12 oz", cost_cents=55, price_cents=109, reorder_point=24, category="beverages",
                     clover_id="ABCDEF1234567", barcodes=[("036000291452", 1), ("10036000291459", 24)])
    page = manager.get(f"/items/{item.id}").get_data(as_text=True)
    for text in ("Cola 12 oz", "036000291452", "10036000291459", "pack of 24", "$0.55", "$1.09",
                 "24 units", "beverages", "ABCDEF1234567"):
        assert text in page, text
    assert 'style="' not in page


def test_a_weighed_item_shows_its_price_and_reorder_point_per_lb(manager, make_item):
    item = make_item("Bananas", measure="weight", unit_name="lb", price_cents=69, reorder_point=12500,
                     barcodes=[("4011", 1)])
    page = manager.get(f"/items/{item.id}").get_data(as_text=True)
    assert "$0.69/lb" in page and "12.5 lb" in page


def test_a_manager_edits_name_category_money_reorder_point_and_active(manager, make_item, db):
    item = make_item("Oat Milk", price_cents=100)
    before = item.modified_at
    response = manager.post_form(f"/items/{item.id}", {
        "name": " Oat Milk Barista ", "category": "dairy", "price": "4.49", "cost": "2.10",
        "reorder_point": "6"})  # no "active": the checkbox was cleared
    assert response.status_code == 302
    item = db.session.get(Item, item.id)
    assert (item.name, item.category, item.price_cents, item.cost_cents, item.reorder_point, item.active) == (
        "Oat Milk Barista", "dairy", 449, 210, 6, False)
    assert item.modified_at > before


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("price", "4.999", "bad_money"), ("price", "-1", "negative"), ("cost", "abc", "bad_number"),
     ("reorder_point", "2.5", "bad_quantity"), ("name", "  ", "bad_name")],
)
def test_a_bad_edit_reshows_the_form_with_the_reason_and_changes_nothing(manager, make_item, db, field,
                                                                        value, code):
    item = make_item("Oat Milk", price_cents=100)
    form = {"name": "Renamed", "category": "", "price": "1.00", "cost": "0.50", "reorder_point": "",
            "active": "1"}
    response = manager.post_form(f"/items/{item.id}", {**form, field: value})
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.get_data(as_text=True)
    assert db.session.get(Item, item.id).name == "Oat Milk"


def test_adding_a_barcode_validates_the_check_digit_uniqueness_and_pack(manager, make_item, db):
    item = make_item("Cola", barcodes=[("036000291452", 1)])
    other = make_item("Ginger Ale", barcodes=[])
    bad = manager.post_form(f"/items/{item.id}/barcodes", {"code": "036000291453", "pack_qty": "1"})
    assert bad.status_code == 400 and "bad check digit" in bad.get_data(as_text=True)
    taken = manager.post_form(f"/items/{other.id}/barcodes", {"code": "0036000291452", "pack_qty": "1"})
    assert taken.status_code == 409 and "already belongs to Cola" in taken.get_data(as_text=True)
    zero = manager.post_form(f"/items/{item.id}/barcodes", {"code": "10036000291459", "pack_qty": "0"})
    assert zero.status_code == 400 and 'data-code="bad_pack_qty"' in zero.get_data(as_text=True)
    ok = manager.post_form(f"/items/{item.id}/barcodes", {"code": "10036000291459", "pack_qty": "12"})
    assert ok.status_code == 302
    case = db.session.query(Barcode).filter_by(code="10036000291459").one()
    assert (case.item_id, case.pack_qty, case.gtin14) == (item.id, 12, "10036000291459")


def test_a_store_code_that_is_not_a_gtin_is_kept_as_printed(manager, make_item, db):
    item = make_item("Shelf tag item", barcodes=[])
    response = manager.post_form(f"/items/{item.id}/barcodes", {"code": "SKU-42", "pack_qty": "1"})
    assert response.status_code == 302
    assert db.session.query(Barcode).filter_by(code="SKU-42").one().gtin14 is None


def test_adding_and_removing_a_barcode_bumps_modified_at_so_devices_refresh(manager, make_item, db):
    item = make_item("Cola", barcodes=[("036000291452", 1)])
    stamps = [item.modified_at]
    manager.post_form(f"/items/{item.id}/barcodes", {"code": "10036000291459", "pack_qty": "12"})
    stamps.append(db.session.get(Item, item.id).modified_at)
    barcode_id = db.session.query(Barcode).filter_by(code="036000291452").one().id
    response = manager.post_form(f"/items/{item.id}/barcodes/{barcode_id}/delete")
    assert response.status_code == 302
    stamps.append(db.session.get(Item, item.id).modified_at)
    assert stamps[0] < stamps[1] < stamps[2]
    assert [b.code for b in db.session.get(Item, item.id).barcodes] == ["10036000291459"]


def test_a_barcode_of_another_item_cannot_be_removed_through_this_one(manager, make_item, db):
    cola = make_item("Cola", barcodes=[("036000291452", 1)])
    ale = make_item("Ginger Ale")
    barcode_id = cola.barcodes[0].id
    assert manager.post_form(f"/items/{ale.id}/barcodes/{barcode_id}/delete").status_code == 404
    assert db.session.get(Barcode, barcode_id) is not None


def test_another_stores_manager_gets_404_for_our_items(make_item, login_as, other_store_manager):
    item = make_item("Cola")
    rival = login_as(user=other_store_manager)
    assert rival.get(f"/items/{item.id}").status_code == 404
    assert rival.post_form(f"/items/{item.id}", {"name": "Mine"}).status_code == 404
    assert "0 items" in rival.get("/items?q=Cola").get_data(as_text=True)


def test_the_item_page_includes_the_inventory_levels_partial_when_it_exists(manager, make_item, app):
    from jinja2 import ChoiceLoader, DictLoader

    item = make_item("Cola")
    app.jinja_loader = ChoiceLoader(
        [DictLoader({"inventory/_item_levels.html": "<p>LEVELS FOR {{ item.name }}</p>"}), app.jinja_loader]
    )
    app.jinja_env.loader = app.jinja_loader
    assert "LEVELS FOR Cola" in manager.get(f"/items/{item.id}").get_data(as_text=True)


def test_the_item_page_links_to_the_stock_page_when_inventory_is_installed(manager, make_item, app):
    item = make_item("Cola")
    page = manager.get(f"/items/{item.id}").get_data(as_text=True)
    assert ("/inventory/items/" in page) is ("inventory.item" in app.view_functions)


def test_search_matches_word_starts_and_ranks_codes_then_names_that_start_with_the_query(manager, make_item):
    """Bug: "Cola" returned mostly chocolate (a match anywhere in the name)."""
    for name in ("Chocolate Bar", "Dark Chocolate 70%", "Hot Chocolate Mix", "Chocolate Milk"):
        make_item(name)
    make_item("Coca-Cola 330ml")
    make_item("Cola Zero 1.5L")
    make_item("Pepsi", sku="COLA")
    page = manager.get("/items", query_string={"q": "Cola"}).get_data(as_text=True)
    shown = [name for name in ("Pepsi", "Cola Zero 1.5L", "Coca-Cola 330ml", "Chocolate") if name in page]
    assert shown == ["Pepsi", "Cola Zero 1.5L", "Coca-Cola 330ml"]           # no chocolate at all
    assert page.index("Pepsi") < page.index("Cola Zero") < page.index("Coca-Cola")   # SKU, start, word
    two_words = manager.get("/items", query_string={"q": "choc mil"}).get_data(as_text=True)
    assert "Chocolate Milk" in two_words and "Chocolate Bar" not in two_words
    # Nothing starts a word with it: a match inside a word still finds something.
    inside = manager.get("/items", query_string={"q": "olate"}).get_data(as_text=True)
    assert "Chocolate Bar" in inside and "Cola Zero" not in inside
