"""A 50,000-item store, measured where its size shows: the phone's catalog, a scan, a big count, reports.

Usage: .venv/bin/python bench/bigstore.py [--database postgresql://postgres@127.0.0.1:5432/test]
           [--items 50000] [--events 200000] [--lines 5000] [--port 8201] [--cpu-slowdown 1]
           [--skip-phone] [--skip-count] [--skip-reports]

Builds a throwaway database (a SQLite file, or a new PostgreSQL database beside the one given,
dropped afterwards) seeded like bench/reports.py (items in 12 categories, openings on two
locations, sales, receipts, damage and counts), gives every item an EAN-13 barcode, serves the
app with Werkzeug on 127.0.0.1:--port, and prints:

1. The phone's first catalog download and IndexedDB fill, in headless Chromium with the
   network throttled through the DevTools protocol (``Network.emulateNetworkConditions``) to
   each profile in PROFILES, on a fresh profile (empty IndexedDB). ``catalog.refresh`` from
   static/js/catalog.js runs in the page, as the counting screen runs it; the download is the
   catalog request's Resource Timing, the fill the rest. Service workers are blocked: Chromium
   does not throttle requests a service worker makes, and the catalog is not cached by it.
   Aim: 15 s.
2. A scan's lookup: ``catalog.resolve`` for --lookups random codes against that IndexedDB.
   Aim: 5 ms.
3. A count session of --lines lines sent through ``POST /api/v1/sync`` as the phone sends it
   (count_start, the scans in batches of 1,000, then count_submit alone, timed). Aim: 3 s.
   Then the manager's approvals queue: its first page's time and that it pages.
4. The reports (bench/reports.py's pages) on this store. Aim: 2 s each.

Needs /usr/bin/chromium and Playwright (tests/browser's set-up).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._data import insert_rows, private_database  # noqa: E402
from bench.reports import run as run_reports  # noqa: E402
from bench.reports import seed as seed_store  # noqa: E402

PASSWORD = "bench-password"  # noqa: S105  (the seeded users of a throwaway database)
# name: (download kbit/s, upload kbit/s, round trip ms), as Chrome DevTools' presets of those
# names apply them (the nominal rate x 0.9, the nominal RTT x their latency factor).
PROFILES = {
    "Fast 4G (DevTools: 9 Mbit/s, 1.5 Mbit/s up, 165 ms)": (9000 * 0.9, 1500 * 0.9, 150 * 1.1),
    "Slow 4G (DevTools, Lighthouse mobile: 1.6 Mbit/s, 750 kbit/s up, 562 ms)": (1600 * 0.9, 750 * 0.9,
                                                                                 150 * 3.75),
}

FILL = """async (storeId) => {
  const catalog = await import('/static/js/catalog.js');
  performance.clearResourceTimings();
  const start = performance.now();
  const result = await catalog.refresh(storeId);
  const end = performance.now();
  const entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/catalog'));
  const info = await catalog.info(storeId);
  return { total: end - start, download: entry ? entry.responseEnd - start : null,
           bytes: entry ? entry.encodedBodySize : null, decoded: entry ? entry.decodedBodySize : null,
           changed: result.changed, held: info.count };
}"""

LOOKUPS = """async ([storeId, codes]) => {
  const catalog = await import('/static/js/catalog.js');
  const times = [];
  let missing = 0;
  for (const code of codes) {
    const start = performance.now();
    const found = await catalog.resolve(storeId, code);
    times.push(performance.now() - start);
    if (!found.item) missing += 1;
  }
  return { times, missing };
}"""


def ean13(n: int) -> str:
    body = f"20{n:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def seed(app, items: int, events: int) -> None:
    from webapp.auth.service import NewUser, create_user
    from webapp.catalog.models import Barcode
    from webapp.extensions import db

    seed_store(app, items, events)  # store 1, manager "boss" (user 1), items 1..N, ledger, levels
    now = datetime.now(UTC)
    with app.app_context():
        create_user(NewUser("sam", PASSWORD, "staff", 1))
        insert_rows(db.session, Barcode.__table__, (
            {"store_id": 1, "item_id": i, "code": ean13(i), "gtin14": "0" + ean13(i), "pack_qty": 1,
             "created_at": now} for i in range(1, items + 1)))


def serve(app, port: int):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def phone(pw, base: str, items: int, lookups: int, cpu_slowdown: float) -> None:
    from tests.browser.conftest import CHROMIUM, FLAGS

    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    rng = random.Random(3)
    codes = [ean13(rng.randint(1, items)) for _ in range(lookups)]
    try:
        for name, (down, up, rtt) in PROFILES.items():
            context = browser.new_context(service_workers="block", viewport={"width": 360, "height": 640})
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("#username", "sam")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/pwa/session")  # a page of the origin that loads no catalog itself
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", {
                "offline": False, "latency": rtt, "downloadThroughput": down * 1000 / 8,
                "uploadThroughput": up * 1000 / 8})
            if cpu_slowdown > 1:
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
            fill = page.evaluate(FILL, 1)
            ok = "ok" if fill["total"] <= 15_000 and fill["held"] == items else "OVER the 15 s aim"
            download = fill["download"] or 0
            print(f"catalog, {name}: {fill['total'] / 1000:.1f} s = download {download / 1000:.1f} s "
                  f"({(fill['bytes'] or 0) / 1e6:.2f} MB sent, {(fill['decoded'] or 0) / 1e6:.2f} MB JSON) "
                  f"+ parse and IndexedDB fill {(fill['total'] - download) / 1000:.1f} s; "
                  f"{fill['held']:,} items on the phone  {ok}")
            found = page.evaluate(LOOKUPS, [1, codes])
            times = sorted(found["times"])
            p95 = times[int(len(times) * 0.95) - 1]
            print(f"  scan lookup, {len(times)} codes: median {statistics.median(times):.2f} ms, "
                  f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms, {found['missing']} not found  "
                  f"{'ok' if p95 <= 5 else 'OVER the 5 ms aim'}")
            context.close()
    finally:
        browser.close()


def server_side(app) -> None:
    """The catalog's cost on the server alone: the snapshot query and JSON, then gzip (CPU time)."""
    import gzip

    from webapp.catalog.snapshot import snapshot

    with app.app_context():
        wall, cpu = time.perf_counter(), time.process_time()
        payload, _etag = snapshot(1, None, with_cost=False)
        built_wall, built_cpu = time.perf_counter() - wall, time.process_time() - cpu
        cpu = time.process_time()
        zipped = gzip.compress(payload, compresslevel=5)
        zip_cpu = time.process_time() - cpu
    print(f"catalog on the server: snapshot {built_wall:.2f} s ({built_cpu:.2f} s CPU) for "
          f"{len(payload) / 1e6:.2f} MB of JSON; gzip {zip_cpu:.2f} s CPU to {len(zipped) / 1e6:.2f} MB")


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def count_session(app, items: int, lines: int) -> None:
    """A count of ``lines`` items on the floor, sent as a phone sends it, then the queue."""
    client = app.test_client()
    assert client.post("/login", data={"username": "sam", "password": PASSWORD}).status_code == 302
    rng = random.Random(11)
    now = datetime.now(UTC)
    session_id = str(uuid.uuid4())
    started = now - timedelta(minutes=30)

    def post(events: list[dict]) -> tuple[float, dict]:
        start = time.perf_counter()
        response = client.post("/api/v1/sync", json={"device_id": "bench-phone", "device_time": _iso(
            datetime.now(UTC)), "events": events})
        took = time.perf_counter() - start
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        body = response.get_json()
        refused = [r for r in body["results"] if r["status"] != "accepted"]
        assert not refused, refused[:3]
        return took, body

    post([{"id": str(uuid.uuid4()), "type": "count_start", "occurred_at": _iso(started),
           "session_id": session_id, "location_id": 1, "blind": True}])
    counted = rng.sample(range(1, items + 1), lines)
    scans = [{"id": str(uuid.uuid4()), "type": "count_scan", "session_id": session_id, "location_id": 1,
              "occurred_at": _iso(started + timedelta(milliseconds=200 * n)), "code": ean13(item),
              "quantity": rng.randint(1, 150)} for n, item in enumerate(counted)]
    scan_times = [post(scans[i:i + 1000])[0] for i in range(0, len(scans), 1000)]
    print(f"count of {lines:,} lines: scans sent in {len(scan_times)} batches of up to 1,000, "
          f"{statistics.median(scan_times):.2f} s median per batch")
    took, _ = post([{"id": str(uuid.uuid4()), "type": "count_submit", "occurred_at": _iso(
        datetime.now(UTC) - timedelta(seconds=5)), "session_id": session_id}])
    print(f"  submit (count_submit: {lines:,} lines with expected, variance and triage): {took:.2f} s  "
          f"{'ok' if took <= 3 else 'OVER the 3 s aim'}")

    manager = app.test_client()
    assert manager.post("/login", data={"username": "boss", "password": PASSWORD}).status_code == 302
    start = time.perf_counter()
    page = manager.get("/approvals/")
    first = time.perf_counter() - start
    text = page.get_data(as_text=True)
    rows = text.count('class="item-row"')
    pager = text[text.find("Page 1 of"):].split("</span>")[0] if "Page 1 of" in text else "no pager"
    start = time.perf_counter()
    last = manager.get("/approvals/?page=1000")
    print(f"  approvals queue: first page {first * 1000:.0f} ms, {rows} rows, {len(text) / 1024:.0f} KiB "
          f"({pager}); last page {(time.perf_counter() - start) * 1000:.0f} ms, status {last.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL to create the bench database beside")
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--cpu-slowdown", type=float, default=1, help="Chromium CPU throttling, e.g. 4")
    parser.add_argument("--skip-phone", action="store_true")
    parser.add_argument("--skip-count", action="store_true")
    parser.add_argument("--skip-reports", action="store_true")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy.engine import make_url

    from webapp import create_app
    from webapp.extensions import db

    url, cleanup = private_database(args.database)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    try:
        with app.app_context():
            upgrade()
        start = time.perf_counter()
        seed(app, args.items, args.events)
        print(f"{make_url(url).get_backend_name()}: seeded {args.items:,} items with barcodes and "
              f"{args.events:,} ledger events in {time.perf_counter() - start:.0f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        if not args.skip_phone:
            from playwright.sync_api import sync_playwright

            server_side(app)

            server, base = serve(app, args.port)
            try:
                with sync_playwright() as pw:
                    phone(pw, base, args.items, args.lookups, args.cpu_slowdown)
            finally:
                server.shutdown()
        if not args.skip_count:
            count_session(app, args.items, args.lines)
        if not args.skip_reports:
            run_reports(app, 1)
    finally:
        with app.app_context():
            db.engine.dispose()
        cleanup()


if __name__ == "__main__":
    main()
