"""`flask demo seed`: the demo store a newcomer scans, created once, only in demo mode."""

import pytest
from sqlalchemy import func, select

from scanner.codes import normalise
from webapp.auth.models import User
from webapp.catalog.models import Barcode, Item, Location, Store
from webapp.demo import service
from webapp.demo.catalog import demo_items
from webapp.errors import Forbidden


def test_seeding_is_refused_outside_demo_mode_with_a_clear_message(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "DEMO_MODE=1" in result.output
    with pytest.raises(Forbidden):
        service.seed()
    assert db.session.scalar(select(func.count(Store.id))) == 0


def test_the_demo_catalog_is_deterministic_with_valid_unique_codes():
    items = demo_items()
    assert items == demo_items()
    assert 180 <= len(items) <= 220
    categories = {i["category"] for i in items}
    assert categories == {"grocery", "dairy", "snacks", "beverages", "household", "produce"}
    codes = [i["code"] for i in items] + [c for i in items for c, _ in i["case_codes"]]
    assert len(codes) == len(set(codes))
    gtins = [c for c in codes if len(c) >= 12]
    assert all(normalise(c).kind == "gtin" for c in gtins)
    assert {pack for i in items for _, pack in i["case_codes"]} == {6, 12, 24}
    weighed = [i for i in items if i["measure"] == "weight"]
    assert len(weighed) >= 2 and all(i["unit_name"] == "lb" for i in weighed)
    assert all(0 < i["cost_cents"] < i["price_cents"] for i in items)


class TestInDemoMode:
    @pytest.fixture
    def app_config(self):
        return {"DEMO_MODE": True}

    def test_seed_creates_the_store_locations_items_and_one_login_per_role(self, app, db, client):
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        assert "created 1 store, 3 locations" in result.output
        store = db.session.scalar(select(Store))
        assert (store.name, store.timezone) == ("Demo Market", "America/New_York")
        assert [(loc.name, loc.is_selling) for loc in store.locations] == [
            ("Sales floor", True), ("Back room", False), ("Cooler", False)]
        assert db.session.scalar(select(func.count(Item.id))) == len(demo_items())
        cases = db.session.scalars(select(Barcode).where(Barcode.pack_qty > 1)).all()
        assert cases and all(len(b.gtin14) == 14 and b.code == b.gtin14 for b in cases)
        roles = sorted(u.role for u in db.session.scalars(select(User)))
        assert roles == ["admin", "manager", "receiver", "staff"]
        response = client.post_form("/login", {"username": "manager", "password": "demo"})
        assert response.status_code == 302

    def test_seeding_twice_changes_nothing_and_says_so(self, app, db):
        runner = app.test_cli_runner()
        runner.invoke(args=["demo", "seed"])
        item = db.session.scalar(select(Item).where(Item.sku == "GRO-0001"))
        item.price_cents = 12345  # a manager's edit survives a re-seed
        db.session.commit()

        def counts():
            return [db.session.scalar(select(func.count(m.id))) for m in (Store, Location, Item, Barcode)]

        before = counts()
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0
        assert "nothing changed" in result.output
        assert counts() == before
        assert db.session.scalar(select(Item.price_cents).where(Item.sku == "GRO-0001")) == 12345

    def test_a_demo_code_looks_up_through_the_api(self, app, client):
        service.seed()
        spec = next(i for i in demo_items() if i["case_codes"])
        client.post_form("/login", {"username": "staff", "password": "demo"})
        client._token = None
        body = client.get(f"/api/v1/items/lookup?code={spec['case_codes'][0][0]}").get_json()
        assert body["item"]["sku"] == spec["sku"]
        assert body["pack_qty"] == spec["case_codes"][0][1]
        assert "cost_cents" not in body["item"]


def test_the_emulator_gets_the_same_products_with_weighed_ones_per_lb():
    from webapp.demo.catalog import emulator_items

    specs = emulator_items()
    assert [s["sku"] for s in specs] == [i["sku"] for i in demo_items()]
    bananas = next(s for s in specs if s["name"] == "Bananas")
    assert (bananas["priceType"], bananas["unitName"], bananas["code"]) == ("PER_UNIT", "lb", "4011")
    assert all(isinstance(s["quantity"], int) for s in specs if "priceType" not in s)


def test_the_demo_emulator_command_is_refused_outside_demo_mode(app):
    result = app.test_cli_runner().invoke(args=["demo", "emulator", "--port", "0"])
    assert result.exit_code != 0
    assert "demo mode" in result.output
