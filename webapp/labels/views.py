"""The label queue page; print to the Zebra printer or download the ZPL."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth.decorators import role_required
from webapp.extensions import db
from webapp.labels import hooks, printer, service

bp = Blueprint("labels", __name__, url_prefix="/labels")
hooks.install()


@bp.get("/queue")
@role_required("staff")
def queue():
    return render_template(
        "labels/queue.html",
        jobs=service.waiting(current_user.store_id),
        printer=current_app.config.get("ZEBRA_PRINTER", ""),
    )


@bp.post("/queue/print")
@role_required("staff")
def print_queue():
    jobs, data = service.take(current_user.store_id)
    if request.form.get("to") == "printer":
        printer.send(current_app.config.get("ZEBRA_PRINTER", ""), data)  # raises before the commit
        db.session.commit()
        flash(f"{len(jobs)} label(s) sent to the printer.")
        return redirect(url_for("labels.queue"), 303)
    db.session.commit()
    return Response(
        data,
        mimetype="application/zpl",
        headers={"Content-Disposition": 'attachment; filename="labels.zpl"', "Cache-Control": "no-store"},
    )


@bp.post("/items/<int:item_id>")
@role_required("staff")
def add(item_id: int):
    service.queue(current_user.store_id, item_id)
    db.session.commit()
    flash("Label queued.")
    return redirect(url_for("labels.queue"), 303)
