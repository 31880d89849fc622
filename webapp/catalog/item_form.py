"""A manager creates one item on a page: name, SKU, barcodes, price, cost, case pack, category,
reorder point. For an item Clover does not have yet, or one a phone scanned that nobody knew.

Every field is checked before anything is written, and every mistake is reported at once,
beside its field: a manager at the back-office PC fixes the form in one go rather than
finding the next problem after each save.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.auth.decorators import role_required
from webapp.catalog import service
from webapp.catalog.models import Barcode, Item
from webapp.catalog.units import parse_money, parse_quantity
from webapp.errors import DomainError
from webapp.extensions import db

bp = Blueprint("item_form", __name__)

MAX_SKU = 64
MAX_UNIT_CODES = 10
_SPLIT = re.compile(r"[\s,;]+")


class FormErrors(DomainError):
    """Every problem of a form: ``errors`` maps a field to what to do about it."""

    def __init__(self, errors: dict[str, str]):
        first = next(iter(errors), None)
        super().__init__("invalid_item", errors.get(first, "Check the form."), first)
        self.errors = errors


@dataclass(frozen=True)
class NewItem:
    name: str
    sku: str | None
    category: str
    price_cents: int
    cost_cents: int
    reorder_point: int | None
    unit_codes: tuple[str, ...]
    case_code: str | None
    case_pack: int | None


def parse_form(store_id: int, form: Mapping[str, str]) -> NewItem:
    """The form's text -> a NewItem, or FormErrors naming every field that is wrong."""
    errors: dict[str, str] = {}

    def check(name: str, parse):
        try:
            return parse()
        except DomainError as err:
            errors.setdefault(name, err.message)
            return None

    name = (form.get("name") or "").strip()
    if not 1 <= len(name) <= 200:
        errors["name"] = "Give the item's name as the shelf label shows it (up to 200 characters)."
    sku = (form.get("sku") or "").strip() or None
    if sku is not None:
        if len(sku) > MAX_SKU or not sku.isprintable():
            errors["sku"] = f"A SKU is at most {MAX_SKU} plain characters."
        else:
            owner = db.session.scalar(select(Item).where(Item.store_id == store_id, Item.sku == sku))
            if owner is not None:
                errors["sku"] = f"SKU {sku} already belongs to {owner.name}; give another or leave it empty."
    category = (form.get("category") or "").strip()
    if len(category) > 80:
        errors["category"] = "A category is at most 80 characters."
    price = check("price", lambda: parse_money(form.get("price") or "", "price", "Price"))
    cost = check("cost", lambda: parse_money(form.get("cost") or "0", "cost", "Cost"))
    reorder_text = (form.get("reorder_point") or "").strip()
    reorder = check("reorder_point", lambda: parse_quantity(reorder_text, "each")) if reorder_text else None

    seen: dict[str, str] = {}          # GTIN-14 or code -> the code as typed, to catch repeats

    def code_ok(text: str, pack: int, where: str) -> str | None:
        try:
            code, gtin14, _pack = service.check_barcode(text, pack)
        except DomainError as err:
            errors.setdefault(where, err.message)
            return None
        key = gtin14 or code
        if key in seen:
            errors.setdefault(where, f"Barcode {code} is given twice ({seen[key]}).")
            return None
        seen[key] = code
        owner = service.barcode_owner(store_id, code, gtin14)
        if owner is not None:
            errors.setdefault(where, f"Barcode {code} already belongs to {owner.item.name}; "
                                     "an item's barcodes are its own.")
            return None
        return code

    unit_texts = [t for t in _SPLIT.split(form.get("barcodes") or "") if t]
    if len(unit_texts) > MAX_UNIT_CODES:
        errors["barcodes"] = f"At most {MAX_UNIT_CODES} unit barcodes; add more on the item's page later."
        unit_texts = []
    unit_codes = tuple(c for c in (code_ok(t, 1, "barcodes") for t in unit_texts) if c)

    case_text = (form.get("case_code") or "").strip()
    pack_text = (form.get("case_pack") or "").strip()
    case_code, case_pack = None, None
    if case_text or pack_text:
        if not pack_text:
            errors["case_pack"] = "Say how many units the case holds."
        elif not pack_text.isdigit() or not 2 <= int(pack_text) <= service.MAX_PACK_QTY:
            errors["case_pack"] = f"Units per case is a whole number from 2 to {service.MAX_PACK_QTY}."
        else:
            case_pack = int(pack_text)
        if not case_text:
            errors["case_code"] = "Give the case's barcode, or leave units per case empty."
        elif case_pack is not None:
            case_code = code_ok(case_text, case_pack, "case_code")
    if errors:
        raise FormErrors(errors)
    return NewItem(name, sku, category, price, cost, reorder, unit_codes, case_code, case_pack)


def create(store_id: int, new: NewItem) -> Item:
    item = service.create_item(store_id, service.ItemChanges(
        name=new.name, category=new.category, cost_cents=new.cost_cents, price_cents=new.price_cents,
        reorder_point=new.reorder_point), commit=False)
    item.sku = new.sku
    codes = [(c, 1) for c in new.unit_codes]
    if new.case_code:
        codes.append((new.case_code, new.case_pack))
    for text, pack in codes:
        code, gtin14, pack = service.check_barcode(text, pack)
        item.barcodes.append(Barcode(store_id=store_id, code=code, gtin14=gtin14, pack_qty=pack))
    try:
        db.session.commit()
    except IntegrityError:
        # Someone saved the same SKU or barcode between the check and this commit.
        db.session.rollback()
        raise FormErrors({"sku": "An item with this SKU or one of these barcodes was saved a moment ago; "
                                 "look it up under Items."}) from None
    return item


def _page(form: Mapping[str, str], errors: dict[str, str]) -> str:
    return render_template("catalog/new_item.html", form=form, errors=errors,
                           categories=service.categories(current_user.store_id))


@bp.route("/items/new", methods=["GET", "POST"])
@role_required("manager")
def new_item():
    if request.method == "GET":
        return _page({}, {})
    try:
        item = create(current_user.store_id, parse_form(current_user.store_id, request.form))
    except FormErrors as err:
        db.session.rollback()
        return _page(request.form, err.errors), 400
    flash(f"{item.name} created. Phones find it by its barcodes at their next catalog refresh.")
    return redirect(url_for("catalog.item", item_id=item.id))
