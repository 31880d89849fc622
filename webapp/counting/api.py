"""JSON for the phone's count screen: the server's totals per line, and, for the submit step,
the items a full count expects that nobody scanned.

Registered on the app by ``webapp.counting.views`` (its own blueprint sits under /counting,
and /api/v1/ is shared with the sync and catalog endpoints; the paths do not overlap).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from webapp.auth.decorators import role_required
from webapp.counting import service
from webapp.counting.totals import line_totals

api_bp = Blueprint("counting_api", __name__, url_prefix="/api/v1")


@api_bp.get("/count-sessions/<session_id>/unscanned")
@role_required("staff")
def unscanned(session_id: str):
    """What the submitter decides on: "really zero" or "not counted", per item or for all.

    A blind session's expected quantities reach managers only, so counters get names alone.
    """
    session = service.get_session(session_id[:36], current_user.store_id)
    show = service.can_see_expected(session, current_user)
    expected = service.expected_items(session) if show else {}
    items = []
    for item in service.unscanned(session):
        row = {"id": item.id, "name": item.name, "category": item.category}
        if show:
            row["expected"] = expected.get(item.id, 0)
        items.append(row)
    response = jsonify({"session_id": session.id, "status": session.status, "full": session.full,
                        "blind": session.blind, "items": items})
    response.headers["Cache-Control"] = "no-store"
    return response


@api_bp.get("/count-sessions/<session_id>/totals")
@role_required("staff")
def totals(session_id: str):
    """Per item: this user's total on the server (``mine``), the part from the asking device
    (``here``, from ``?device=``) and, for a manager, the session's total (``everyone``)."""
    session = service.get_session(session_id[:36], current_user.store_id)
    device = request.args.get("device", "")[:64] or None
    manager = current_user.has_role("manager")
    lines = []
    for t in sorted(line_totals(session.id, current_user.id, device).values(), key=lambda t: t.name):
        if not t.mine and not manager:
            continue            # another counter's item: a counter sees only their own
        row = {"item_id": t.item_id, "name": t.name, "mine": t.mine, "here": t.here}
        if manager:
            row["everyone"] = t.everyone
        lines.append(row)
    response = jsonify({"session_id": session.id, "status": session.status, "lines": lines})
    response.headers["Cache-Control"] = "no-store"
    return response
