"""The item's stock page: level per location, the store's total, pending counts and the ledger.

Its URL and endpoint (``inventory.item``) are the inventory's, but it shows counts waiting
for a manager, so it lives here, above the ledger; ``counting.views`` registers it.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from webapp.auth.decorators import get_in_store, role_required
from webapp.catalog.models import Item, Location
from webapp.counting.models import CountLine
from webapp.extensions import db
from webapp.inventory import ledger

stock_bp = Blueprint("inventory", __name__, url_prefix="/inventory")


@stock_bp.get("/items/<int:item_id>")
@role_required("manager")  # levels would give away the expected quantity of a blind count
def item(item_id: int):
    found = get_in_store(Item, item_id, what="item")
    levels = ledger.levels_for_item(found.id)
    locations = db.session.scalars(select(Location).where(Location.store_id == found.store_id)
                                   .order_by(Location.name)).all()
    pending = db.session.scalars(select(CountLine).where(
        CountLine.item_id == found.id, CountLine.status == "pending").order_by(CountLine.counted_at)).all()
    return render_template(
        "inventory/item.html", item=found, pending=pending, history=ledger.history(found.id, limit=100),
        rows=[(loc, levels.get(loc.id, 0)) for loc in locations if loc.id in levels or loc.active],
        total=sum(levels.values()), names={loc.id: loc.name for loc in locations})
