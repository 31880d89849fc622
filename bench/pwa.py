"""The phone app, measured: Lighthouse scores, scan-to-tally latency, bytes a phone downloads.

Usage: .venv/bin/python bench/pwa.py [--appearances 10] [--no-lighthouse] [--out lighthouse/]

Serves the app from a throwaway migrated SQLite database seeded like the browser tests (a
store, a staff user, four items), with a counter of the bytes the server sends, then:

1. Bytes: a fresh phone (empty browser profile) logs in and opens the counting screen until
   the service worker has precached the shell (decoder included) and the catalog is on the
   phone: "first visit". Then the app is closed and opened again: "repeat visit". Bytes are
   status line + headers + body as Flask sends them, uncompressed (a TLS proxy may gzip the
   text, not the .wasm).
2. Latency: Chromium's fake camera plays a clip in which an EAN-13 appears for 1 s and leaves
   for 2 s. A probe in the page watches every camera frame for the barcode's bars; the time
   from the first frame that shows it to the item's line being updated in the tally is one
   sample (performance.now() on both ends, in the page). Prints the median and the range.
3. Lighthouse 12.2.3 (node_modules, pinned in package.json), mobile preset, on /count and
   /lookup with the logged-in session's cookie; scores read from the JSON report.

Needs /usr/bin/chromium, static/vendor (./scripts/vendor.sh) and node_modules (npm ci).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from tests.browser import fakecam  # noqa: E402
from tests.browser.conftest import CAMERA_FIRST12, CHROMIUM, FLAGS, PASSWORD, _seed  # noqa: E402

PROBE = """(() => {
  // Watches the camera: a row across the middle of the frame turns from white to barcode bars.
  const video = document.querySelector('.scanner-video');
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 1;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  window.__bench = { appeared: [], shown: [] };
  let visible = false;
  const frame = (now) => {
    if (video.videoWidth) {
      g.drawImage(video, 0, video.videoHeight / 2, video.videoWidth, 1, 0, 0, 160, 1);
      const px = g.getImageData(0, 0, 160, 1).data;
      let dark = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] < 80) dark += 1;
      // `now` is when the frame was presented, the same for every callback on this frame.
      if (dark > 10 && !visible) window.__bench.appeared.push(now);
      visible = dark > 10;
    }
    video.requestVideoFrameCallback(frame);
  };
  video.requestVideoFrameCallback(frame);
  document.getElementById('count-scanner').addEventListener('scan-shown', (e) => {
    window.__bench.shown.push(e.detail.shownAt);
  });
})()"""


class ByteCounter:
    """WSGI middleware: bytes of every response, by request path."""

    def __init__(self, app):
        self.app = app
        self.log: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        head = {"n": 0}

        def counting_start(status, headers, exc_info=None):
            head["n"] = len(f"HTTP/1.1 {status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers) + 2
            return start_response(status, headers, exc_info)

        body = 0
        for chunk in self.app(environ, counting_start):
            body += len(chunk)
            yield chunk
        with self.lock:
            self.log.append((environ.get("PATH_INFO", ""), head["n"] + body))

    def take(self) -> list[tuple[str, int]]:
        with self.lock:
            out, self.log = self.log, []
        return out


def serve(tmp: Path):
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    _seed(app)
    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counter, f"http://localhost:{server.server_port}"


def log_in(page, base: str, next_path: str):
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#username", "sam")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def wait_until(page, script: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out: {script}")
        page.wait_for_timeout(100)


def kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB"


def measure_bytes(pw, base: str, counter: ByteCounter, tmp: Path) -> dict:
    context = pw.chromium.launch_persistent_context(
        str(tmp / "phone"), executable_path=CHROMIUM, headless=True, args=FLAGS,
        viewport={"width": 360, "height": 640})
    try:
        counter.take()
        page = context.new_page()
        log_in(page, base, "/count")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        wait_until(page, """async () => Boolean(await caches.match('/static/vendor/zxing_reader.wasm'))""")
        wait_until(page, """async () => Boolean(await caches.match('/count'))""")
        page.wait_for_timeout(1500)            # the catalog download and the session probe settle
        first = counter.take()
        page.close()
        page = context.new_page()
        page.goto(f"{base}/count")
        page.locator("#count-choose").wait_for()
        page.wait_for_timeout(1500)
        repeat = counter.take()
    finally:
        context.close()
    return {"first": first, "repeat": repeat}


def measure_latency(pw, base: str, tmp: Path, appearances: int) -> list[float]:
    img, _code = fakecam.ean13(CAMERA_FIRST12)
    clip = tmp / "blink.y4m"
    fakecam.blinking_clip(clip, img, on=10, off=20, fps=10)
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        *FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}"])
    try:
        page = browser.new_page(viewport={"width": 360, "height": 640})
        log_in(page, base, "/count")
        page.get_by_role("button", name="Start counting").click()
        page.locator(".scanner-video").wait_for()
        wait_until(page, "() => document.querySelector('.scanner-video').videoWidth > 0")
        page.evaluate(PROBE)
        deadline = time.monotonic() + appearances * 3 + 20
        while time.monotonic() < deadline:
            if len(page.evaluate("window.__bench.shown")) >= appearances + 1:
                break
            page.wait_for_timeout(500)
        data = page.evaluate("window.__bench")
    finally:
        browser.close()
    samples = []
    for appeared in data["appeared"]:
        after = [s for s in data["shown"] if s >= appeared]
        if after and after[0] - appeared < 2500:
            samples.append(after[0] - appeared)
    return samples[1:]          # the first may have started before the probe


def lighthouse(base: str, cookie: str, path: str, out: Path) -> dict:
    binary = ROOT / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        return {"error": "node_modules/.bin/lighthouse missing; run npm ci"}
    out.mkdir(parents=True, exist_ok=True)
    report = out / f"{path.strip('/') or 'home'}.json"
    flags = " ".join(["--headless", "--no-sandbox", *FLAGS, "--use-fake-ui-for-media-stream",
                      "--use-fake-device-for-media-stream"])
    subprocess.run(
        [str(binary), base + path, f"--chrome-flags={flags}",
         "--only-categories=performance,accessibility,best-practices", "--output=json",
         f"--output-path={report}", "--quiet", f"--extra-headers={json.dumps({'Cookie': cookie})}"],
        check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
    lhr = json.loads(report.read_text())
    if lhr.get("runtimeError"):
        return {"error": lhr["runtimeError"].get("message")}
    return {k: lhr["categories"][k]["score"] for k in ("performance", "accessibility", "best-practices")}


def session_cookie(pw, base: str) -> str:
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    try:
        context = browser.new_context()
        log_in(context.new_page(), base, "/")
        return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appearances", type=int, default=10)
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "lighthouse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as raw, sync_playwright() as pw:
        tmp = Path(raw)
        server, counter, base = serve(tmp)
        try:
            sizes = measure_bytes(pw, base, counter, tmp)
            for visit in ("first", "repeat"):
                rows = sizes[visit]
                wasm = sum(n for p, n in rows if p.endswith(".wasm"))
                print(f"bytes, {visit} visit: {kib(sum(n for _, n in rows))} in {len(rows)} responses"
                      f" (decoder .wasm {kib(wasm)})")
            if sizes["repeat"]:
                print("  repeat-visit requests: " + ", ".join(sorted({p for p, _ in sizes["repeat"]})))
            samples = measure_latency(pw, base, tmp, args.appearances)
            if samples:
                print(f"scan latency (barcode on camera -> line in tally), {len(samples)} samples: "
                      f"median {statistics.median(samples):.0f} ms, min {min(samples):.0f}, "
                      f"max {max(samples):.0f}")
            else:
                print("scan latency: no samples (did the camera clip play?)")
            if not args.no_lighthouse:
                cookie = session_cookie(pw, base)
                for path in ("/count", "/lookup"):
                    print(f"lighthouse 12.2.3 {path}: {lighthouse(base, cookie, path, args.out)}")
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
