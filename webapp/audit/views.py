"""The trail for managers: read, filter, export, verify. There is no route that changes it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from webapp.audit import chain, service
from webapp.auth.decorators import role_required
from webapp.reports.export import csv_response

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@role_required("manager")
def trail():
    f = service.parse_filter(request.args)
    rows = service.page(current_user.store_id, f)
    return render_template("audit/trail.html", rows=rows, f=f,
                           entities=service.entities(current_user.store_id),
                           changes_of=service.changes_of, more=len(rows) == service.PAGE)


@bp.get("/export.csv")
@role_required("manager")
def export():
    f = service.parse_filter(request.args)
    rows = service.export_rows(current_user.store_id, f)
    return csv_response("audit-trail.csv", service.EXPORT_HEADER, rows)


@bp.get("/verify")
@role_required("manager")
def verify():
    report = chain.verify(current_user.store_id)
    return render_template("audit/verify.html", report=report), 200 if report.ok else 409
