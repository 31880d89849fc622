"""The scanner component on the "Look up an item" screen: camera, keyboard wedge, manual entry."""

from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_a_barcode_in_front_of_the_camera_is_decoded_by_the_wasm_decoder_and_shown(page, fake_camera):
    log_in(page, next_path="/lookup")
    expect(page.locator(".lookup-result .result-name")).to_have_text("Oat Milk 1L", timeout=15_000)
    assert page.evaluate("'BarcodeDetector' in window") is False   # so ZXing did the decoding,
    expect(page.locator(".scanner")).to_have_attribute("data-decoder", "zxing-worker")   # off the main thread
    expect(page.locator(".result-facts")).to_contain_text(fake_camera["code"])


def test_a_keyboard_wedge_scan_typed_into_the_page_is_looked_up(page):
    log_in(page, next_path="/lookup")
    expect(page.locator(".lookup-result .result-name")).to_have_text("Oat Milk 1L", timeout=15_000)
    page.keyboard.type("036000291452")
    page.keyboard.press("Enter")
    expect(page.locator(".lookup-result .result-name")).to_have_text("Rye Crackers")


def test_slow_typing_with_no_field_focused_is_not_taken_for_a_scan(page):
    log_in(page, next_path="/lookup")
    expect(page.locator(".lookup-result .result-name")).to_have_text("Oat Milk 1L", timeout=15_000)
    page.keyboard.type("036000291452", delay=250)     # a person, not a scanner
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    expect(page.locator(".lookup-result .result-name")).to_have_text("Oat Milk 1L")


def test_a_typed_upc_a_finds_the_item_whose_barcode_is_stored_as_an_ean_13(page):
    log_in(page, next_path="/lookup")
    expect(page.locator(".lookup-result .result-name")).to_have_text("Oat Milk 1L", timeout=15_000)
    page.get_by_label("Type a barcode").fill("0036000291452")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".lookup-result .result-name")).to_have_text("Rye Crackers")



def test_wedge_scans_one_after_another_are_each_taken_whatever_the_pause_between_them(page, context):
    # A hardware scanner types a code a few ms a key and ends it with Enter; the next label may
    # follow a fraction of a second later. Each burst is judged on its own keys: the time since the
    # previous scan's first key must not count against the next one.
    # The SKU codes are unknown to the catalog: keep them off the server every browser test shares.
    context.route("**/api/v1/sync", lambda route: route.abort())
    log_in(page, next_path="/lookup")
    expect(page.locator(".lookup-result .result-name")).to_have_text("Oat Milk 1L", timeout=15_000)
    page.evaluate("""() => {
        window.shown = [];
        document.addEventListener('scan-shown', (e) => window.shown.push(e.detail.code), true);
    }""")
    codes = ["SKU-4471", "SKU-4472", "SKU-4473", "036000291452"]   # shelf-label Code 128s, then a UPC
    for code, pause_ms in zip(codes, (0, 150, 400, 700), strict=True):
        page.wait_for_timeout(pause_ms)
        page.keyboard.type(code, delay=8)
        page.keyboard.press("Enter")
    page.wait_for_function("() => window.shown.length >= 4", timeout=15_000)   # a wait, not a timing target
    assert page.evaluate("() => window.shown") == codes
    expect(page.locator(".lookup-result .result-name")).to_have_text("Rye Crackers")


# Each decoded frame takes this long, as on an old phone whose WASM decoder needs 1-2 s, or on
# the server path (a frame every 1.5 s): longer than the 1.5 s in which a code seen again is
# taken for the same scan.
_SLOW_DECODER = """(delayMs) => {
    const scanner = window.shelfcountScanner;
    const decoder = scanner.decoder;
    const real = decoder.detect.bind(decoder);
    window.__frames = 0;
    window.__shown = 0;
    window.__hide = false;
    scanner.container.addEventListener("scan-shown", () => { window.__shown += 1; });
    decoder.detect = async (video) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        const found = await real(video);
        window.__frames += 1;
        return window.__hide ? [] : found;
    };
}"""


def _until(page, script: str, timeout_s: float = 30) -> None:
    """Poll a page expression from here (the page's CSP refuses wait_for_function's eval)."""
    for _ in range(int(timeout_s / 0.25)):
        if page.evaluate(script):
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"still false after {timeout_s} s: {script}")


def test_a_code_held_in_view_is_one_scan_however_slowly_frames_decode(page):
    log_in(page, next_path="/lookup")
    expect(page.locator(".lookup-result .result-name")).to_have_text("Oat Milk 1L", timeout=15_000)
    page.evaluate(_SLOW_DECODER, 1800)
    _until(page, "() => window.__frames >= 3")
    assert page.evaluate("window.__shown") == 0, "the code never left the camera: no second scan"
    # Taken away for two frames, then shown again: that is a new item in front of the camera.
    page.evaluate("() => { window.__hide = true; window.__gone = window.__frames; }")
    _until(page, "() => window.__frames >= window.__gone + 2")
    page.evaluate("() => { window.__hide = false; }")
    _until(page, "() => window.__shown >= 1")
    assert page.evaluate("window.__shown") == 1
