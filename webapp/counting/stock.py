"""The item's stock page, and the upload of opening balances.

The stock page (level per location, the store's total, pending counts and the ledger) keeps
the inventory's URL and endpoint (``inventory.item``), but it shows counts waiting for a
manager, so it lives here, above the ledger. Opening balances (``/items/openings``) are
resets like a count, written through the ledger, so they live here too rather than in catalog,
which sits below the ledger. ``counting.views`` registers both blueprints.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from webapp.auth.decorators import get_in_store, role_required
from webapp.catalog import csvio
from webapp.catalog.models import Item, Location
from webapp.counting import openings
from webapp.counting.models import CountLine
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory import ledger, live

stock_bp = Blueprint("inventory", __name__, url_prefix="/inventory")
openings_bp = Blueprint("openings", __name__)


@stock_bp.get("/items/<int:item_id>")
@role_required("manager")  # levels would give away the expected quantity of a blind count
def item(item_id: int):
    found = get_in_store(Item, item_id, what="item")
    waiting = db.session.scalar(select(func.max(CountLine.id)).where(CountLine.item_id == found.id,
                                                                     CountLine.status == "pending"))
    version = live.etag("item", found.id, live.store_facts(found.store_id), waiting)
    return live.conditional(version, lambda tag: _item_page(found, tag))


def _item_page(found: Item, live_etag: str) -> str:
    levels = ledger.levels_for_item(found.id)
    locations = db.session.scalars(select(Location).where(Location.store_id == found.store_id)
                                   .order_by(Location.name)).all()
    pending = db.session.scalars(select(CountLine).where(
        CountLine.item_id == found.id, CountLine.status == "pending").order_by(CountLine.counted_at)).all()
    return render_template(
        "inventory/item.html", item=found, pending=pending, history=ledger.history(found.id, limit=100),
        rows=[(loc, levels.get(loc.id, 0)) for loc in locations if loc.id in levels or loc.active],
        total=sum(levels.values()), names={loc.id: loc.name for loc in locations}, live_etag=live_etag)


@openings_bp.route("/items/openings", methods=["GET", "POST"])
@role_required("manager")
def import_openings():
    report, error, status = None, None, 200
    if request.method == "POST":
        try:
            data = csvio.read_upload(request.files.get("file"), openings.MAX_BYTES)
            raw = request.form.get("as_of", "").strip()
            as_of = openings.parse_time(raw) if raw else None
            report = openings.import_openings(current_user.store_id, current_user.id, data, as_of=as_of)
        except DomainError as err:
            db.session.rollback()
            error, status = err, err.status
    return render_template("catalog/openings.html", report=report, error=error,
                           columns=openings.COLUMNS), status
