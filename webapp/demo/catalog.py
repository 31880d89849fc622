"""The demo store's products as plain dicts, shared by `flask demo seed` and the Clover emulator.

Deterministic: a seeded RNG picks brands, codes, prices and pack sizes, so the same codes come
out on every machine and the printed labels, the emulator's items and the tests agree.
Brands are invented; the company prefixes are random, so a code may coincide with a real
product's, which is harmless in a demo store.
"""

from __future__ import annotations

import random
from functools import cache

SEED = 20261128

# category: (sku prefix, brands, [(product, price in cents, case pack or 0)])
_CATALOG: dict[str, tuple[str, tuple[str, ...], list[tuple[str, int, int]]]] = {
    "grocery": ("GRO", ("Hillside Pantry", "Maple Row", "Trattoria Nonna"), [
        ("Spaghetti 16 oz", 189, 12), ("Penne Rigate 16 oz", 189, 12), ("Marinara Sauce 24 oz", 449, 12),
        ("Long Grain White Rice 2 lb", 329, 12), ("Jasmine Rice 5 lb", 999, 0),
        ("Rolled Oats 42 oz", 549, 0), ("Honey Nut Rings Cereal 12 oz", 469, 0),
        ("Creamy Peanut Butter 16 oz", 379, 12), ("Strawberry Preserves 18 oz", 399, 12),
        ("Black Beans 15 oz", 129, 24), ("Chickpeas 15 oz", 129, 24), ("Diced Tomatoes 14.5 oz", 149, 24),
        ("Chicken Noodle Soup 10.5 oz", 199, 24), ("Chunk Light Tuna 5 oz", 169, 24),
        ("All-Purpose Flour 5 lb", 449, 0), ("Granulated Sugar 4 lb", 399, 0),
        ("Extra Virgin Olive Oil 500 ml", 899, 12), ("Canola Oil 48 oz", 579, 0),
        ("Apple Cider Vinegar 16 oz", 299, 12), ("Sea Salt 26 oz", 199, 0),
        ("Ground Black Pepper 3 oz", 429, 0), ("Chicken Broth 32 oz", 319, 12),
        ("Mac and Cheese 7.25 oz", 149, 24), ("Sandwich Bread 20 oz", 379, 0),
    ]),
    "dairy": ("DAI", ("Northfield Farms", "Green Valley Creamery", "Alpenhof"), [
        ("Whole Milk 1 gal", 479, 0), ("2% Milk 1 gal", 469, 0), ("Skim Milk Half Gallon", 299, 0),
        ("Oat Milk Half Gallon", 449, 6), ("Large Eggs Dozen", 389, 0), ("Salted Butter 16 oz", 549, 0),
        ("Greek Yogurt Plain 32 oz", 599, 0), ("Strawberry Yogurt 5.3 oz", 129, 12),
        ("Sharp Cheddar 8 oz", 399, 12), ("Shredded Mozzarella 8 oz", 379, 12),
        ("Cream Cheese 8 oz", 299, 12), ("Sour Cream 16 oz", 279, 0), ("Heavy Cream 16 oz", 429, 0),
        ("Cottage Cheese 16 oz", 369, 0), ("Swiss Cheese Slices 8 oz", 479, 0),
        ("Half and Half 32 oz", 379, 0),
    ]),
    "snacks": ("SNK", ("Crunch Creek", "Golden Acre", "Cocoa Alpina"), [
        ("Sea Salt Potato Chips 8 oz", 429, 12), ("BBQ Potato Chips 8 oz", 429, 12),
        ("Tortilla Chips 13 oz", 449, 12), ("Pretzel Twists 16 oz", 399, 12),
        ("Butter Popcorn 3 pk", 349, 12), ("Cheddar Crackers 7 oz", 379, 12),
        ("Chocolate Chip Cookies 13 oz", 449, 12), ("Milk Chocolate Bar 3.5 oz", 249, 24),
        ("Dark Chocolate 70% 3.5 oz", 299, 24), ("Trail Mix 10 oz", 599, 12),
        ("Roasted Almonds 12 oz", 749, 12), ("Granola Bars 6 ct", 399, 12), ("Rice Cakes 4.5 oz", 299, 12),
        ("Beef Jerky 2.85 oz", 699, 12), ("Gummy Bears 5 oz", 229, 24),
        ("Peanut Butter Cups 1.5 oz", 149, 24),
    ]),
    "beverages": ("BEV", ("Clearwater Springs", "Sunridge", "Bergquelle"), [
        ("Spring Water 16.9 oz", 119, 24), ("Spring Water 24 pk", 599, 0),
        ("Sparkling Water Lime 12 oz", 129, 24),
        ("Cola 2 L", 249, 6), ("Cola 12 oz Can", 109, 24), ("Lemon-Lime Soda 2 L", 249, 6),
        ("Orange Juice 52 oz", 449, 6), ("Apple Juice 64 oz", 399, 6), ("Cranberry Cocktail 64 oz", 429, 6),
        ("Iced Tea Lemon 18.5 oz", 179, 12), ("Cold Brew Coffee 11 oz", 349, 12),
        ("Ground Coffee Medium Roast 12 oz", 899, 6), ("Green Tea 20 bags", 379, 6),
        ("Sports Drink Blue 28 oz", 199, 12), ("Energy Drink 16 oz", 299, 12), ("Ginger Ale 12 pk", 699, 0),
    ]),
    "household": ("HOU", ("Brightway", "EverClean", "Haus & Hof"), [
        ("Paper Towels 6 Rolls", 1099, 0), ("Bath Tissue 12 Rolls", 1299, 0), ("Dish Soap 24 oz", 349, 12),
        ("Laundry Detergent 64 loads", 1399, 0), ("Trash Bags 13 gal 45 ct", 999, 6),
        ("Aluminum Foil 75 sq ft", 549, 12), ("Sandwich Bags 100 ct", 379, 12),
        ("All-Purpose Cleaner 32 oz", 429, 12), ("Sponges 6 pk", 399, 12), ("AA Batteries 8 pk", 999, 12),
        ("Facial Tissue 160 ct", 249, 12), ("Hand Soap 12 oz", 299, 12),
        ("Light Bulb LED 60 W 4 pk", 1199, 0),
    ]),
}
# Weighed produce is priced per lb and keyed by its PLU (a code the cashier types; no GTIN).
_PRODUCE_WEIGHED = [("Bananas", 69, "4011"), ("Gala Apples", 199, "4133"), ("Yellow Onions", 129, "4093"),
                    ("Roma Tomatoes", 179, "4087"), ("Russet Potatoes", 99, "4072")]
_PRODUCE_EACH = [("Hass Avocado", 150, "4046"), ("Lemon", 79, "4958"), ("Lime", 50, "4048"),
                 ("Iceberg Lettuce", 199, "4061")]
_PRODUCE_PACKED = [("Baby Carrots 1 lb", 179), ("Spring Mix 5 oz", 399), ("Strawberries 1 lb", 449),
                   ("Blueberries 6 oz", 399), ("Celery Hearts", 299), ("Mini Cucumbers 1 lb", 349),
                   ("Sweet Onions 3 lb bag", 499), ("Garlic 3 ct", 149)]
# Brands whose codes are EAN-13 from these GS1 country prefixes; the rest print UPC-A.
_EAN_PREFIX = {"Trattoria Nonna": "80", "Alpenhof": "76", "Cocoa Alpina": "76", "Bergquelle": "40",
               "Haus & Hof": "40"}


def check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str(-total % 10)


class _Codes:
    """Hands out unique, valid GTINs: one company prefix per brand, item numbers in sequence."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.prefixes: dict[str, str] = {}
        self.next_ref: dict[str, int] = {}

    def unit_code(self, brand: str) -> str:
        if brand not in self.prefixes:
            country = _EAN_PREFIX.get(brand)
            # EAN-13: a country prefix and 7 digits. UPC-A: a number system for ordinary goods
            # (not 2, 3, 4 or 5: weighed, drugs, in-store, coupons) and a 6-digit company prefix.
            start = country or "0" + self.rng.choice("01678")
            rest = "".join(self.rng.choice("0123456789") for _ in range(9 - len(start)))
            self.prefixes[brand] = start + rest
            self.next_ref[brand] = self.rng.randrange(100, 900)
        prefix = self.prefixes[brand]
        ref = self.next_ref[brand]
        self.next_ref[brand] = ref + self.rng.randrange(1, 7)
        body = prefix + str(ref).zfill(12 - len(prefix))
        code13 = body + check_digit(body)
        # A "0"-led EAN-13 is a UPC-A; print it as the 12 digits a US label shows.
        return code13[1:] if code13.startswith("0") else code13


def case_code(unit_code: str, indicator: int = 1) -> str:
    """GTIN-14 of a case: an indicator digit, the unit's GTIN-13 without its check, a new check."""
    body = f"{indicator}{unit_code.zfill(13)[:12]}"
    return body + check_digit(body)


def _cost(rng: random.Random, price: int) -> int:
    return int(round(price * rng.uniform(0.55, 0.72)))


@cache
def _build() -> tuple[dict, ...]:
    rng = random.Random(SEED)
    codes = _Codes(rng)
    items: list[dict] = []
    for category, (prefix, brands, products) in _CATALOG.items():
        n = 0
        for product, base_price, pack in products:
            # Most products come from two brands, as on a real shelf.
            for brand in rng.sample(brands, 3 if rng.random() < 0.2 else 2):
                n += 1
                price = max(49, base_price + rng.choice((-40, -20, 0, 0, 20, 50)))
                unit = codes.unit_code(brand)
                items.append({
                    "name": f"{brand} {product}", "sku": f"{prefix}-{n:04d}", "code": unit,
                    "price_cents": price, "cost_cents": _cost(rng, price), "category": category,
                    "measure": "each", "unit_name": "",
                    "reorder_point": rng.choice((4, 6, 6, 8, 12)) if pack != 24 else rng.choice((12, 24)),
                    "case_codes": [(case_code(unit), pack)] if pack else [],
                })
    n = 0
    for name, price, plu in _PRODUCE_WEIGHED:
        n += 1
        items.append({
            "name": name, "sku": f"PRO-{n:04d}", "code": plu, "price_cents": price,
            "cost_cents": _cost(rng, price), "category": "produce", "measure": "weight", "unit_name": "lb",
            "reorder_point": rng.choice((10, 15, 20)) * 1000, "case_codes": [],
        })
    for name, price, plu in _PRODUCE_EACH:
        n += 1
        items.append({
            "name": name, "sku": f"PRO-{n:04d}", "code": plu, "price_cents": price,
            "cost_cents": _cost(rng, price), "category": "produce", "measure": "each", "unit_name": "",
            "reorder_point": rng.choice((20, 30)), "case_codes": [],
        })
    for name, price in _PRODUCE_PACKED:
        n += 1
        unit = codes.unit_code("Green Meadow Produce")
        items.append({
            "name": f"Green Meadow {name}", "sku": f"PRO-{n:04d}", "code": unit, "price_cents": price,
            "cost_cents": _cost(rng, price), "category": "produce", "measure": "each", "unit_name": "",
            "reorder_point": rng.choice((6, 8, 10)), "case_codes": [(case_code(unit), 12)],
        })
    return tuple(items)


def demo_items() -> list[dict]:
    """Every demo product: name, sku, code, price_cents, cost_cents, category, measure,
    unit_name, reorder_point (base units), case_codes [(gtin14, pack)]. A fresh copy each call."""
    return [{**item, "case_codes": list(item["case_codes"])} for item in _build()]


LOCATIONS = (("Sales floor", "floor", True), ("Back room", "backroom", False), ("Cooler", "bay", False))
STORE_NAME = "Demo Market"
STORE_TIMEZONE = "America/New_York"
USERS = ("staff", "receiver", "manager", "admin")
PASSWORD = "demo"  # noqa: S105  (demo logins only; seeding refuses outside demo mode)

# The Clover emulator's merchant for the demo (13 characters, 0-9A-Z, as Clover's ids are).
EMULATOR_MERCHANT_ID = "DEMOMARKET001"
EMULATOR_TOKEN = "demo-emulator-token"  # noqa: S105  (a local emulator's token, not a secret)


def emulator_items() -> list[dict]:
    """The demo products as Clover emulator item specs (clover_emulator/merchants.py):
    prices in cents, weighed items PER_UNIT by the lb with fractional stock, a seeded stock.
    Categories are spelt as the seed spells them, so a Clover sync leaves them as they are."""
    rng = random.Random(SEED + 1)
    specs = []
    for item in demo_items():
        spec = {"name": item["name"], "price": item["price_cents"], "cost": item["cost_cents"],
                "code": item["code"], "sku": item["sku"], "categories": [item["category"]]}
        if item["measure"] == "weight":
            quantity = round(rng.uniform(8, 40), 2)
            spec.update(priceType="PER_UNIT", unitName=item["unit_name"], quantity=quantity)
        else:
            spec["quantity"] = rng.randint(3, 48)
        specs.append(spec)
    return specs
