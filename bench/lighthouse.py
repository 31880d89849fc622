"""Lighthouse mobile scores for the screens a phone user lives in (issue #14).

Usage: .venv/bin/python bench/lighthouse.py [--out lighthouse/] [--runs 1] [--port 0]

Serves the app from a throwaway migrated SQLite database seeded like the browser tests (a
store, staff "sam", manager "mia", four items, an open count and a count line waiting for a
manager), then runs Lighthouse 12.2.3 (node_modules, pinned in package.json; mobile form factor,
simulated throttling) on:

  login       /login                        no session
  home        /                             sam (staff)
  scan        /count?session=<open count>   sam: the camera scan screen of a count
  receiving   /receiving/session            mia: the dock's scan screen, no PO
  approvals   /approvals/                   mia: the queue of count lines

and prints performance, accessibility and best practices (0-100) against the aims (95, 100,
100), and for each score under its aim the audits that cost points. Performance depends on the
machine (2 shared cores here): read it as a trend, not a verdict. With --runs N each page is
run N times and the median is printed.

Needs /usr/bin/chromium and node_modules (npm ci).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from tests.browser.conftest import CHROMIUM, FLAGS, PASSWORD, _seed  # noqa: E402

AIMS = {"performance": 95, "accessibility": 100, "best-practices": 100}


def serve(tmp: Path, port: int):
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    seed = _seed(app)
    with app.app_context():
        seed["session_id"] = _count_waiting(seed)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seed, f"http://localhost:{server.server_port}"


def _count_waiting(seed) -> str:
    """An open count for the scan screen, and a submitted one whose line waits for a manager."""
    from webapp.approvals.service import submit_count
    from webapp.auth.models import User
    from webapp.catalog.models import Store
    from webapp.counting import service as counting
    from webapp.extensions import db
    from webapp.types import utcnow

    sam = db.session.query(User).filter_by(username="sam").one()
    store = db.session.get(Store, seed["store_id"])
    store.tolerance_units = store.tolerance_cents = 0
    db.session.commit()
    now = utcnow()
    done = counting.open_session(counting.NewSession(store_id=store.id, location_id=seed["back_id"],
                                                     created_by_id=sam.id))
    counting.record_scan(counting.Scan(done.id, sam.id, now - timedelta(minutes=2), quantity=7,
                                       item_id=seed["items"]["Rye Crackers"]), store.id)
    submit_count(done.id, sam, now - timedelta(minutes=1))
    open_one = counting.open_session(counting.NewSession(store_id=store.id, location_id=seed["floor_id"],
                                                         created_by_id=sam.id))
    return open_one.id


def cookie_for(pw, base: str, username: str) -> str:
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    finally:
        browser.close()


def run_lighthouse(url: str, cookie: str | None, report: Path) -> dict:
    binary = ROOT / "node_modules" / ".bin" / "lighthouse"
    flags = " ".join(["--headless", "--no-sandbox", *FLAGS, "--use-fake-ui-for-media-stream",
                      "--use-fake-device-for-media-stream"])
    command = [str(binary), url, f"--chrome-flags={flags}",
               "--only-categories=performance,accessibility,best-practices", "--output=json",
               f"--output-path={report}", "--quiet"]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
    return json.loads(report.read_text())


def losses(lhr: dict, category: str) -> list[str]:
    """The audits of a category that cost points, heaviest first."""
    out = []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = lhr["audits"].get(ref["id"], {})
        score = audit.get("score")
        if ref.get("weight") and score is not None and score < 1:
            shown = audit.get("displayValue") or ""
            out.append((ref["weight"] * (1 - score), f"{ref['id']} {shown}".strip()))
    return [text for _, text in sorted(out, reverse=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "lighthouse")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="the app's port (0: any free one)")
    args = parser.parse_args()
    if not (ROOT / "node_modules" / ".bin" / "lighthouse").exists():
        sys.exit("node_modules/.bin/lighthouse missing: run npm ci")
    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)      # one line per request otherwise
    with tempfile.TemporaryDirectory() as raw, sync_playwright() as pw:
        server, seed, base = serve(Path(raw), args.port)
        try:
            sam, mia = cookie_for(pw, base, "sam"), cookie_for(pw, base, "mia")
            pages = [("login", "/login", None), ("home", "/", sam),
                     ("scan", f"/count?session={seed['session_id']}", sam),
                     ("receiving", "/receiving/session", mia), ("approvals", "/approvals/", mia)]
            print(f"{'page':<11}{'perf':>6}{'a11y':>6}{'best':>6}   aims {AIMS['performance']}/"
                  f"{AIMS['accessibility']}/{AIMS['best-practices']}, Lighthouse 12.2.3 mobile")
            for name, path, cookie in pages:
                runs = [run_lighthouse(base + path, cookie, args.out / f"{name}-{i}.json")
                        for i in range(args.runs)]
                if any(r.get("runtimeError") for r in runs):
                    print(f"{name:<11} failed: {runs[0]['runtimeError'].get('message')}")
                    continue
                scores = {k: round(100 * statistics.median(r["categories"][k]["score"] for r in runs))
                          for k in AIMS}
                print(f"{name:<11}" + "".join(f"{scores[k]:>6}" for k in AIMS))
                for k, aim in AIMS.items():
                    if scores[k] < aim:
                        print(f"    {k}: " + "; ".join(losses(runs[0], k)[:5]))
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
