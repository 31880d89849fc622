"""Browser tests: headless Debian Chromium driven by pytest-playwright against a live server.

The server runs in a thread on its own migrated SQLite database (never the `app` fixture's,
which other tests truncate), seeded once per session with a store, users and items. Chromium's
fake camera plays a Y4M clip of an EAN-13 that the seed knows. Every test's browser context
is guarded: a request to anything but the live server fails the test (no CDN may sneak in).
See /work/shared/reference/browser-testing.md for why each flag is here.

The phone journeys also run in WebKit (WebKitGTK's WebKitWebDriver under Xvfb, via Selenium):
the `phone` fixture at the end of this file and tests/browser/phone.py.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

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
        for username, role in (("sam", "staff"), ("ria", "staff"), ("mia", "manager"), ("rex", "receiver")):
            create_user(NewUser(username, PASSWORD, role, store.id))
        return {"store_id": store.id, "floor_id": floor.id, "back_id": back.id,
                "items": {name: item.id for name, item in items.items()}}


class ServerSwitch:
    """The live server's test switches (both off unless a test turns them on):

    - ``offline``: every connection is closed unanswered, so the phone's requests fail as with
      no signal. WebKitWebDriver has no network emulation (Playwright's set_offline is
      Chromium's); this is how the WebKit journeys go offline.
    - ``phone_init``: each HTML page gets ``<script src="/static/__test__/phone-init.js">`` first
      in its <head>. A classic script there runs before the app's modules, which is how a test
      stands in for the camera where the driver cannot add an init script (Selenium on WebKit).
      The script and the camera's barcode image are served under /static/, so the service worker
      keeps them for offline reloads like any static file.
    """

    INIT_PATH = "/static/__test__/phone-init.js"
    BLANK_PATH = "/static/__test__/blank.html"
    IMAGE_PATH = "/static/__test__/camera.png"

    def __init__(self, app):
        self.app = app
        self.offline = False
        self.phone_init = False
        self.files: dict[str, tuple[str, bytes]] = {}

    def __call__(self, environ, start_response):
        served = self.files.get(environ.get("PATH_INFO", ""))
        if served is not None:
            start_response("200 OK", [("Content-Type", served[0]), ("Content-Length", str(len(served[1]))),
                                      ("Cache-Control", "no-cache")])
            return [served[1]]
        if not self.phone_init:
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        headers = captured["headers"]
        if any(k.lower() == "content-type" and v.startswith("text/html") for k, v in headers):
            body = body.replace(b"<head>", f'<head><script src="{self.INIT_PATH}"></script>'.encode(), 1)
            headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(captured["status"], headers)
        return [body]


class _SwitchedHandler(WSGIRequestHandler):
    def handle_one_request(self):
        if self.server.switch.offline:
            self.close_connection = True      # no answer at all: the phone sees a network error
            return
        super().handle_one_request()


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
    switch = ServerSwitch(app)
    server = make_server("127.0.0.1", 0, switch, threaded=True, request_handler=_SwitchedHandler)
    server.switch = switch
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # localhost, not 127.0.0.1: Chromium treats it as a secure context (camera, service worker).
    yield {"url": f"http://localhost:{server.server_port}", "app": app, "switch": switch, **seed}
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
    # Not a glob on next_path: the login page's own URL (/login?next=...) ends with it too.
    page.wait_for_url(lambda url: "/login" not in url and next_path.split("?")[0] in url, timeout=45_000)
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


# ----- The same phone in two engines ---------------------------------------------------------
# Chromium through Playwright (as above) and WebKit through Selenium + Debian's WebKitWebDriver
# (webkit2gtk-driver) under Xvfb: see tests/browser/phone.py for why and how they differ.

WEBKIT_DRIVER = os.environ.get("WEBKIT_DRIVER_PATH", "/usr/bin/WebKitWebDriver")
MINIBROWSER = os.environ.get("MINIBROWSER_PATH", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
ENGINES = ["chromium", "webkit"]

# Put first in every page's <head> while a phone fixture is in use (ServerSwitch.phone_init).
# It notes the app's calls to navigator.storage.persist and navigator.vibrate in window.__calls.
# The camera is what localStorage "phone-camera" says: unset, none (a phone at the dock, typing
# or wedge-scanning); "barcode", a canvas showing the seed's EAN-13 in every frame; "blank", the
# canvas empty until the test calls window.__camera.show(), which notes performance.now() at the
# first frame that shows the barcode (for scan -> confirm timings).
PHONE_INIT_JS = """(() => {
  // What the app asked of the platform: persistent storage, vibration (where they exist).
  const calls = window.__calls = { persist: 0, vibrate: [] };
  if (navigator.storage && navigator.storage.persist) {
    const persist = navigator.storage.persist.bind(navigator.storage);
    navigator.storage.persist = () => { calls.persist += 1; return persist(); };
  }
  if (navigator.vibrate) {
    const vibrate = navigator.vibrate.bind(navigator);
    navigator.vibrate = (pattern) => { calls.vibrate.push(pattern); return vibrate(pattern); };
  }
  const mode = localStorage.getItem("phone-camera") || "none";
  if (!navigator.mediaDevices) return;
  if (mode === "none") {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException("no camera here", "NotFoundError"));
    return;
  }
  navigator.mediaDevices.getUserMedia = async () => {
    const img = new Image();
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = () => reject(new DOMException("the camera image did not load", "NotReadableError"));
      img.src = "/static/__test__/camera.png";
    });
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const g = canvas.getContext("2d");
    const camera = window.__camera = {
      showing: mode === "barcode", shownAt: null,
      show() { this.showing = true; this.shownAt = null; },
      hide() { this.showing = false; },
    };
    let tick = 0;
    const draw = () => {
      g.fillStyle = "#fff";
      g.fillRect(0, 0, canvas.width, canvas.height);
      // A real camera's frames always differ; a canvas stream sends one only when it changed.
      tick = (tick + 1) % 2;
      g.fillStyle = tick ? "#eee" : "#ddd";
      g.fillRect(0, 0, 2, 2);
      if (camera.showing) {
        g.drawImage(img, 0, 0);
        if (camera.shownAt === null) camera.shownAt = performance.now();
      }
    };
    draw();
    setInterval(draw, 33);
    return canvas.captureStream(30);
  };
})();
"""


def _missing_for_webkit() -> str | None:
    if not os.access(WEBKIT_DRIVER, os.X_OK):
        return f"WebKitWebDriver is not installed at {WEBKIT_DRIVER} (apt-get install webkit2gtk-driver)"
    if not os.access(MINIBROWSER, os.X_OK):
        return f"MiniBrowser is not installed at {MINIBROWSER} (apt-get install webkit2gtk-driver)"
    if not shutil.which("Xvfb"):
        return "Xvfb is not installed (apt-get install xvfb)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="session")
def xvfb_display():
    """A virtual X display for WebKitGTK. SHELFCOUNT_XVFB_DISPLAY (e.g. ":91") picks its number;
    otherwise Xvfb picks a free one and says which."""
    import subprocess

    wanted = os.environ.get("SHELFCOUNT_XVFB_DISPLAY")
    args = ["Xvfb", "-screen", "0", "1024x768x24", "-nolisten", "tcp"]
    if wanted:
        process = subprocess.Popen([*args[:1], wanted, *args[1:]], stderr=subprocess.DEVNULL)
        display = wanted
        time.sleep(0.5)
    else:
        read, write = os.pipe()
        process = subprocess.Popen([*args, "-displayfd", str(write)], pass_fds=(write,),
                                   stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            display = ":" + pipe.readline().strip()
    if process.poll() is not None:
        pytest.fail(f"Xvfb did not start on {display}")
    yield display
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def camera_image(fake_camera, tmp_path_factory):
    """The frame Chromium's fake camera plays, as a PNG for the canvas camera."""
    import io

    img, code = fakecam.ean13(CAMERA_FIRST12)
    out = io.BytesIO()
    fakecam.frame(img).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="session", params=ENGINES)
def phone_browser(request, live_server, camera_image):
    """One browser per engine for the whole run (pytest runs every test of one engine, then the
    other's): Playwright's session Chromium, or one WebKit session, reset between tests."""
    switch = live_server["switch"]
    switch.files[ServerSwitch.INIT_PATH] = ("text/javascript", PHONE_INIT_JS.encode())
    switch.files[ServerSwitch.IMAGE_PATH] = ("image/png", camera_image)
    switch.files[ServerSwitch.BLANK_PATH] = ("text/html", b"<!doctype html><title>blank</title>")
    if request.param == "chromium":
        yield "chromium", request.getfixturevalue("browser")
        return
    reason = _missing_for_webkit()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    display = request.getfixturevalue("xvfb_display")
    options = Options()
    options.binary_location = MINIBROWSER
    options.add_argument("--automation")
    port = int(os.environ.get("SHELFCOUNT_WEBKIT_DRIVER_PORT", "0"))
    service = Service(executable_path=WEBKIT_DRIVER, port=port, env={**os.environ, "DISPLAY": display})
    driver = webdriver.WebKitGTK(options=options, service=service)
    driver.set_script_timeout(30)
    driver.set_window_size(360, 740)         # a phone: one thumb, 360 px wide
    try:
        yield "webkit", driver
    finally:
        driver.quit()


@pytest.fixture
def phone(phone_browser, live_server):
    """A fresh phone (no cookies, nothing stored) in the module's engine, with the camera
    stand-in ahead of the app's scripts. Chromium's context is guarded against off-server
    requests as everywhere; WebKit's pages are checked for them when the test ends."""
    from tests.browser.phone import PlaywrightPhone, WebKitPhone

    engine, browser = phone_browser
    base_url, switch = live_server["url"], live_server["switch"]
    switch.phone_init, switch.offline = True, False
    try:
        if engine == "chromium":
            context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 640})
            blocked = guard_context(context, base_url)
            try:
                yield PlaywrightPhone(base_url, switch, context)
                assert not blocked, f"the page asked for something off the server: {blocked}"
            finally:
                context.close()
        else:
            device = WebKitPhone(base_url, switch, browser)
            device.reset()
            yield device
            switch.offline = False
            off = device.evaluate(f"performance.getEntriesByType('resource').map((e) => e.name)"
                                  f".filter((u) => !u.startsWith({base_url + '/'!r}))")
            assert not off, f"the page asked for something off the server: {off}"
    finally:
        switch.phone_init, switch.offline = False, False
