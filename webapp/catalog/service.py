"""Catalog rules: finding items by any form of a code, editing items and their barcodes.

Every function that writes is one transaction: it validates, changes, commits, or raises a
DomainError having changed nothing. Views, the CSV import, the CLI and the API call these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from scanner.codes import InvalidCode, normalise, to_gtin14
from scanner.variable import PREFIXES
from webapp.catalog.models import Barcode, Item
from webapp.catalog.variable import resolve_label, store_rules
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.loaders import load_in_store
from webapp.types import utcnow

PER_PAGE = 25
MAX_CODE_LENGTH = 64
MAX_PACK_QTY = 10_000
GTIN_LENGTHS = (8, 12, 13, 14)


# ----- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """What a scanned code means in a store: this item, and how many base units one scan is."""

    item: Item
    pack_qty: int
    barcode: Barcode | None  # None when the code matched the item's SKU


@dataclass(frozen=True)
class Page:
    items: list[Item]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def get_item(store_id: int, item_id: int) -> Item:
    return load_in_store(Item, item_id, store_id, NotFound("not_found", f"No item {item_id} in your store."))


def resolve(store_id: int, text: str, *, format: str | None = None) -> Match | None:
    """The item a scanned or typed code names, in any of its spellings.

    UPC-A, EAN-13, zbar's 13-digit UPC-A, GTIN-14 and UPC-E of one product all normalise to
    one GTIN-14, which is what barcodes are indexed by. Anything else (a store's Code 39
    shelf label, a PLU) is matched as printed, then against item SKUs, whose scan is one unit.
    """
    code = normalise(text, format)
    if not code.raw:
        return None
    if code.gtin14 and code.gtin14[1:3] in PREFIXES:
        # A price- or weight-embedded label by the store's rule: the item, and what it weighs.
        label = resolve_label(store_id, text, store_rules(store_id), format=format)
        if label is not None:
            return Match(*label)
    if code.gtin14:
        barcode = db.session.scalar(
            select(Barcode).where(Barcode.store_id == store_id, Barcode.gtin14 == code.gtin14).limit(1)
        )
        if barcode is not None:
            return Match(barcode.item, barcode.pack_qty, barcode)
    barcode = db.session.scalar(
        select(Barcode).where(Barcode.store_id == store_id, Barcode.code == code.raw).limit(1)
    )
    if barcode is not None:
        return Match(barcode.item, barcode.pack_qty, barcode)
    # Code 39 only has upper case, while SKUs typed into Clover often are not.
    item = db.session.scalar(
        select(Item).where(Item.store_id == store_id, func.upper(Item.sku) == code.raw.upper()).limit(1)
    )
    return Match(item, 1, None) if item is not None else None


def resolve_many(store_id: int, texts) -> dict[str, tuple[int, int] | None]:
    """``resolve`` for many codes at once (a phone's batch of scans): per text, (item id, pack
    quantity) or None, by the same rule and in three queries whatever the number of codes."""
    codes = {text: normalise(text) for text in set(texts) if text and text.strip()}
    found: dict[str, tuple[int, int] | None] = dict.fromkeys(texts)
    by_gtin: dict[str, tuple[int, int]] = {}
    gtins = sorted({c.gtin14 for c in codes.values() if c.gtin14})
    for chunk in range(0, len(gtins), 500):
        for row in db.session.execute(
                select(Barcode.gtin14, Barcode.item_id, Barcode.pack_qty)
                .where(Barcode.store_id == store_id, Barcode.gtin14.in_(gtins[chunk:chunk + 500]))
                .order_by(Barcode.id.desc())):
            by_gtin[row.gtin14] = (row.item_id, row.pack_qty)  # the oldest barcode wins, as one query
    labels = {text for text, code in codes.items() if code.gtin14 and code.gtin14[1:3] in PREFIXES}
    rules = store_rules(store_id) if labels else []
    for text in sorted(labels) if rules else ():
        try:
            label = resolve_label(store_id, text, rules)
        except DomainError:
            label = None  # a misread price, or a weight on an item sold each: not counted
        if label is not None:
            found[text] = (label[0].id, label[1])
    for text, code in codes.items():
        if code.gtin14 in by_gtin and found[text] is None:
            found[text] = by_gtin[code.gtin14]
    rest = sorted({code.raw for text, code in codes.items() if found[text] is None})
    by_raw: dict[str, tuple[int, int]] = {}
    for chunk in range(0, len(rest), 500):
        for row in db.session.execute(
                select(Barcode.code, Barcode.item_id, Barcode.pack_qty)
                .where(Barcode.store_id == store_id, Barcode.code.in_(rest[chunk:chunk + 500]))
                .order_by(Barcode.id.desc())):
            by_raw[row.code] = (row.item_id, row.pack_qty)
    by_sku: dict[str, tuple[int, int]] = {}
    skus = sorted({raw.upper() for raw in rest if raw not in by_raw})
    for chunk in range(0, len(skus), 500):
        for row in db.session.execute(
                select(func.upper(Item.sku).label("sku"), Item.id)
                .where(Item.store_id == store_id, func.upper(Item.sku).in_(skus[chunk:chunk + 500]))
                .order_by(Item.id.desc())):
            by_sku[row.sku] = (row.id, 1)
    for text, code in codes.items():
        if found[text] is None:
            found[text] = by_raw.get(code.raw) or by_sku.get(code.raw.upper())
    return found


def lookup(store_id: int, text: str, *, format: str | None = None) -> Match:
    """Like `resolve`, but an unknown code is an error the API and the pages can show."""
    if not text or not text.strip():
        raise DomainError("missing_code", "Give a code to look up.", "code")
    match = resolve(store_id, text, format=format)
    if match is None:
        raise NotFound("unknown_code", f"No item in your store has the code {text.strip()}.", "code")
    return match


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(text: str) -> str:
    return f"%{_escape(text)}%"


# What may come before a word inside an item's name ("Coca-Cola", "Chips (Salted)").
_WORD_STARTS = ("", "% ", "%-", "%(", "%/")


def _starts_a_word(word: str):
    return or_(*[Item.name.ilike(f"{before}{_escape(word)}%", escape="\\") for before in _WORD_STARTS])


def search(store_id: int, query: str = "", *, category: str = "", page: int = 1,
           per_page: int = PER_PAGE) -> Page:
    """Items whose SKU, Clover id or any barcode (in any of its spellings) is `query`, or whose
    name has a word starting with each word of `query` ("Cola" finds "Coca-Cola" and "Cola
    Zero", not "Chocolate"), ranked: exact code or SKU first, then names that start with the
    query, then the rest, each in name order; a page at a time. Only when no name has such
    words does a name containing `query` anywhere count (a search for "milk" still finds
    "Oatmilk" in a store with no other milk)."""
    conditions = [Item.store_id == store_id]
    rank = None
    query = query.strip()
    if query:
        code = normalise(query)
        barcode_hit = select(Barcode.item_id).where(
            Barcode.store_id == store_id,
            or_(Barcode.code == code.raw, Barcode.gtin14 == code.gtin14) if code.gtin14
            else Barcode.code == code.raw,
        )
        exact = or_(func.upper(Item.sku) == query.upper(), Item.clover_id == query, Item.id.in_(barcode_hit))
        words = and_(*[_starts_a_word(word) for word in query.split()])
        rank = case((exact, 0), (Item.name.ilike(f"{_escape(query)}%", escape="\\"), 1), else_=2)
        scope = [*conditions, *([Item.category == category] if category else [])]
        if not db.session.scalar(select(func.count(Item.id)).where(*scope, or_(exact, words))):
            words = Item.name.ilike(_like(query), escape="\\")
        conditions.append(or_(exact, words))
    if category:
        conditions.append(Item.category == category)
    total = db.session.scalar(select(func.count(Item.id)).where(*conditions)) or 0
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    order = ([rank] if rank is not None else []) + [func.lower(Item.name), Item.id]
    items = db.session.scalars(
        select(Item)
        .where(*conditions)
        .options(selectinload(Item.barcodes))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def categories(store_id: int) -> list[str]:
    rows = db.session.scalars(
        select(Item.category).where(Item.store_id == store_id, Item.category != "").distinct()
    )
    return sorted(rows, key=str.lower)


# ----- barcodes --------------------------------------------------------------------------


def check_barcode(text: str, pack_qty: int | str = 1) -> tuple[str, str | None, int]:
    """Validate a barcode as a person gave it -> (code as printed, GTIN-14 or None, pack).

    A string of 8, 12, 13 or 14 digits is a GTIN and must have a right check digit: a
    mistyped GTIN saved here would never match a scan. Other strings (PLUs, Code 39 SKUs)
    are kept as printed.
    """
    code = (text or "").strip()
    if not code:
        raise DomainError("missing_code", "Give the barcode's digits or text.", "code")
    if len(code) > MAX_CODE_LENGTH or not code.isprintable() or not code.isascii():
        raise DomainError(
            "bad_code", f"A barcode is at most {MAX_CODE_LENGTH} plain characters.", "code"
        )
    gtin14 = None
    if code.isdigit() and len(code) in GTIN_LENGTHS:
        try:
            gtin14 = to_gtin14(code)
        except InvalidCode as err:
            detail = "has a bad check digit" if err.code == "bad_check_digit" else "is not a valid GTIN"
            raise DomainError(err.code, f"Barcode {code} {detail}: {err.message}", "code") from None
    try:
        pack = int(str(pack_qty).strip())
    except ValueError:
        raise DomainError("bad_pack_qty", f"Pack quantity {pack_qty!r} is not a whole number.",
                          "pack_qty") from None
    if not 1 <= pack <= MAX_PACK_QTY:
        message = f"Pack quantity must be 1 to {MAX_PACK_QTY}; got {pack}."
        raise DomainError("bad_pack_qty", message, "pack_qty")
    return code, gtin14, pack


def barcode_owner(store_id: int, code: str, gtin14: str | None) -> Barcode | None:
    """The barcode in the store that is the same code, in this spelling or another."""
    same = Barcode.code == code
    if gtin14:
        same = or_(same, Barcode.gtin14 == gtin14)
    return db.session.scalar(select(Barcode).where(Barcode.store_id == store_id, same).limit(1))


def add_barcode(store_id: int, item_id: int, code: str, pack_qty: int | str = 1, *,
                commit: bool = True) -> Barcode:
    """Give an item one more code; `commit=False` leaves the transaction to a caller that does more."""
    item = get_item(store_id, item_id)
    code, gtin14, pack = check_barcode(code, pack_qty)
    owner = barcode_owner(store_id, code, gtin14)
    if owner is not None:
        where = "this item" if owner.item_id == item.id else f"{owner.item.name} (item {owner.item_id})"
        raise Conflict("barcode_taken", f"Barcode {code} already belongs to {where}.", "code")
    barcode = Barcode(store_id=store_id, code=code, gtin14=gtin14, pack_qty=pack)
    item.barcodes.append(barcode)
    # Barcodes live in their own table, so the item row's onupdate would not fire; devices
    # refresh their cached catalog by modified_at and must hear about the new code.
    item.modified_at = utcnow()
    db.session.flush()
    if commit:
        db.session.commit()
    return barcode


def remove_barcode(store_id: int, item_id: int, barcode_id: int) -> None:
    item = get_item(store_id, item_id)
    barcode = next((b for b in item.barcodes if b.id == barcode_id), None)
    if barcode is None:
        raise NotFound("not_found", f"Item {item_id} has no barcode {barcode_id}.")
    item.barcodes.remove(barcode)
    item.modified_at = utcnow()  # so devices drop the code from their cache
    db.session.commit()


# ----- item fields -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemChanges:
    """Fields a manager may set on an item; None leaves a field as it is.

    `clear_reorder_point` distinguishes "no reorder point" from "not given".
    """

    name: str | None = None
    category: str | None = None
    cost_cents: int | None = None
    price_cents: int | None = None
    reorder_point: int | None = None
    clear_reorder_point: bool = False
    active: bool | None = None


def check_changes(changes: ItemChanges) -> None:
    if changes.name is not None and not 1 <= len(changes.name.strip()) <= 200:
        raise DomainError("bad_name", "An item name is 1 to 200 characters.", "name")
    if changes.category is not None and len(changes.category.strip()) > 80:
        raise DomainError("bad_category", "A category is at most 80 characters.", "category")
    for field in ("cost_cents", "price_cents", "reorder_point"):
        value = getattr(changes, field)
        if value is not None and value < 0:
            raise DomainError("negative", f"{field.split('_')[0].capitalize()} cannot be negative.", field)


def apply_changes(item: Item, changes: ItemChanges) -> bool:
    """Set the given fields on `item` (no commit); True when anything changed."""
    check_changes(changes)
    values = {
        "name": changes.name.strip() if changes.name is not None else None,
        "category": changes.category.strip() if changes.category is not None else None,
        "cost_cents": changes.cost_cents,
        "price_cents": changes.price_cents,
        "reorder_point": changes.reorder_point,
        "active": changes.active,
    }
    changed = False
    for field, value in values.items():
        if value is not None and getattr(item, field) != value:
            setattr(item, field, value)
            changed = True
    if changes.clear_reorder_point and item.reorder_point is not None:
        item.reorder_point = None
        changed = True
    return changed


def create_item(store_id: int, changes: ItemChanges, *, commit: bool = True) -> Item:
    """A new item made here rather than in Clover (a manager naming a code nobody knew)."""
    if changes.name is None:
        raise DomainError("bad_name", "An item name is 1 to 200 characters.", "name")
    item = Item(store_id=store_id, name="", category="", cost_cents=0, price_cents=0, active=True,
                measure="each", unit_name="")
    apply_changes(item, changes)
    db.session.add(item)
    db.session.flush()
    if commit:
        db.session.commit()
    return item


def update_item(store_id: int, item_id: int, changes: ItemChanges) -> Item:
    item = get_item(store_id, item_id)
    if apply_changes(item, changes):
        item.modified_at = utcnow()
        db.session.commit()
    return item


# ----- output ----------------------------------------------------------------------------


def item_to_dict(item: Item, *, show_cost: bool) -> dict:
    """An item as the API shows it. Cost reaches managers only: `show_cost` is a whitelist
    switch, so a new field never leaks by default."""
    data = {
        "id": item.id,
        "name": item.name,
        "sku": item.sku,
        "category": item.category,
        "price_cents": item.price_cents,
        "reorder_point": item.reorder_point,
        "measure": item.measure,
        "unit_name": item.unit_name,
        "active": item.active,
        "clover_id": item.clover_id,
        "barcodes": [{"code": b.code, "gtin14": b.gtin14, "pack_qty": b.pack_qty} for b in item.barcodes],
        "modified_at": item.modified_at.isoformat().replace("+00:00", "Z"),
    }
    if show_cost:
        data["cost_cents"] = item.cost_cents
    return data
