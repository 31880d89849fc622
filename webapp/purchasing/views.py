"""Purchasing pages (manager+): vendors and their catalogs, suggested orders, sending POs.

Thin: parse the form, call one service, redirect or render. A receiver receives at
``/receiving``; nothing here is theirs.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth.decorators import role_required
from webapp.catalog.csvio import read_upload
from webapp.catalog.service import lookup
from webapp.catalog.units import parse_money, parse_quantity
from webapp.errors import DomainError
from webapp.purchasing import csvfiles, documents, pos, suggest, vendors
from webapp.receiving.service import get_po

bp = Blueprint("purchasing", __name__, url_prefix="/purchasing")


def _int(name: str, label: str, default: int | None = None) -> int:
    text = request.form.get(name, "").strip()
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError:
        raise DomainError("bad_number", f"{label} must be a whole number.", name) from None


def _vendor_input() -> vendors.VendorInput:
    minimum = request.form.get("order_minimum", "").strip()
    return vendors.VendorInput(
        request.form.get("name", ""), request.form.get("contact_name", ""), request.form.get("email", ""),
        request.form.get("phone", ""), _int("lead_time_days", "Lead time", 7),
        parse_money(minimum, "order_minimum", "Order minimum") if minimum else 0,
        request.form.get("currency", ""))


def _csv(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/")
@role_required("manager")
def index():
    store_id = current_user.store_id
    return render_template("purchasing/index.html", vendors=vendors.list_vendors(store_id),
                           suggestions=suggest.suggest(store_id), drafts=pos.open_po_counts(store_id),
                           orphans=len(suggest.low_without_vendor(store_id)))


@bp.post("/vendors")
@role_required("manager")
def create_vendor():
    vendor = vendors.create_vendor(current_user.store_id, _vendor_input())
    return redirect(url_for("purchasing.vendor", vendor_id=vendor.id))


@bp.get("/vendors/<int:vendor_id>")
@role_required("manager")
def vendor(vendor_id: int):
    found = vendors.get_vendor(current_user.store_id, vendor_id)
    return render_template("purchasing/vendor.html", vendor=found)


@bp.post("/vendors/<int:vendor_id>")
@role_required("manager")
def update_vendor(vendor_id: int):
    vendors.update_vendor(current_user.store_id, vendor_id, _vendor_input(),
                          active=request.form.get("active") == "1")
    return redirect(url_for("purchasing.vendor", vendor_id=vendor_id))


@bp.post("/vendors/<int:vendor_id>/items")
@role_required("manager")
def set_item(vendor_id: int):
    vendors.get_vendor(current_user.store_id, vendor_id)  # 404 before the code is looked up
    item = lookup(current_user.store_id, request.form.get("code", "")).item
    size = parse_quantity(request.form.get("case_size", "") or "1", item.measure, "case_size", "Case size")
    cost = parse_money(request.form.get("case_cost", "") or "0", "case_cost", "Case cost")
    vendors.set_catalog_line(current_user.store_id, vendor_id, vendors.CatalogInput(
        item.id, size, cost, request.form.get("vendor_sku", ""), request.form.get("preferred") == "1"))
    return redirect(url_for("purchasing.vendor", vendor_id=vendor_id))


@bp.post("/vendors/<int:vendor_id>/items/<int:line_id>/remove")
@role_required("manager")
def remove_item(vendor_id: int, line_id: int):
    vendors.remove_catalog_line(current_user.store_id, vendor_id, line_id)
    return redirect(url_for("purchasing.vendor", vendor_id=vendor_id))


@bp.get("/vendors.csv")
@role_required("manager")
def vendors_csv():
    return _csv(csvfiles.export_vendors(current_user.store_id), "vendors.csv")


@bp.get("/vendor-items.csv")
@role_required("manager")
def catalog_csv():
    return _csv(csvfiles.export_catalog(current_user.store_id), "vendor_items.csv")


@bp.post("/import")
@role_required("manager")
def import_csv():
    data = read_upload(request.files.get("file"), csvfiles.MAX_BYTES)
    kind = request.form.get("kind", "vendors")
    importer = {"vendors": csvfiles.import_vendors, "catalog": csvfiles.import_catalog}.get(kind)
    if importer is None:
        raise DomainError("bad_kind", "Import vendors or a vendor catalog.", "kind")
    result = importer(current_user.store_id, data)
    store_id = current_user.store_id
    return render_template("purchasing/index.html", vendors=vendors.list_vendors(store_id), result=result,
                           suggestions=suggest.suggest(store_id), drafts=pos.open_po_counts(store_id),
                           kind=kind), (200 if result.ok else 422)


@bp.get("/suggestions/<int:vendor_id>")
@role_required("manager")
def suggestion(vendor_id: int):
    vendor = vendors.get_vendor(current_user.store_id, vendor_id)
    return render_template("purchasing/suggestion.html", vendor=vendor,
                           suggestion=pos.suggestion_for(current_user.store_id, vendor_id))


@bp.post("/suggestions/<int:vendor_id>")
@role_required("manager")
def order(vendor_id: int):
    cases: dict[int, int] = {}
    for key in request.form:
        if key.startswith("cases-"):
            try:
                cases[int(key.removeprefix("cases-"))] = int(request.form[key].strip() or "0")
            except ValueError:
                raise DomainError("bad_cases", "Give whole cases (0 leaves an item out).", key) from None
    po = pos.po_from_suggestion(current_user.store_id, current_user.id, vendor_id, cases)
    flash(f"PO {po.reference} is a draft: check it and send it to the vendor.")
    return redirect(url_for("purchasing.po", po_id=po.id))


@bp.get("/pos/<int:po_id>")
@role_required("manager")
def po(po_id: int):
    found = get_po(current_user.store_id, po_id)
    return render_template("purchasing/po.html", po=found, sendings=pos.sendings(found.id))


@bp.post("/pos/<int:po_id>/send")
@role_required("manager")
def send_po(po_id: int):
    record = pos.send_po(current_user.store_id, po_id, current_user.id)
    flash({"sent": f"Emailed to {record.recipients}.", "failed": record.note,
           "no_email": f"Marked as sent; not emailed: {record.note}"}[record.status])
    return redirect(url_for("purchasing.po", po_id=po_id))


@bp.post("/pos/<int:po_id>/cancel")
@role_required("manager")
def cancel_po(po_id: int):
    pos.cancel_po(current_user.store_id, po_id)
    return redirect(url_for("purchasing.po", po_id=po_id))


@bp.get("/pos/<int:po_id>.pdf")
@role_required("manager")
def po_pdf(po_id: int):
    found = get_po(current_user.store_id, po_id)
    return Response(documents.po_pdf(found), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{_safe(found.reference)}.pdf"'})


@bp.get("/pos/<int:po_id>.csv")
@role_required("manager")
def po_csv(po_id: int):
    found = get_po(current_user.store_id, po_id)
    return _csv(documents.po_csv(found), f"{_safe(found.reference)}.csv")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
