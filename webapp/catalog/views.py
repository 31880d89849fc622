"""Catalog pages: item search, an item's details and barcodes, CSV import/export, labels."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.auth.decorators import role_required
from webapp.catalog import csvio, service
from webapp.catalog.api import api_bp
from webapp.catalog.item_form import bp as item_form_bp
from webapp.catalog.labels import svg
from webapp.catalog.models import Item
from webapp.catalog.units import parse_money, parse_quantity
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.types import utcnow

bp = Blueprint("catalog", __name__)
bp.register_blueprint(api_bp)
bp.register_blueprint(item_form_bp)  # /items/new


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


@bp.get("/items")
@role_required("manager")
def items():
    query = request.args.get("q", "")[:200]
    category = request.args.get("category", "")[:80]
    page = service.search(current_user.store_id, query, category=category, page=_int_arg("page", 1))
    return render_template(
        "catalog/items.html", page=page, q=query, category=category,
        categories=service.categories(current_user.store_id),
    )


def _render_item(item: Item, *, error: DomainError | None = None, edit=None, new_barcode=None, status=200):
    """The item page; after a refused form, that form shows again with what was typed."""
    # The inventory capability's stock page, linked when that capability is installed.
    stock_url = (url_for("inventory.item", item_id=item.id)
                 if "inventory.item" in current_app.view_functions else None)
    return render_template(
        "catalog/item.html", item=item, error=error, edit=edit, new_barcode=new_barcode or {},
        stock_url=stock_url,
    ), status


@bp.get("/items/<int:item_id>")
@role_required("manager")
def item(item_id: int):
    return _render_item(service.get_item(current_user.store_id, item_id))


def _changes_from_form(item: Item) -> service.ItemChanges:
    form = request.form
    reorder = form.get("reorder_point", "").strip()
    return service.ItemChanges(
        name=form.get("name", ""),
        category=form.get("category", ""),
        cost_cents=parse_money(form.get("cost", ""), "cost", "Cost"),
        price_cents=parse_money(form.get("price", ""), "price", "Price"),
        reorder_point=parse_quantity(reorder, item.measure) if reorder else None,
        clear_reorder_point=not reorder,
        active=form.get("active") == "1",
    )


@bp.post("/items/<int:item_id>")
@role_required("manager")
def update_item(item_id: int):
    item = service.get_item(current_user.store_id, item_id)
    try:
        service.update_item(current_user.store_id, item_id, _changes_from_form(item))
    except DomainError as err:
        # A form mistake re-shows the form with what was typed and the reason, not an error page.
        db.session.rollback()
        return _render_item(item, error=err, edit=request.form, status=err.status)
    flash("Item saved.")
    return redirect(url_for("catalog.item", item_id=item_id))


@bp.post("/items/<int:item_id>/barcodes")
@role_required("manager")
def add_barcode(item_id: int):
    item = service.get_item(current_user.store_id, item_id)
    try:
        barcode = service.add_barcode(
            current_user.store_id, item_id, request.form.get("code", ""), request.form.get("pack_qty", "1")
        )
    except DomainError as err:
        db.session.rollback()
        return _render_item(item, error=err, new_barcode=request.form, status=err.status)
    flash(f"Barcode {barcode.code} added.")
    return redirect(url_for("catalog.item", item_id=item_id))


@bp.post("/items/<int:item_id>/barcodes/<int:barcode_id>/delete")
@role_required("manager")
def remove_barcode(item_id: int, barcode_id: int):
    service.remove_barcode(current_user.store_id, item_id, barcode_id)
    flash("Barcode removed.")
    return redirect(url_for("catalog.item", item_id=item_id))


@bp.get("/items/export.csv")
@role_required("manager")
def export_csv():
    store_id = current_user.store_id
    filename = f"catalog-{utcnow():%Y%m%d}.csv"
    return Response(
        stream_with_context(csvio.export_rows(store_id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/items/import", methods=["GET", "POST"])
@role_required("manager")
def import_csv():
    report, error, status = None, None, 200
    if request.method == "POST":
        try:
            data = csvio.read_upload(request.files.get("file"), csvio.MAX_BYTES)
            # Preview unless Import was pressed: a stray Enter must not change the catalog.
            dry_run = request.form.get("mode") != "apply"
            report = csvio.import_csv(current_user.store_id, data, dry_run=dry_run)
        except DomainError as err:
            db.session.rollback()
            error, status = err, err.status
    return render_template("catalog/import.html", report=report, error=error, columns=csvio.COLUMNS,
                           max_errors=csvio.MAX_ERRORS_SHOWN), status


@bp.get("/labels")
@role_required("staff")
def labels():
    category = request.args.get("category", "")[:80]
    query = (
        select(Item)
        .where(Item.store_id == current_user.store_id, Item.active.is_(True))
        .options(selectinload(Item.barcodes))
        .order_by(Item.category, Item.name)
    )
    if category:
        query = query.where(Item.category == category)
    rows = [
        (item, barcode, svg(barcode.code, label=f"{item.name}: {barcode.code}"))
        for item in db.session.scalars(query)
        for barcode in item.barcodes
    ]
    return render_template("catalog/labels.html", rows=rows, category=category,
                           categories=service.categories(current_user.store_id))
