"""Browser tests: headless Debian Chromium driven by pytest-playwright against a live server.

The server runs in a thread on its own migrated SQLite database (never the `app` fixture's,
which other tests truncate), seeded once per session with a store, users and items. Chromium's
fake camera plays a Y4M clip of an EAN-13 that the seed knows. Every test's browser context
is guarded: a request to anything but the live server fails the test (no CDN may sneak in).
See /work/shared/reference/browser-testing.md for why each flag is here.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser import fakecam

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
VENDOR = ROOT / "static" / "vendor"
FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse"

# The seed: what the phone's catalog will hold. The camera shows CAMERA_CODE.
CAMERA_FIRST12 = "400638133393"
ITEMS = {
    "Oat Milk 1L": [("4006381333931", 1), ("14006381333938", 12)],
    "Rye Crackers": [("036000291452", 1)],
    "Sea Salt Chips": [("5901234123457", 1)],
    "Green Tea 20ct": [("96385074", 1)],
}


def _missing_dependency() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    needed = ("ponyfill.js", "zxing-exported.js", "zxing_reader.wasm")
    missing = [f for f in needed if not (VENDOR / f).is_file()]
    if missing:
        return f"static/vendor lacks {', '.join(missing)} (run ./scripts/vendor.sh, which needs npm)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_dependency()
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory):
    img, code = fakecam.ean13(CAMERA_FIRST12)
    path = tmp_path_factory.mktemp("camera") / "ean13.y4m"
    fakecam.write_y4m(path, [fakecam.frame(img)] * 3)
    return {"path": str(path), "code": code}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, fake_camera):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-video-capture={fake_camera['path']}"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A phone: one thumb, 360 px wide.
    return {**browser_context_args, "viewport": {"width": 360, "height": 640}}


def _seed(app) -> dict:
    from webapp.auth.service import NewUser, create_user
    from webapp.catalog.models import Barcode, Item, Location, Store
    from webapp.extensions import db

    with app.app_context():
        # Counts inside these tolerances approve themselves, so a submitted count moves the levels.
        store = Store(name="Corner Market", tolerance_units=1_000_000, tolerance_cents=1_000_000_000)
        db.session.add(store)
        db.session.flush()
        floor = Location(store_id=store.id, name="Sales floor", kind="floor", is_selling=True)
        back = Location(store_id=store.id, name="Back room", kind="backroom")
        db.session.add_all([floor, back])
        items = {}
        for name, codes in ITEMS.items():
            item = Item(store_id=store.id, name=name, cost_cents=150, price_cents=399)
            for code, pack in codes:
                gtin14 = code.zfill(14) if len(code) in (8, 12, 13, 14) else None
                item.barcodes.append(Barcode(store_id=store.id, code=code, gtin14=gtin14, pack_qty=pack))
            db.session.add(item)
            items[name] = item
        db.session.commit()
        for username, role in (("sam", "staff"), ("ria", "staff"), ("mia", "manager")):
            create_user(NewUser(username, PASSWORD, role, store.id))
        return {"store_id": store.id, "floor_id": floor.id, "back_id": back.id,
                "items": {name: item.id for name, item in items.items()}}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'shelfcount.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    seed = _seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # localhost, not 127.0.0.1: Chromium treats it as a secure context (camera, service worker).
    yield {"url": f"http://localhost:{server.server_port}", "app": app, **seed}
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server["url"]


def guard_context(context, base_url: str) -> list[str]:
    """Abort and remember every request that does not go to the live server."""
    blocked: list[str] = []

    def guard(route):
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return blocked


@pytest.fixture(autouse=True)
def _no_outbound_requests(request, base_url):
    if "context" not in request.fixturenames and "page" not in request.fixturenames:
        yield
        return
    blocked = guard_context(request.getfixturevalue("context"), base_url)
    yield
    assert not blocked, f"the page asked for something off the server: {blocked}"


def log_in(page, username: str = "sam", next_path: str = "/"):
    page.goto(f"/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")
    return page


def wait_until(page, script: str, timeout: float = 10.0):
    """Poll an async page function until it returns something truthy.

    Playwright's wait_for_function takes a returned Promise itself as truthy, so checks that
    await (caches, IndexedDB) are polled through evaluate, which does await them.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        page.wait_for_timeout(100)


def outbox_empty(page, timeout: float = 20.0):
    """Wait until the phone's outbox has sent everything (each record answered by the server)."""
    wait_until(page, "import('/static/js/outbox.js').then(async (o) => (await o.all()).length === 0)",
               timeout=timeout)


def on_server(seed, query):
    """Run ``query(session)`` against the live server's database, in its app."""
    from webapp.extensions import db

    with seed["app"].app_context():
        try:
            return query(db.session)
        finally:
            db.session.remove()


@pytest.fixture
def refused_camera(browser_type, base_url):
    """open(next_path) -> a logged-in page in a browser whose camera permission is refused
    (no --use-fake-ui-for-media-stream, no permission granted), guarded like every context."""
    browser = browser_type.launch(executable_path=CHROMIUM, headless=True,
                                  args=[*FLAGS, "--use-fake-device-for-media-stream"])
    context = browser.new_context(base_url=base_url, permissions=[], viewport={"width": 360, "height": 640})
    blocked = guard_context(context, base_url)
    try:
        yield lambda next_path: log_in(context.new_page(), next_path=next_path)
        assert not blocked, f"the page asked for something off the server: {blocked}"
    finally:
        context.close()
        browser.close()


@pytest.fixture
def seed(live_server):
    return live_server
