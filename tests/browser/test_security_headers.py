"""CSP and the other headers, as Chromium enforces them; and an item named like an XSS payload
(as a Clover merchant could name one) shown on every page that shows item names, running nothing.

Proof that nothing ran: no `dialog` event fires on any page, and no `img` element with an
onerror attribute exists in any page's DOM (the name must arrive as text, never as markup).
"""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

XSS = "<img src=x onerror=alert(1)>"
XSS_CODE_BODY = "200000000001"
SKIP_PATHS = {"/sw.js", "/manifest.webmanifest", "/offline"}


def _ean13(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@pytest.fixture(scope="module")
def xss_item(live_server):
    from webapp.catalog.models import Barcode, Item
    from webapp.extensions import db

    app = live_server["app"]
    code = _ean13(XSS_CODE_BODY)
    with app.app_context():
        item = Item(store_id=live_server["store_id"], name=XSS, category=XSS, sku="x<b>", cost_cents=100,
                    price_cents=200)
        item.barcodes.append(Barcode(store_id=live_server["store_id"], code=code, gtin14=code.zfill(14),
                                     pack_qty=1))
        db.session.add(item)
        db.session.commit()
        item_id = item.id
    yield {"id": item_id, "code": code}
    with app.app_context():
        db.session.execute(db.delete(Barcode).where(Barcode.item_id == item_id))
        db.session.execute(db.delete(Item).where(Item.id == item_id))
        db.session.commit()


def _pages(app, item_id: int) -> list[str]:
    """Every GET page without parameters, and each page about one item, for the XSS item."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(("/static", "/api/")):
            continue
        if rule.rule in SKIP_PATHS or rule.rule.endswith(".csv") or "oauth" in rule.rule:
            continue
        if not rule.arguments:
            paths.append(rule.rule)
        elif rule.arguments == {"item_id"}:
            paths.append(re.sub(r"<int:item_id>", str(item_id), rule.rule))
    paths.append("/items?q=" + XSS)
    return sorted(set(paths))


def _assert_nothing_ran(page, dialogs: list[str], where: str) -> None:
    assert not dialogs, f"a dialog opened on {where}: {dialogs}"
    assert page.evaluate("document.querySelectorAll('img[onerror], [onerror]').length") == 0, where


def test_the_headers_reach_the_browser_and_csp_blocks_inline_script_and_handlers(page, base_url):
    response = page.goto("/login")
    headers = response.headers
    assert "script-src 'self' 'wasm-unsafe-eval'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text
            else None)
    with contextlib.suppress(Exception):  # Playwright may report the blocked tag; what matters is below
        page.add_script_tag(content="window.__inlineRan = true;")
    page.evaluate("""() => { document.body.setAttribute('onclick', 'window.__handlerRan = true');
                             document.body.click(); }""")
    assert page.evaluate("window.__inlineRan === undefined && window.__handlerRan === undefined")
    assert violations, "Chromium should report the blocked inline script"


def test_an_item_named_like_an_xss_payload_runs_nothing_on_any_page(page, live_server, xss_item):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, "mia")
    pages = _pages(live_server["app"], xss_item["id"])
    assert f"/items/{xss_item['id']}" in pages and "/items" in pages
    shown_on = []
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("load")
        _assert_nothing_ran(page, dialogs, path)
        if XSS in page.inner_text("body"):
            shown_on.append(path)
    print(f"{len(pages)} pages visited; the name shown as text on {shown_on}")
    assert f"/items/{xss_item['id']}" in shown_on and "/items" in shown_on, shown_on

    page.goto("/lookup")
    # The fake camera shows another item's barcode: let its first scan land before typing,
    # or it can arrive after the typed code and replace the result being checked.
    expect(page.locator(".lookup-result .result-name")).not_to_have_text("", timeout=15_000)
    page.get_by_label("Type a barcode").fill(xss_item["code"])
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".lookup-result .result-name")).to_have_text(XSS, timeout=15_000)
    _assert_nothing_ran(page, dialogs, "/lookup")
