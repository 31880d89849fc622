"""Vendors and their catalogs: who sells us each item, in what case, at what cost.

An item may be sold by several vendors; at most one of them is its preferred vendor, whose
case and cost suggested orders use. Marking one preferred unmarks the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update

from webapp.catalog.models import Item, Store
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.loaders import load_in_store
from webapp.purchasing.models import POVendor, Vendor, VendorItem
from webapp.quantity import div_round, scale
from webapp.receiving.models import PurchaseOrder

EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_LEAD_DAYS = 365


@dataclass(frozen=True)
class VendorInput:
    name: str
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    lead_time_days: int = 7
    order_minimum_cents: int = 0
    currency: str = ""  # blank: the store's currency


@dataclass(frozen=True)
class CatalogInput:
    item_id: int
    case_size: int  # base units
    case_cost_cents: int
    vendor_sku: str = ""
    preferred: bool = False


def get_vendor(store_id: int, vendor_id: int) -> Vendor:
    return load_in_store(Vendor, vendor_id, store_id,
                         NotFound("unknown_vendor", f"No vendor {vendor_id} in your store.", "vendor_id"))


def list_vendors(store_id: int, *, active_only: bool = False) -> list[Vendor]:
    query = select(Vendor).where(Vendor.store_id == store_id)
    if active_only:
        query = query.where(Vendor.active)
    return list(db.session.scalars(query.order_by(Vendor.name)))


def vendor_by_name(store_id: int, name: str) -> Vendor | None:
    return db.session.scalar(select(Vendor).where(Vendor.store_id == store_id, Vendor.name == name.strip()))


def check_vendor(data: VendorInput, store_id: int) -> VendorInput:
    name = data.name.strip()
    if not name or len(name) > 120:
        raise DomainError("bad_name", "Give the vendor's name (up to 120 characters).", "name")
    emails = [e.strip() for e in data.email.replace(";", ",").split(",") if e.strip()]
    for email in emails:
        if not EMAIL.match(email):
            raise DomainError("bad_email", f"{email!r} is not an email address like orders@vendor.com.",
                              "email")
    if not 0 <= data.lead_time_days <= MAX_LEAD_DAYS:
        raise DomainError("bad_lead_time", f"Lead time is 0 to {MAX_LEAD_DAYS} days.", "lead_time_days")
    if data.order_minimum_cents < 0:
        raise DomainError("negative", "The order minimum cannot be negative.", "order_minimum")
    currency = (data.currency.strip() or db.session.get(Store, store_id).currency).upper()
    if not CURRENCY.match(currency):
        raise DomainError("bad_currency", f"{data.currency!r} is not a currency code like USD or EUR.",
                          "currency")
    if len(data.contact_name) > 120 or len(data.phone) > 40 or len(", ".join(emails)) > 254:
        raise DomainError("too_long", "Contact (120), phone (40) or emails (254 characters) is too long.")
    return VendorInput(name, data.contact_name.strip(), ", ".join(emails), data.phone.strip(),
                       data.lead_time_days, data.order_minimum_cents, currency)


def apply_input(vendor: Vendor, data: VendorInput) -> None:
    vendor.name, vendor.contact_name, vendor.email, vendor.phone = (
        data.name, data.contact_name, data.email, data.phone)
    vendor.lead_time_days, vendor.order_minimum_cents, vendor.currency = (
        data.lead_time_days, data.order_minimum_cents, data.currency)


def create_vendor(store_id: int, data: VendorInput) -> Vendor:
    data = check_vendor(data, store_id)
    if vendor_by_name(store_id, data.name) is not None:
        raise Conflict("duplicate_vendor", f"There is already a vendor named {data.name}.", "name")
    vendor = Vendor(store_id=store_id, active=True)
    apply_input(vendor, data)
    db.session.add(vendor)
    db.session.commit()
    return vendor


def update_vendor(store_id: int, vendor_id: int, data: VendorInput, *, active: bool = True) -> Vendor:
    vendor = get_vendor(store_id, vendor_id)
    data = check_vendor(data, store_id)
    other = vendor_by_name(store_id, data.name)
    if other is not None and other.id != vendor.id:
        raise Conflict("duplicate_vendor", f"There is already a vendor named {data.name}.", "name")
    apply_input(vendor, data)
    vendor.active = active
    db.session.commit()
    return vendor


def check_catalog(store_id: int, data: CatalogInput) -> Item:
    item = load_in_store(Item, data.item_id, store_id,
                         DomainError("unknown_item", f"No item {data.item_id} in your store.", "item_id"))
    if data.case_size <= 0:
        raise DomainError("bad_case_size", f"A case of {item.name} holds at least one unit.", "case_size")
    if data.case_cost_cents < 0:
        raise DomainError("negative", "The case cost cannot be negative.", "case_cost")
    if len(data.vendor_sku) > 60:
        raise DomainError("too_long", "The vendor's SKU is at most 60 characters.", "vendor_sku")
    return item


def stage_catalog_line(vendor: Vendor, data: CatalogInput) -> VendorItem:
    """Add or change the vendor's line for the item (in the caller's transaction)."""
    check_catalog(vendor.store_id, data)
    line = db.session.scalar(select(VendorItem).where(VendorItem.vendor_id == vendor.id,
                                                      VendorItem.item_id == data.item_id))
    if line is None:
        line = VendorItem(store_id=vendor.store_id, vendor_id=vendor.id, item_id=data.item_id)
        db.session.add(line)
    line.vendor_sku, line.case_size, line.case_cost_cents = (
        data.vendor_sku.strip(), data.case_size, data.case_cost_cents)
    if data.preferred:
        others = update(VendorItem).where(VendorItem.store_id == vendor.store_id,
                                          VendorItem.item_id == data.item_id,
                                          VendorItem.vendor_id != vendor.id)
        db.session.execute(others.values(preferred=False))
    line.preferred = data.preferred
    db.session.flush()
    return line


def set_catalog_line(store_id: int, vendor_id: int, data: CatalogInput) -> VendorItem:
    line = stage_catalog_line(get_vendor(store_id, vendor_id), data)
    db.session.commit()
    return line


def remove_catalog_line(store_id: int, vendor_id: int, line_id: int) -> None:
    vendor = get_vendor(store_id, vendor_id)
    line = db.session.get(VendorItem, line_id)
    if line is None or line.vendor_id != vendor.id:
        raise NotFound("unknown_line", f"{vendor.name} has no catalog line {line_id}.", "line_id")
    db.session.delete(line)
    db.session.commit()


def vendors_of_item(store_id: int, item_id: int) -> list[VendorItem]:
    return list(db.session.scalars(
        select(VendorItem).where(VendorItem.store_id == store_id, VendorItem.item_id == item_id)
        .order_by(VendorItem.preferred.desc(), VendorItem.id)))


def unit_cost_cents(line: VendorItem) -> int:
    """The cost of one base unit from a case, rounded half up (a weighed item's per kg/lb)."""
    return div_round(line.case_cost_cents * scale(line.item.measure), line.case_size)


def vendor_of(po: PurchaseOrder, *, link: bool = False) -> Vendor | None:
    """The PO's vendor record: its link, else the store's vendor of the name the PO was made
    with (a PO typed in or imported by name). ``link`` records that match (in the caller's
    transaction), as sending does; reading a PO writes nothing."""
    found = db.session.get(POVendor, po.id)
    if found is not None:
        return db.session.get(Vendor, found.vendor_id)
    vendor = vendor_by_name(po.store_id, po.vendor)
    if vendor is not None and link:
        db.session.add(POVendor(po_id=po.id, vendor_id=vendor.id))
    return vendor
