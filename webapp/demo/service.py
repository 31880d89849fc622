"""Seeding the demo store: idempotent, and refused outside demo mode."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from webapp.auth.models import User
from webapp.auth.service import NewUser, create_user
from webapp.catalog.models import Barcode, Item, Location, Store
from webapp.catalog.service import check_barcode
from webapp.demo import catalog
from webapp.demo.orders import seed_purchase_orders
from webapp.errors import Conflict, Forbidden
from webapp.extensions import db
from webapp.loaders import in_store


@dataclass
class SeedReport:
    store_id: int = 0
    created: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def demo_allowed() -> bool:
    return bool(current_app.config.get("DEMO_MODE") or current_app.debug)


def seed() -> SeedReport:
    """Create whatever of the demo store is missing; what exists is left exactly as it is.

    One transaction: a failure half way leaves no half-seeded store.
    """
    if not demo_allowed():
        raise Forbidden(
            "demo_mode_off",
            "The demo store has well-known passwords, so it is only seeded in demo mode: "
            "set DEMO_MODE=1 (make run does) or run Flask in debug mode.",
        )
    report = SeedReport()
    store = db.session.scalar(
        select(Store).where(Store.name == catalog.STORE_NAME).order_by(Store.id).limit(1)
    )
    if store is None:
        store = Store(name=catalog.STORE_NAME, timezone=catalog.STORE_TIMEZONE)
        db.session.add(store)
        db.session.flush()
        report.add("store")
    report.store_id = store.id
    have = set(db.session.scalars(select(Location.name).where(Location.store_id == store.id)))
    for name, kind, selling in catalog.LOCATIONS:
        if name not in have:
            db.session.add(Location(store_id=store.id, name=name, kind=kind, is_selling=selling))
            report.add("locations")
    _seed_items(store.id, report)
    db.session.flush()
    _seed_users(store.id, report)
    db.session.commit()
    _seed_purchase_orders(store.id, report)
    return report


def _seed_purchase_orders(store_id: int, report: SeedReport) -> None:
    staff = {u.username: u.id for u in db.session.scalars(
        select(User).where(User.store_id == store_id, User.username.in_(("manager", "receiver"))))}
    if len(staff) < 2:
        report.skipped.append("purchase orders (no demo manager and receiver in the store)")
        return
    created = seed_purchase_orders(store_id, staff["manager"], staff["receiver"])
    if created:
        report.add("purchase orders", created)


def _seed_items(store_id: int, report: SeedReport) -> None:
    have = set(db.session.scalars(select(Item.sku).where(Item.store_id == store_id)))
    taken = set(db.session.scalars(select(Barcode.code).where(Barcode.store_id == store_id)))
    for spec in catalog.demo_items():
        if spec["sku"] in have:
            continue
        item = Item(
            store_id=store_id, name=spec["name"], sku=spec["sku"], category=spec["category"],
            price_cents=spec["price_cents"], cost_cents=spec["cost_cents"],
            reorder_point=spec["reorder_point"], measure=spec["measure"], unit_name=spec["unit_name"],
        )
        for text, pack in [(spec["code"], 1), *spec["case_codes"]]:
            code, gtin14, pack = check_barcode(text, pack)
            if code in taken:  # someone gave this code to another item; theirs stands
                report.skipped.append(f"barcode {code} of {spec['sku']} (already used)")
                continue
            item.barcodes.append(Barcode(store_id=store_id, code=code, gtin14=gtin14, pack_qty=pack))
        db.session.add(item)
        report.add("items")


def _seed_users(store_id: int, report: SeedReport) -> None:
    for role in catalog.USERS:
        existing = db.session.scalar(select(User).where(User.username == role))
        if existing is not None:
            if not in_store(existing, store_id):
                report.skipped.append(f"user {role} (belongs to another store)")
            continue
        try:
            # create_user commits; it is the last step, after the store and items are flushed.
            create_user(NewUser(role, catalog.PASSWORD, role, store_id, display_name=f"Demo {role}",
                                allow_short_password=True))
        except Conflict:
            report.skipped.append(f"user {role} (username taken)")
            continue
        report.add("users")
