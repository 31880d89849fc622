"""Receiving pages: the dock's scanning screen (receiver+) and purchase orders (manager+).

Scans, damage marks and the close travel through the phone's outbox and the sync API
(``events.py``); these views only render, and handle a manager's forms.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth.decorators import role_required
from webapp.catalog.models import Item, Location
from webapp.catalog.service import lookup
from webapp.catalog.units import parse_money, parse_quantity
from webapp.errors import Conflict, DomainError
from webapp.extensions import db
from webapp.receiving import orders, report, service

bp = Blueprint("receiving", __name__, url_prefix="/receiving")


def _locations() -> list[Location]:
    return [loc for loc in current_user.store.locations if loc.active]


@bp.get("/")
@role_required("receiver")
def index():
    return render_template(
        "receiving/index.html", pos=service.receivable_pos(current_user.store_id),
        receipts=service.receipts_for(current_user.store_id, limit=20),
    )


@bp.get("/session")
@role_required("receiver")
def session():
    """The scanning screen. Its data rides in the page, so it keeps working with no signal."""
    po_id = request.args.get("po", type=int)
    po = service.get_po(current_user.store_id, po_id) if po_id else None
    if po is not None and not po.receivable:
        raise Conflict("po_not_receivable", f"PO {po.reference} is {po.status.replace('_', ' ')}; "
                       "only an open PO can be received.")
    show_cost = current_user.has_role("manager")
    lines = []
    if po is not None:
        lines = [{"item_id": ln.item_id, "name": ln.item.name, "measure": ln.item.measure,
                  "ordered": ln.ordered_qty, "due": ln.remaining,
                  **({"unit_cost_cents": ln.unit_cost_cents} if show_cost else {})} for ln in po.lines]
    data = {"po": {"id": po.id, "reference": po.reference, "vendor": po.vendor} if po else None,
            "user_id": current_user.id, "lines": lines, "reasons": current_user.store.damage_reason_list,
            "location_id": service.default_location(current_user.store_id).id,
            "receipt_url": url_for("receiving.by_session", session_key="SESSION")}
    return render_template("receiving/session.html", po=po, data=data, locations=_locations())


@bp.get("/session/<session_key>")
@role_required("receiver")
def by_session(session_key: str):
    receipt = service.receipt_by_session(current_user.store_id, session_key)
    if receipt is None:
        raise DomainError("not_synced", "This delivery has not reached the server yet; it will once the "
                          "phone is online (see the outbox).", status=404)
    return redirect(url_for("receiving.receipt", receipt_id=receipt.id))


@bp.get("/receipts/<int:receipt_id>")
@role_required("receiver")
def receipt(receipt_id: int):
    found = service.get_receipt(current_user.store_id, receipt_id)
    rows = report.rows(found)
    return render_template("receiving/receipt.html", receipt=found, rows=rows,
                           show_cost=current_user.has_role("manager"))


@bp.get("/receipts/<int:receipt_id>.csv")
@role_required("receiver")
def receipt_csv(receipt_id: int):
    found = service.get_receipt(current_user.store_id, receipt_id)
    # Built whole, not streamed: a receipt is small, and a stream would outlive the session.
    lines = "".join(report.csv_lines(found, report.rows(found), with_cost=current_user.has_role("manager")))
    name = f"receipt-{found.id}" + (f"-{found.po.reference}" if found.po else "")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return Response(lines, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'})


@bp.post("/receipts/<int:receipt_id>/cost")
@role_required("manager")
def invoice_cost(receipt_id: int):
    found = service.get_receipt(current_user.store_id, receipt_id)
    item_id = request.form.get("item_id", type=int)
    service.set_invoice_cost(found, item_id or 0, parse_money(request.form.get("cost", ""), "cost",
                                                              "Invoice cost"))
    db.session.commit()
    return redirect(url_for("receiving.receipt", receipt_id=found.id))


# ----- purchase orders (manager+) ---------------------------------------------------------


@bp.get("/pos")
@role_required("manager")
def pos():
    return render_template("receiving/pos.html", pos=orders.list_pos(current_user.store_id))


@bp.post("/pos")
@role_required("manager")
def create_po():
    raw = request.form.get("expected_on", "").strip()
    try:
        expected = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise DomainError("bad_date", "Give the expected date as YYYY-MM-DD.", "expected_on") from None
    po = orders.create_po(current_user.store_id, current_user.id, orders.POInput(
        request.form.get("reference", ""), request.form.get("vendor", ""), expected,
        request.form.get("note", "")))
    return redirect(url_for("receiving.po", po_id=po.id))


@bp.post("/pos/import")
@role_required("manager")
def import_pos():
    sent = request.files.get("file")
    if sent is None:
        raise DomainError("missing_file", "Choose a CSV file.", "file")
    result = orders.import_csv(current_user.store_id, current_user.id, sent.read())
    status = 200 if result.ok else 422
    return render_template("receiving/pos.html", pos=orders.list_pos(current_user.store_id),
                           result=result), status


@bp.get("/pos/<int:po_id>")
@role_required("manager")
def po(po_id: int):
    found = service.get_po(current_user.store_id, po_id)
    receipts = [r for r in service.receipts_for(current_user.store_id, limit=200) if r.po_id == found.id]
    return render_template("receiving/po.html", po=found, receipts=receipts)


@bp.post("/pos/<int:po_id>/lines")
@role_required("manager")
def add_line(po_id: int):
    match = lookup(current_user.store_id, request.form.get("code", ""))
    item: Item = match.item
    quantity = parse_quantity(request.form.get("quantity", ""), item.measure, "quantity", "Quantity")
    cost_text = request.form.get("unit_cost", "").strip()
    cost = parse_money(cost_text, "unit_cost", "Unit cost") if cost_text else item.cost_cents
    orders.add_line(current_user.store_id, po_id, orders.LineInput(item.id, quantity, cost))
    return redirect(url_for("receiving.po", po_id=po_id))


@bp.post("/pos/<int:po_id>/lines/<int:line_id>/remove")
@role_required("manager")
def remove_line(po_id: int, line_id: int):
    orders.remove_line(current_user.store_id, po_id, line_id)
    return redirect(url_for("receiving.po", po_id=po_id))


@bp.post("/pos/<int:po_id>/lines/<int:line_id>/cancel")
@role_required("manager")
def cancel_line(po_id: int, line_id: int):
    line = service.cancel_remaining(current_user.store_id, po_id, line_id)
    flash(f"The rest of {line.item.name} is cancelled; the PO no longer waits for it.")
    return redirect(url_for("receiving.po", po_id=po_id))


@bp.post("/pos/<int:po_id>/send")
@role_required("manager")
def send_po(po_id: int):
    orders.send(current_user.store_id, po_id)
    return redirect(url_for("receiving.po", po_id=po_id))


@bp.post("/pos/<int:po_id>/close")
@role_required("manager")
def close_po(po_id: int):
    orders.close(current_user.store_id, po_id)
    return redirect(url_for("receiving.po", po_id=po_id))
