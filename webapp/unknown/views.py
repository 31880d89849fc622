"""The unknown codes page (a manager links, creates or dismisses each code), the nav badge,
and what the keyboard count screen shows and keeps of codes no item has."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from webapp.auth.decorators import role_required
from webapp.catalog import service as catalog
from webapp.catalog.units import parse_money
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory.ledger import Ledger
from webapp.types import utcnow
from webapp.unknown import service

bp = Blueprint("unknown", __name__)

# The keyboard count screen (counting, below this package) finds the keeper here when a typed
# code is no item's; without this capability that scan is refused as unknown_code.
COUNT_SCAN_KEEPER = "unknown.keep_count_scan"


@bp.record_once
def _offer_keeper(state) -> None:
    state.app.extensions[COUNT_SCAN_KEEPER] = keep_count_scan


def keep_count_scan(session_id: str, code: str, quantity: int) -> Response:
    """A code no item has is kept for a manager, as the phone's unknown_barcode event is."""
    led = Ledger(actor_user_id=current_user.id, source="web")
    kept = service.keep(service.Sighting(
        event_id=f"web:{uuid.uuid4()}", store_id=current_user.store_id, user_id=current_user.id, code=code,
        occurred_at=utcnow(), quantity=quantity, session_id=session_id, context="count"), led)
    led.settle()
    db.session.commit()
    if kept.status == "applied":  # known by another spelling (UPC-E, a SKU): counted after all
        flash(f"+{quantity} {kept.item.name}")
    else:
        flash(f"Unknown code {kept.raw_code}: kept for a manager, who can add it to this count. "
              "Set the item aside.")
    return redirect(url_for("counting.screen", session_id=session_id), 303)


@bp.app_context_processor
def _unknown_codes_badge():
    # Callables, so only pages that show them (managers' nav, a count's tally) pay for the query.
    def pending() -> int:
        if not current_user.is_authenticated or not current_user.has_role("manager"):
            return 0
        try:
            return service.pending_count(current_user.store_id)
        except SQLAlchemyError:  # the 503 page while the database is down still renders
            db.session.rollback()
            return 0
    return {"unknown_codes_pending": pending, "unknown_codes_in_count": service.pending_in_session,
            "unknown_codes_of_count": service.in_session}


@bp.get("/unknown-codes")
@role_required("manager")
def codes():
    store_id = current_user.store_id
    code = request.args.get("code", "")[:catalog.MAX_CODE_LENGTH]
    query = request.args.get("q", "")[:200]
    groups = service.pending(store_id)
    chosen = next((g for g in groups if code and g.code == _key_or_none(code)), None)
    results = catalog.search(store_id, query, per_page=10) if chosen is not None and query else None
    return render_template(
        "unknown/codes.html", groups=groups, chosen=chosen, q=query, results=results,
        too_late=service.too_late(store_id), handled=service.recently_handled(store_id))


def _key_or_none(code: str) -> str | None:
    try:
        return service.code_key(code)[0]
    except DomainError:
        return None


def _after(outcome: service.Outcome) -> Response:
    parts = []
    if outcome.applied:
        parts.append(f"{outcome.applied} scan{'s' if outcome.applied != 1 else ''} added to their counts")
    if outcome.too_late:
        parts.append(f"{outcome.too_late} too late to count (their count was already decided)")
    if outcome.resolved:
        parts.append(f"{outcome.resolved} outside a count (nothing to add)")
    if outcome.rescan:
        parts.append(f"{outcome.rescan} made while receiving, flagging damage or moving stock "
                     "changed no stock: have the item scanned again on that screen")
    if outcome.item is not None:
        flash(f"Code {outcome.code} is now a barcode of {outcome.item.name}"
              + (f": {'; '.join(parts)}." if parts else "."))
    else:
        flash(f"Code {outcome.code} dismissed.")
    return redirect(url_for("unknown.codes"), 303)


@bp.post("/unknown-codes/link")
@role_required("manager")
def link():
    try:
        item_id = int(request.form.get("item_id", ""))
    except ValueError:
        raise DomainError("bad_field", "Choose the item this code belongs to.", "item_id") from None
    return _after(service.link(current_user.store_id, request.form.get("code", ""), item_id, current_user))


@bp.post("/unknown-codes/create")
@role_required("manager")
def create():
    price = request.form.get("price", "").strip()
    changes = catalog.ItemChanges(
        name=request.form.get("name", ""), category=request.form.get("category", ""),
        price_cents=parse_money(price, "price", "Price") if price else None)
    code = request.form.get("code", "")
    return _after(service.create_item(current_user.store_id, code, changes, current_user))


@bp.post("/unknown-codes/dismiss")
@role_required("manager")
def dismiss():
    return _after(service.dismiss(current_user.store_id, request.form.get("code", ""), current_user))
