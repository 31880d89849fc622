from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("pwa", __name__)

# Home-screen tiles: (label, endpoint, least role). A tile shows once its capability exists.
TILES: tuple[tuple[str, str, str], ...] = (
    ("Count", "counting.index", "staff"),
    ("Receive", "receiving.index", "receiver"),
    ("Flag damage", "damage.new", "staff"),
    ("Approvals", "approvals.queue", "manager"),
    ("Items", "catalog.items", "manager"),
    ("Dashboard", "reports.dashboard", "manager"),
    ("Labels", "catalog.labels", "staff"),
)


@bp.get("/")
@login_required
def home():
    tiles = [
        (label, url_for(endpoint))
        for label, endpoint, role in TILES
        if endpoint in current_app.view_functions and current_user.has_role(role)
    ]
    return render_template("pwa/home.html", tiles=tiles)
