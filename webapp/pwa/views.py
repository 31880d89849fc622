"""The installable app shell: home screen, manifest, service worker, offline page, lookup."""

from flask import Blueprint, current_app, get_flashed_messages, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from webapp.auth.decorators import role_required
from webapp.catalog.models import Location
from webapp.counting import service as counting
from webapp.extensions import db
from webapp.pwa import shell
from webapp.types import utcnow

bp = Blueprint("pwa", __name__)


@bp.app_context_processor
def _page_flashes():
    def page_flashes() -> list[str]:
        """The flashed messages, unless this page is fetched in the background.

        The service worker keeps screens for offline use by fetching them with the user's
        cookie; such a fetch (Sec-Fetch-Mode other than "navigate") landing between a form's
        POST and the page it redirects to would take the "1 scan added" meant for the user.
        """
        mode = request.headers.get("Sec-Fetch-Mode")
        return get_flashed_messages() if mode in (None, "navigate") else []

    return {"page_flashes": page_flashes}

# Home-screen tiles: (label, endpoint, least role). A tile shows once its capability exists.
TILES: tuple[tuple[str, str, str], ...] = (
    ("Count", "pwa.count", "staff"),        # the camera screen; it links to the keyboard one
    ("Receive", "receiving.index", "receiver"),
    ("Flag damage", "damage.new", "staff"),
    ("Move stock", "transfers.new", "receiver"),
    ("Look up", "pwa.lookup", "staff"),
    ("Approvals", "approvals.queue", "manager"),
    ("Damage to approve", "damage.queue", "manager"),
    ("Order stock", "purchasing.index", "manager"),
    ("Items", "catalog.items", "manager"),
    ("Unknown codes", "unknown.codes", "manager"),
    ("Dashboard", "reports.dashboard", "manager"),
    ("Count schedule", "schedule.index", "manager"),
    ("Sales channels", "channels.index", "manager"),
    ("Audit trail", "audit.trail", "manager"),
    ("Labels", "catalog.labels", "staff"),
    ("Labels to print", "labels.queue", "staff"),
    ("Clover", "clover.admin", "admin"),
)

# Screens a phone needs when the back room has no signal; the page asks the service worker to
# keep a copy of those the user may open (they need a login, so they cannot be precached at
# install time, when the visitor may still be on the login page).
OFFLINE_ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("pwa.home", "staff"),
    ("pwa.lookup", "staff"),
    ("pwa.outbox", "staff"),
    ("pwa.count", "staff"),
    ("damage.new", "staff"),          # store data only (reasons, locations); the catalog is local
    # The dock's list of POs (as of the last visit online) and the screen without a PO; a PO's
    # own screen is kept once it has been opened online (receiving.js refuses any other).
    ("receiving.index", "receiver"),
    ("receiving.session", "receiver"),
    ("transfers.new", "receiver"),    # store data only (locations); moves go through the outbox
)


def _offline_pages() -> list[str]:
    return [
        url_for(endpoint)
        for endpoint, role in OFFLINE_ENDPOINTS
        if endpoint in current_app.view_functions and current_user.has_role(role)
    ]


@bp.app_context_processor
def _shell_context():
    # Every page built on base.html may carry the phone shell; this tells its script which pages
    # to keep for offline use without the script guessing at routes.
    if current_user.is_authenticated:
        return {"offline_pages": " ".join(_offline_pages())}
    return {"offline_pages": ""}


@bp.get("/")
@login_required
def home():
    tiles = [
        (label, url_for(endpoint))
        for label, endpoint, role in TILES
        if endpoint in current_app.view_functions and current_user.has_role(role)
    ]
    return render_template("pwa/home.html", tiles=tiles)


@bp.get("/lookup")
@role_required("staff")
def lookup():
    return render_template("pwa/lookup.html")


@bp.get("/count")
@role_required("staff")
def count():
    """Counting with the camera: the page is a shell; sessions start and scans land via the outbox."""
    locations = db.session.scalars(select(Location).where(
        Location.store_id == current_user.store_id, Location.active).order_by(Location.name))
    data = {
        "locations": [{"id": loc.id, "name": loc.name} for loc in locations],
        "sessions": [
            {"id": s.id, "location_id": s.location_id, "scope": s.scope,
             # A full count or a recount asks about the items nobody scanned before its submit.
             "full": s.full or s.item_id is not None,
             "detail": ("recount · " if s.item_id else "") + ("blind" if s.blind else "open")
             + (" · full zone" if s.full else "") + f" · started by {s.created_by.username}"}
            for s in counting.open_sessions(current_user.store_id)
        ],
    }
    return render_template("pwa/count.html", data=data)


@bp.get("/outbox")
@login_required
def outbox():
    return render_template("pwa/outbox.html")


@bp.get("/offline")
def offline():
    return render_template("pwa/offline.html")


@bp.get("/manifest.webmanifest")
def manifest():
    response = jsonify(shell.manifest())
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    # Served from the root so its scope is the whole app; no-cache so a deploy reaches phones
    # at their next visit rather than after the HTTP cache expires.
    response = current_app.response_class(shell.service_worker_source(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/pwa/session")
@login_required
def session_info():
    """Who is logged in on this device, a fresh CSRF token and the server's clock.

    The outbox asks before each flush: a page served from the offline cache may carry a stale
    token or belong to a user who has since logged out, and records are only sent by their owner.
    """
    response = jsonify(
        {
            "user_id": current_user.id,
            "username": current_user.username,
            "store_id": current_user.store_id,
            "role": current_user.role,
            "csrf_token": generate_csrf(),
            "server_time": utcnow().isoformat().replace("+00:00", "Z"),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
