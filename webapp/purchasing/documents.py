"""A purchase order as the vendor receives it: a PDF to read and a CSV to load.

The PDF uses DejaVu Sans when the machine has it (any script an item name is written in);
otherwise a core font, in which characters outside Latin-1 print as '?'.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import select

from webapp.catalog.models import Store
from webapp.extensions import db
from webapp.purchasing.models import Vendor, VendorItem
from webapp.purchasing.vendors import vendor_of
from webapp.quantity import money_text, quantity_text, value_cents
from webapp.receiving.models import PurchaseOrder

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD = FONT.with_name("DejaVuSans-Bold.ttf")
CSV_COLUMNS = ("po", "line", "vendor_sku", "item", "sku", "quantity", "unit", "cases", "case_size",
               "unit_cost", "line_total", "currency")


def _catalog(vendor: Vendor | None) -> dict[int, VendorItem]:
    if vendor is None:
        return {}
    lines = db.session.scalars(select(VendorItem).where(VendorItem.vendor_id == vendor.id))
    return {line.item_id: line for line in lines}


def _rows(po: PurchaseOrder, vendor: Vendor | None):
    catalog = _catalog(vendor)
    currency = vendor.currency if vendor else "USD"
    for number, line in enumerate(po.lines, start=1):
        item = line.item
        vi = catalog.get(item.id)
        cases = ""
        if vi is not None and vi.case_size and line.ordered_qty % vi.case_size == 0:
            cases = str(line.ordered_qty // vi.case_size)
        total = value_cents(line.ordered_qty, line.unit_cost_cents, item.measure)
        yield {"po": po.reference, "line": number, "vendor_sku": vi.vendor_sku if vi else "",
               "item": item.name,
               "sku": item.sku or "", "quantity": quantity_text(line.ordered_qty, item.measure),
               "unit": item.unit_name or ("each" if item.measure == "each" else ""), "cases": cases,
               "case_size": quantity_text(vi.case_size, item.measure) if vi else "",
               "unit_cost": f"{line.unit_cost_cents / 100:.2f}", "line_total": f"{total / 100:.2f}",
               "currency": currency, "_total": total, "_unit": line.unit_cost_cents}


def po_csv(po: PurchaseOrder) -> str:
    vendor = vendor_of(po)
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in _rows(po, vendor):
        writer.writerow(row)
    return out.getvalue()


def po_pdf(po: PurchaseOrder) -> bytes:
    vendor = vendor_of(po)
    store = db.session.get(Store, po.store_id)
    currency = vendor.currency if vendor else "USD"
    pdf = FPDF(format="Letter")
    if FONT.exists():
        pdf.add_font("body", fname=str(FONT))
        pdf.add_font("body", style="B", fname=str(BOLD if BOLD.exists() else FONT))  # table headings
        family, clean = "body", str
    else:
        family = "helvetica"

        def clean(text: str) -> str:
            return text.encode("latin-1", "replace").decode("latin-1")
    pdf.add_page()
    pdf.set_font(family, size=16)
    pdf.cell(0, 10, clean(f"Purchase order {po.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    head = [f"From: {store.name}", f"To: {po.vendor}"]
    if vendor is not None and (vendor.contact_name or vendor.email or vendor.phone):
        head.append("    " + " · ".join(x for x in (vendor.contact_name, vendor.email, vendor.phone) if x))
    head.append(f"Date: {po.created_at:%Y-%m-%d}" + (f"    Deliver by: {po.expected_on:%Y-%m-%d}"
                                                     if po.expected_on else ""))
    if po.note:
        head.append(f"Note: {po.note}")
    for text in head:
        pdf.multi_cell(0, 6, clean(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    total = 0
    with pdf.table(col_widths=(22, 60, 20, 14, 22, 24), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT",
                                                                      "RIGHT")) as table:
        table.row(["Vendor SKU", "Item", "Quantity", "Cases", "Unit cost", "Total"])
        for row in _rows(po, vendor):
            total += row["_total"]
            table.row([clean(row["vendor_sku"]), clean(row["item"]),
                       f"{row['quantity']} {clean(row['unit'])}", row["cases"],
                       clean(money_text(row["_unit"], currency)),
                       clean(money_text(row["_total"], currency))])
    pdf.ln(4)
    pdf.set_font(family, size=12)
    pdf.cell(0, 8, clean(f"Total: {money_text(total, currency)}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
