"""Managers plan recurring counts; counters start their tasks from the home screen."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from webapp.auth.decorators import role_required
from webapp.auth.models import User
from webapp.catalog.models import Location
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.schedule import imports, service, sheets
from webapp.schedule.models import KINDS
from webapp.types import utcnow

MAX_UPLOAD = imports.MAX_BYTES

bp = Blueprint("schedule", __name__, url_prefix="/schedule")


def _int(name: str, required: bool = True) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        if required:
            raise DomainError("missing", f"{name.replace('_', ' ')} is required.", name)
        return None
    try:
        return int(raw)
    except ValueError:
        raise DomainError("bad_number", f"{name.replace('_', ' ')} must be a whole number.", name) from None


@bp.app_context_processor
def _count_tasks():
    # Callables, so only the pages that show them (home, dashboard, coverage) pay for the query.
    def mine():
        if not current_user.is_authenticated:
            return []
        try:
            return service.tasks_for(current_user)
        except SQLAlchemyError:  # the 503 page while the database is down still renders
            db.session.rollback()
            return []

    def late():
        if not current_user.is_authenticated or not current_user.has_role("manager"):
            return []
        try:
            return service.overdue(current_user.store_id)
        except SQLAlchemyError:
            db.session.rollback()
            return []

    return {"count_tasks_for_me": mine, "count_tasks_overdue": late}


@bp.get("/")
@role_required("manager")
def index():
    sid = current_user.store_id
    locations = db.session.scalars(
        select(Location).where(Location.store_id == sid, Location.active).order_by(Location.name)
    ).all()
    people = db.session.scalars(
        select(User).where(User.store_id == sid, User.active).order_by(User.username)
    ).all()
    return render_template(
        "schedule/index.html",
        settings=service.settings_of(sid),
        plans=service.plans(sid),
        tasks=service.open_tasks(sid),
        state=service.state,
        kinds=KINDS,
        locations=locations,
        people=people,
        interval=service.interval,
    )


@bp.post("/settings")
@role_required("manager")
def settings():
    service.set_intervals(current_user.store_id, _int("a_days"), _int("b_days"), _int("c_days"))
    db.session.commit()
    flash("Count intervals saved.")
    return redirect(url_for("schedule.index"), 303)


@bp.post("/plans")
@role_required("manager")
def create_plan():
    form = service.PlanForm(
        request.form.get("kind", ""),
        _int("location_id"),
        request.form.get("category"),
        request.form.get("abc_class"),
        _int("interval_days", False),
        _int("assignee_id", False),
    )
    plan = service.create_plan(current_user.store_id, form)
    db.session.commit()
    flash(f"Counts of {plan.scope} scheduled; the first is due now.")
    return redirect(url_for("schedule.index"), 303)


@bp.post("/plans/<int:plan_id>/stop")
@role_required("manager")
def stop_plan(plan_id: int):
    plan = service.stop_plan(current_user.store_id, plan_id)
    db.session.commit()
    flash(f"Counts of {plan.scope} are no longer scheduled.")
    return redirect(url_for("schedule.index"), 303)


@bp.get("/sheet.pdf")
@role_required("staff")
def sheet():
    """A printable count sheet of one zone; blind unless a manager asks for blind=0."""
    raw = (request.args.get("location_id") or "").strip()
    if not raw.isdigit():
        raise DomainError("missing", "Choose the location to print a count sheet of.", "location_id")
    blind = request.args.get("blind", "1") != "0"
    pdf = sheets.count_sheet(current_user, int(raw), blind=blind,
                             category=(request.args.get("category") or "").strip() or None, now=utcnow())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="count-sheet-{raw}.pdf"', "Cache-Control": "no-store"})


@bp.post("/import")
@role_required("manager")
def import_counts():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise DomainError("missing_file", "Choose the CSV file to import.", "file")
    lines = imports.import_counts(current_user, _int("location_id"), upload.read(MAX_UPLOAD + 1))
    db.session.commit()
    waiting = sum(1 for ln in lines if ln.status == "pending")
    flash(f"{len(lines)} item(s) counted from the file: {len(lines) - waiting} approved within tolerance, "
          f"{waiting} waiting for approval.")
    return redirect(url_for("approvals.queue"), 303)


@bp.post("/tasks/<int:task_id>/start")
@role_required("staff")
def start(task_id: int):
    session = service.start(task_id, current_user)
    db.session.commit()
    return redirect(url_for("counting.screen", session_id=session.id), 303)
