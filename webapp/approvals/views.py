"""The manager's approval queue (mobile-first): thin views over ``approvals.service``.

Also the submit of a count from the counting pages (``submit_bp``, under /counting/ beside
counting's own pages): submitting triages the lines, which counting cannot reach up to.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.approvals import service
from webapp.auth.decorators import get_in_store, role_required
from webapp.counting import evidence, jumps
from webapp.counting import figures as line_figures
from webapp.counting import service as counting
from webapp.counting.models import CountLine
from webapp.errors import DomainError
from webapp.inventory import ledger
from webapp.types import utcnow

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
submit_bp = Blueprint("count_submit", __name__, url_prefix="/counting")


@bp.record_once
def _register_submit(state) -> None:
    state.app.register_blueprint(submit_bp)  # /counting/..., not under this blueprint's /approvals


@submit_bp.post("/<session_id>/submit")
@login_required
def submit(session_id: str):
    decisions = {}
    for key, value in request.form.items():
        if key.startswith("decision-") and key[9:].isdigit():
            decisions[int(key[9:])] = value
    service.submit_count(session_id, current_user, utcnow(), decisions,
                         request.form.get("unscanned", counting.NOT_COUNTED))
    flash("Count submitted.")
    return redirect(url_for("counting.summary", session_id=session_id), 303)


@bp.get("/")
@role_required("manager")
def queue():
    try:
        number = int(request.args.get("page", 1))
    except ValueError:
        number = 1
    page = service.queue(current_user.store_id, number)
    return render_template("approvals/queue.html", page=page, lines=page.lines,
                           jump_percent=jumps.jump_percent(current_user.store_id),
                           behind=evidence.phones_behind_pending(current_user.store_id))


@bp.post("/count-check")
@role_required("manager")
def count_check():
    raw = request.form.get("jump_percent", "").strip().rstrip("%").strip()
    if not re.fullmatch(r"[0-9]{1,6}", raw):
        raise DomainError("bad_field", "Give a whole percentage, e.g. 50; 0 turns the check off.",
                          "jump_percent")
    percent = jumps.set_jump_percent(current_user, int(raw))
    flash(f"A count more than {percent} % away from the previous one now waits for you." if percent
          else "Counts are no longer compared with the previous count.")
    return redirect(url_for("approvals.queue"), 303)


@bp.get("/<int:line_id>")
@role_required("manager")
def line(line_id: int):
    found = get_in_store(CountLine, line_id, what="count line")
    return render_template("approvals/line.html", line=found, now=line_figures.figures(found),
                           history=ledger.history(found.item_id, found.location_id, limit=15),
                           decisions=service.decisions_for(found.id), evidence=evidence.for_line(found),
                           jump_percent=jumps.jump_percent(found.store_id))


@bp.post("/<int:line_id>/decide")
@role_required("manager")
def decide(line_id: int):
    action = request.form.get("action", "")
    service.decide(service.Verdict(line_id, action, request.form.get("note", "").strip()), current_user)
    flash({"approve": "Approved.", "reject": "Rejected.", "recount": "Sent back for a recount."}[action])
    return redirect(url_for("approvals.queue"), 303)


@bp.post("/bulk")
@role_required("manager")
def bulk():
    raw = request.form.get("max_value", "").strip().replace("$", "")
    try:
        cents = int((Decimal(raw) * 100).to_integral_value())
    except InvalidOperation:
        raise DomainError("bad_field", "Give the bound in dollars, e.g. 5 or 2.50.", "max_value") from None
    approved = service.bulk_approve(current_user, cents, request.form.get("note", "").strip())
    flash(f"Approved {approved} count{'s' if approved != 1 else ''}.")
    return redirect(url_for("approvals.queue"), 303)
