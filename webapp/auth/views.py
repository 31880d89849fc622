from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import service
from webapp.auth.models import User
from webapp.errors import error_response, wants_json
from webapp.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return error_response(401, "login_required", "Please log in first.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.before_app_request
def _slide_session() -> None:
    """Keep a used session alive: once a day its cookie is sent again with a new expiry.

    Not on every response (SESSION_REFRESH_EACH_REQUEST is off): the service worker refreshes
    pages in the background, and a response to a request made just before a logout would
    carry the logged-in cookie back and undo the logout."""
    if session.permanent and "_user_id" in session:
        today = date.today().isoformat()
        if session.get("slid_on") != today:
            session["slid_on"] = today


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the login form cannot be used as an open redirect."""
    if not target:
        return url_for("pwa.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pwa.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    error = None
    if request.method == "POST":
        user = service.authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is not None:
            session.clear()
            login_user(user, remember=bool(request.form.get("remember")))
            session.permanent = True
            return redirect(_safe_next(request.form.get("next")))
        error = "That username and password do not match an active account."
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, next=request.values.get("next", "")), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"))
