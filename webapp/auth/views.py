from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import service
from webapp.auth.models import User
from webapp.errors import error_response, wants_json
from webapp.extensions import limiter, login_manager

bp = Blueprint("auth", __name__)


def _split_id(value: str | None) -> tuple[int, str] | None:
    """"user_id:session_id" as get_id() writes it, else None (a plain id is a cookie from
    before sessions were kept on the server: it no longer logs in)."""
    user_id, sep, session_id = (value or "").partition(":")
    if not sep or not session_id or not user_id.isdigit():
        return None
    return int(user_id), session_id


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    parts = _split_id(user_id)
    if parts is None:
        return None
    return service.load_session_user(*parts)


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return error_response(401, "login_required", "Please log in first.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.before_app_request
def _slide_session() -> None:
    """Keep a used session alive: once a day its cookie is sent again with a new expiry, and
    its server-side row moves with it. Not on every response (SESSION_REFRESH_EACH_REQUEST is
    off): that is one write a day per device instead of one per request, and a page answered
    after a logout puts no cookie back."""
    if session.permanent and "_user_id" in session:
        today = date.today().isoformat()
        if session.get("slid_on") != today:
            parts = _split_id(session["_user_id"])
            if parts is None:
                return
            session["slid_on"] = today
            # A remembered login is never shortened (see touch_session).
            service.touch_session(parts[1], service.session_lifetime(remember=False))


def _is_safe_next(target: str | None) -> bool:
    r"""Only same-site relative paths, so the login form cannot be used as an open redirect.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    "/\n/evil.example" and "/\evil.example" both mean "//evil.example"; a CR or LF would also
    split the Location header. None of them belongs in a path we link to."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)


def _safe_next(target: str | None) -> str:
    return target if _is_safe_next(target) else url_for("pwa.home")


@bp.route("/login", methods=["GET", "POST"])
# Failed attempts only (a 401): a shared store tablet whose staff log in all day is not
# locked out by its own successes. Past the limit even the right password waits.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               deduct_when=lambda response: response.status_code == 401)
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    error = None
    if request.method == "POST":
        user = service.authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is not None:
            # A new session (no fixation), keeping only what a flow begun before the login
            # handed over on purpose: keys named "carry_" (e.g. a Clover App Market install).
            carried_over = {k: v for k, v in session.items() if k.startswith("carry_")}
            session.clear()
            session.update(carried_over)
            remember = bool(request.form.get("remember"))
            service.start_session(user, remember=remember, user_agent=request.user_agent.string)
            login_user(user, remember=remember, duration=service.session_lifetime(True))
            session.permanent = True
            return redirect(_safe_next(request.form.get("next")))
        error = "That username and password do not match an active account."
    status = 401 if error else 200
    carried = request.values.get("next", "")
    return render_template("auth/login.html", error=error,
                           next=carried if _is_safe_next(carried) else ""), status


@bp.post("/logout")
@login_required
def logout():
    if current_user.login_session_id:
        service.end_session(current_user.login_session_id)  # every copy of its cookies is refused now
    session.clear()
    logout_user()  # after the clear: it leaves the mark by which Flask-Login deletes the remember cookie
    flash("You are logged out.")
    return redirect(url_for("auth.login"))
