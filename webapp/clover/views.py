"""Clover pages: the webhook receiver and the admin's connection page. Thin: rules are in services."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from webapp.auth.decorators import role_required
from webapp.clover import connection as connections
from webapp.clover import drift, install, open_orders, realtime, tokens, webhooks
from webapp.clover.client import CloverError
from webapp.clover.models import CloverPush, CloverWebhookHint
from webapp.clover.sync import run_quick, run_sync
from webapp.errors import DomainError
from webapp.extensions import csrf, db

bp = Blueprint("clover", __name__, url_prefix="/clover")
bp.record_once(lambda state: realtime.install(state.app, run_quick))


@bp.post("/webhook")
@bp.post("/webhook/<key>")  # a store's own URL: its verification codes reach its admin only
@csrf.exempt  # Clover cannot send our CSRF token; X-Clover-Auth is checked instead
def webhook(key: str | None = None):
    body = request.get_json(silent=True)
    if body is None:
        raise DomainError("bad_webhook", "Expected a JSON body.")
    answer = webhooks.receive(body, request.headers.get("X-Clover-Auth"), key)
    realtime.pull_soon(answer.pop("stores", []))
    return jsonify(answer)


@bp.get("/")
@role_required("admin")
def admin():
    store_id = current_user.store_id
    row = connections.connection_for_store(store_id)
    verification = webhooks.latest_code(store_id)
    pushes, pending = [], 0
    if row is not None:
        pushes = list(db.session.scalars(select(CloverPush).where(CloverPush.store_id == store_id)
                                         .order_by(CloverPush.id.desc()).limit(20)))
        pending = db.session.scalar(select(func.count(CloverWebhookHint.id)).where(
            CloverWebhookHint.merchant_id == row.merchant_id, CloverWebhookHint.processed_at.is_(None)))
    config = current_app.config
    return render_template(
        "clover/admin.html", connection=row, verification=verification, pushes=pushes, pending_hints=pending,
        oauth_ready=bool(config.get("CLOVER_APP_ID") and config.get("CLOVER_OAUTH_URL")),
        base_url=config.get("CLOVER_BASE_URL", ""),
        webhook_code_configured=bool(config.get("CLOVER_WEBHOOK_AUTH_CODE")),
        webhook_url=url_for("clover.webhook", key=webhooks.store_webhook_key(store_id), _external=True),
    )


@bp.post("/token")
@role_required("admin")
def connect_token():
    connections.connect_with_token(current_user.store_id, request.form.get("merchant_id", ""),
                                   request.form.get("token", "").strip())
    flash("Connected to Clover with the merchant's API token.")
    return redirect(url_for("clover.admin"))


@bp.post("/auth-code")
@role_required("admin")
def webhook_code():
    row = connections.connection_for_store(current_user.store_id)
    if row is None:
        flash("Connect to Clover first.")
        return redirect(url_for("clover.admin"))
    connections.save_webhook_auth_code(row, request.form.get("code", ""))
    db.session.commit()
    flash("Webhook auth code saved.")
    return redirect(url_for("clover.admin"))


@bp.get("/connect")
@role_required("admin")
def connect():
    config = current_app.config
    if not (config.get("CLOVER_APP_ID") and config.get("CLOVER_OAUTH_URL") and config.get("CLOVER_BASE_URL")):
        flash("Signing in with Clover needs CLOVER_APP_ID, CLOVER_APP_SECRET, CLOVER_OAUTH_URL and "
              "CLOVER_BASE_URL.")
        return redirect(url_for("clover.admin"))
    state = secrets.token_urlsafe(24)
    session["clover_oauth_state"] = state
    return redirect(tokens.authorize_url(config["CLOVER_OAUTH_URL"], config["CLOVER_APP_ID"],
                                         url_for("clover.oauth_callback", _external=True), state))


@bp.get("/oauth/callback")
@role_required("admin")
def oauth_callback():
    # A GET that writes, because OAuth redirects are GETs; the one-time state ties it to the
    # admin's own click on "Connect", which is what CSRF protection would otherwise ensure.
    expected = session.pop("clover_oauth_state", None)
    if not expected or not secrets.compare_digest(expected, request.args.get("state", "")):
        raise DomainError("oauth_state", "This Clover sign-in did not start here; try Connect again.")
    config = current_app.config
    try:
        pair = tokens.exchange_code(config["CLOVER_BASE_URL"], config["CLOVER_APP_ID"],
                                    config["CLOVER_APP_SECRET"], request.args.get("code", ""))
    except CloverError as exc:
        raise DomainError("oauth_failed", f"Clover refused the sign-in: {exc.message}.") from None
    connections.connect_with_oauth(current_user.store_id, request.args.get("merchant_id", ""), pair)
    flash("Connected to Clover.")
    return redirect(url_for("clover.admin"))


@bp.post("/sync")
@role_required("admin")
def sync_now():
    # Runs in the request: a button for a one-store install or the demo. Cron runs the same
    # cycle every minute; the lease keeps the two from overlapping.
    try:
        report = run_sync(current_user.store_id)
    except (CloverError, DomainError) as exc:
        flash(f"Sync failed: {exc.message}")
        return redirect(url_for("clover.admin"))
    flash("Synced with Clover." if report.ran else "A sync is already running; try again in a minute.")
    return redirect(url_for("clover.admin"))


@bp.get("/changes")
@role_required("manager")
def changes():
    return render_template("clover/changes.html", changes=drift.pending_changes(current_user.store_id))


@bp.post("/changes/<int:change_id>/accept")
@role_required("manager")
def accept_change(change_id: int):
    drift.accept(current_user.store_id, change_id, current_user.id)
    flash("Clover's number was taken as a count.")
    return redirect(url_for("clover.changes"))


@bp.post("/changes/<int:change_id>/overwrite")
@role_required("manager")
def overwrite_change(change_id: int):
    change = drift.overwrite(current_user.store_id, change_id, current_user.id)
    realtime.push_soon(current_user.store_id, {change.item_id})
    flash("Shelfcount's level will be written over Clover's number.")
    return redirect(url_for("clover.changes"))


@bp.get("/open-orders")
@role_required("manager")
def open_orders_page():
    minutes, rows = open_orders.older_than_setting(current_user.store_id)
    return render_template("clover/open_orders.html", minutes=minutes, orders=rows,
                           connected=connections.connection_for_store(current_user.store_id) is not None)


@bp.post("/open-orders/setting")
@role_required("manager")
def open_orders_setting():
    open_orders.set_minutes(current_user.store_id, request.form.get("minutes", ""))
    flash("Saved: open orders older than that are listed here.")
    return redirect(url_for("clover.open_orders_page"))


@bp.get("/launch")
def launch():
    """Clover's App Market / dashboard launch (the app's Site URL); public, binds nothing (install.py)."""
    config = current_app.config
    merchant_id, code = install.check_launch(request.args, config.get("CLOVER_APP_ID", ""))
    if "state" in request.args:  # back from an authorize we started below: it must be ours
        expected = session.pop("clover_launch_state", None)
        if not expected or not secrets.compare_digest(expected, request.args.get("state", "")):
            raise DomainError("oauth_state", "This Clover sign-in did not start here; open Shelfcount from "
                              "Clover again.")
    if not code:
        state = secrets.token_urlsafe(24)
        session["clover_launch_state"] = state
        return redirect(tokens.authorize_url(config["CLOVER_OAUTH_URL"], config["CLOVER_APP_ID"],
                                             url_for("clover.launch", _external=True), state))
    session[install.SESSION_KEY] = install.receive(config, merchant_id, code)
    return redirect(url_for("clover.install_page"))


@bp.get("/install")
@role_required("admin")
def install_page():
    row = install.pending(session.get(install.SESSION_KEY))
    return render_template("clover/install.html", pending=row,
                           taken=row is not None and install.taken_elsewhere(row, current_user.store_id),
                           current=connections.connection_for_store(current_user.store_id))


@bp.post("/install")
@role_required("admin")
def install_confirm():
    row = install.complete(session.get(install.SESSION_KEY), current_user.store_id)
    session.pop(install.SESSION_KEY, None)
    flash(f"Connected to Clover merchant {row.merchant_id}.")
    return redirect(url_for("clover.admin"))
