"""Printable count sheets (PDF) for one zone: every item stocked there, with a box to write in.

A blind sheet leaves the expected quantity out, as a blind count on the phone does; only a
manager may print one that shows it. Drawn with fpdf2's core fonts (Latin-1): a name outside
it is printed with "?" for the letters it cannot show rather than failing the sheet.
"""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from sqlalchemy import select

from webapp.auth.models import User
from webapp.catalog.models import Barcode, Item, Location, Store
from webapp.errors import DomainError, Forbidden
from webapp.extensions import db
from webapp.inventory.models import StockLevel
from webapp.loaders import load_in_store
from webapp.quantity import plain_quantity


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def sheet_items(location: Location, category: str | None = None) -> list[tuple[Item, str, int]]:
    """(item, first barcode, expected level) for the items stocked at the location, by name.

    Items with a level row there (even 0) are the zone's; the selling location also lists
    every active item, since sales deplete it whether or not it was ever counted."""
    stocked = select(StockLevel.item_id).where(StockLevel.location_id == location.id)
    query = select(Item).where(Item.store_id == location.store_id, Item.active.is_(True))
    if not location.is_selling:
        query = query.where(Item.id.in_(stocked))
    if category:
        query = query.where(Item.category == category)
    items = db.session.scalars(query.order_by(Item.name, Item.id)).all()
    ids = [i.id for i in items]
    levels = dict(
        db.session.execute(
            select(StockLevel.item_id, StockLevel.quantity).where(
                StockLevel.location_id == location.id, StockLevel.item_id.in_(ids)
            )
        )
        .tuples()
        .all()
    )
    codes: dict[int, str] = {}
    for item_id, code in (
        db.session.execute(
            select(Barcode.item_id, Barcode.code).where(Barcode.item_id.in_(ids)).order_by(Barcode.id)
        )
        .tuples()
        .all()
    ):
        codes.setdefault(item_id, code)
    return [(i, codes.get(i.id, ""), levels.get(i.id, 0)) for i in items]


def count_sheet(
    user: User, location_id: int, *, blind: bool, category: str | None = None, now: datetime | None = None
) -> bytes:
    if not blind and not user.has_role("manager"):
        raise Forbidden("blind_required", "Only a manager may print a sheet that shows expected quantities.")
    location = load_in_store(
        Location,
        location_id,
        user.store_id,
        DomainError("unknown_location", "Choose a location of your store.", "location_id"),
    )
    store = db.session.get(Store, user.store_id)
    rows = sheet_items(location, category)
    pdf = FPDF(format="Letter")
    pdf.set_title(f"Count sheet {location.name}")
    pdf.set_auto_page_break(True, margin=15)
    widths = (86, 38, 30, 30) if not blind else (100, 44, 0, 40)

    def header():
        pdf.set_font("Helvetica", "B", 14)
        scope = location.name + (f" / {category}" if category else "")
        pdf.cell(0, 8, _latin(f"Count sheet: {store.name} - {scope}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        when = now.strftime("%Y-%m-%d %H:%M UTC") if now else ""
        pdf.cell(
            0,
            6,
            _latin(
                f"{'Blind count' if blind else 'Expected quantities shown'} · {len(rows)} item(s)"
                f" · printed {when} · counted by ____________"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("Helvetica", "B", 10)
        for title, w in zip(("Item", "Barcode / SKU", "Expected", "Counted"), widths, strict=True):
            if w:
                pdf.cell(w, 7, title, border=1)
        pdf.ln()
        pdf.set_font("Helvetica", "", 10)

    pdf.add_page()
    header()
    for item, code, expected in rows:
        if pdf.will_page_break(8):
            pdf.add_page()
            header()
        cells = (item.name[:48], code or (item.sku or ""), plain_quantity(expected, item.measure), "")
        for text, w in zip(cells, widths, strict=True):
            if w:
                pdf.cell(w, 8, _latin(text), border=1)
        pdf.ln()
    return bytes(pdf.output())
