"""Counting pages: usable with a keyboard or a keyboard-wedge scanner (code, Enter), no script.

The phone app replaces the scan input with the camera and its outbox, not this flow. The
summary's submit button posts to ``approvals.views.submit`` (same /counting/ path): a submit
approves the lines inside tolerance, a rule of approvals, which builds on counting.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp import display
from webapp.catalog.models import Item, Location
from webapp.catalog.units import parse_quantity
from webapp.counting import figures as line_figures
from webapp.counting import service
from webapp.counting.api import api_bp
from webapp.counting.stock import openings_bp, stock_bp
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.types import utcnow

bp = Blueprint("counting", __name__, url_prefix="/counting")


@bp.record_once
def _register_api(state) -> None:
    state.app.register_blueprint(api_bp)  # /api/v1/..., not under this blueprint's /counting
    state.app.register_blueprint(stock_bp)  # /inventory/items/..., the item's stock page
    state.app.register_blueprint(openings_bp)  # /items/openings, opening balances from a CSV


def _int(name: str, default: int | None = None) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise DomainError("bad_field", f"{name} must be a whole number.", name) from None


@bp.get("/")
@login_required
def index():
    locations = db.session.scalars(select(Location).where(
        Location.store_id == current_user.store_id, Location.active).order_by(Location.name))
    categories = db.session.scalars(select(Item.category).where(
        Item.store_id == current_user.store_id, Item.category != "").distinct().order_by(Item.category))
    return render_template("counting/index.html", sessions=service.open_sessions(current_user.store_id),
                           locations=list(locations), categories=list(categories))


@bp.post("/sessions")
@login_required
def create():
    scheduled = None
    if request.form.get("scheduled_for") and current_user.has_role("manager"):
        try:
            day = date.fromisoformat(request.form["scheduled_for"])
        except ValueError:
            raise DomainError("bad_field", "Give the date as YYYY-MM-DD.", "scheduled_for") from None
        # The day a manager picks is a day on the store's clock: its midnight there, stored in UTC
        # (read as UTC, a New York store's "Dec 8" showed as Dec 7).
        scheduled = datetime.combine(day, time(0), tzinfo=display.zone(current_user.store.timezone))
    session = service.open_session(service.NewSession(
        store_id=current_user.store_id, location_id=_int("location_id"), created_by_id=current_user.id,
        category=request.form.get("category") or None, blind=bool(request.form.get("blind")),
        full=bool(request.form.get("full")), scheduled_for=scheduled))
    return redirect(url_for("counting.screen", session_id=session.id), 303)


@bp.get("/<session_id>")
@login_required
def screen(session_id: str):
    session = service.get_session(session_id, current_user.store_id)
    if session.status != "open":
        return redirect(url_for("counting.summary", session_id=session.id))
    return render_template("counting/screen.html", session=session, rows=_rows(session),
                           show_expected=service.can_see_expected(session, current_user))


def _rows(session):
    tallies = service.tally(session.id)
    items = {i.id: i for i in db.session.scalars(select(Item).where(Item.id.in_(tallies)))} if tallies else {}
    expected = service.expected_items(session) if service.can_see_expected(session, current_user) else {}
    return [(items[t.item_id], t, expected.get(t.item_id, 0))
            for t in sorted(tallies.values(), key=lambda t: items[t.item_id].name)]


@bp.post("/<session_id>/scan")
@login_required
def scan(session_id: str):
    mode = "set" if request.form.get("mode") == "set" else "add"
    code, quantity = request.form.get("code", "").strip() or None, None
    fixed = db.session.get(Item, _int("item_id")) if mode == "set" and _int("item_id") else None
    if fixed is not None and fixed.store_id == current_user.store_id:
        # A total is typed as people read it: "2.5" lb of a weighed item, not 2500 thousandths.
        quantity = parse_quantity(request.form.get("quantity", ""), fixed.measure, "quantity", "Your total")
    else:
        quantity = _int("quantity", 1)
    try:
        row = service.record_scan(service.Scan(
            session_id=session_id, user_id=current_user.id, occurred_at=utcnow(), quantity=quantity,
            code=code, item_id=_int("item_id"), mode=mode), current_user.store_id)
    except DomainError as err:
        # Kept for a manager by the unknown codes capability (above this one), when installed.
        keep_unknown = current_app.extensions.get("unknown.keep_count_scan")
        if err.code != "unknown_code" or mode != "add" or code is None or keep_unknown is None:
            raise
        db.session.rollback()
        return keep_unknown(session_id, code, quantity)
    item = db.session.get(Item, row.item_id)
    shown = display.qty_filter(row.quantity, item.measure)
    flash(f"{item.name}: your total typed on these pages is now {shown}" if mode == "set"
          else f"+{shown} {item.name}")
    return redirect(url_for("counting.screen", session_id=session_id), 303)


@bp.get("/<session_id>/summary")
@login_required
def summary(session_id: str):
    session = service.get_session(session_id, current_user.store_id)
    show = service.can_see_expected(session, current_user)
    if session.status == "open":
        return render_template("counting/summary.html", session=session, rows=_rows(session),
                               unscanned=service.unscanned(session), show_expected=show)
    figures = {line.id: line_figures.figures(line) for line in session.lines} if show else {}
    return render_template("counting/result.html", session=session, lines=session.lines, show_expected=show,
                           figures=figures)
