"""Domain errors and the one place that maps errors to HTTP.

Services raise ``DomainError`` (or a subclass) carrying a machine code, the field at
fault and a message a person can act on. Views never build error responses by hand.
The shape depends on what the client wants: JSON ``{"error": {"code", "message",
"field"}}`` for the API and ``fetch``, an HTML page for a browser.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class TooLarge(DomainError):
    status = 413


# Machine-to-machine endpoints outside /api/ whose callers read JSON, never an HTML page.
JSON_ENDPOINT_PATHS = frozenset({"/clover/webhook"})


def wants_json() -> bool:
    # A store's own webhook URL (/clover/webhook/<key>) answers as the plain one does: in JSON.
    if (request.path.startswith(("/api/", "/clover/webhook/")) or request.path in JSON_ENDPOINT_PATHS
            or request.is_json):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def error_response(status: int, code: str, message: str, field: str | None = None):
    if wants_json():
        return jsonify({"error": {"code": code, "message": message, "field": field}}), status
    return render_template("errors/error.html", status=status, code=code, message=message), status


_HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("login_required", "Please log in first."),
    403: ("forbidden", "Your role does not allow this."),
    404: ("not_found", "Nothing is here."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("too_large", "The upload is too large."),
    415: ("unsupported_media_type", "Send the data in a supported format."),
    429: ("too_many_requests", "Too many attempts; wait a minute and try again."),
}


def refuse_nameless_form_fields() -> None:
    """A before-request hook, registered ahead of CSRF protection: a multipart part with no
    name (a malformed or hostile client) is a 400. Flask-WTF's CSRF check reads every form
    key as text and failed on such a part with a 500 (found by tests/fuzz)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.mimetype not in (
            "multipart/form-data", "application/x-www-form-urlencoded"):
        return
    if None in request.form or None in request.files:
        raise DomainError("bad_form", "A form field has no name; send each field as name=value.")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        db.session.rollback()
        return error_response(err.status, err.code, err.message, err.field)

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        if request.endpoint == "auth.login" and request.method == "POST":
            # The login form's token went stale (a long-open page, or another tab's request
            # renewed the session): the same form again, with a fresh token and the name kept,
            # so logging in is one more tap, not a dead end.
            return render_template(
                "auth/login.html", next=request.form.get("next", ""),
                username=request.form.get("username", ""),
                error="The login form had expired. Enter your password again and log in.",
            ), 400
        return error_response(
            400, "csrf_failed", "The form expired or was sent from elsewhere; reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code, message = _HTTP_CODES.get(err.code or 500, ("http_error", err.description or "Error."))
        if err.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            if limit:
                message = f"The upload is too large; the limit is {limit // (1024 * 1024)} MB."
        if isinstance(err, RateLimitExceeded) and err.limit.error_message:
            message = err.description  # the route's own words for what to do
        return error_response(err.code or 500, code, message)

    @app.errorhandler(DataError)
    def _bad_value(err: DataError):
        # PostgreSQL refuses what SQLite stores (a NUL byte in text, an integer beyond the
        # column): that is bad input, answered as such rather than as our failure.
        db.session.rollback()
        return error_response(
            400, "invalid_value", "A value is out of range, or holds a NUL byte that cannot be stored."
        )

    @app.errorhandler(OperationalError)
    def _database_down(err: OperationalError):
        # A restarted or unreachable database is a temporary condition, not our bug: the
        # phone keeps its outbox and retries on a 503.
        db.session.rollback()
        log.warning("database unavailable: %s", err.orig)
        return error_response(503, "database_unavailable", "The database is unavailable; try again shortly.")

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error", "Something went wrong on our side; it has been logged.")
