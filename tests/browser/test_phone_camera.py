"""Camera scanning in both engines, through the ZXing WebAssembly decoder (neither Chromium on
Linux nor WebKit, like iOS Safari, has BarcodeDetector). WebKitWebDriver has no fake camera, so
in both engines a canvas stands in for it (conftest.py, PHONE_INIT_JS): getUserMedia returns
the canvas's captureStream, which shows the seed's EAN-13 when the test says so.

Scan -> confirm is measured as bench/pwa.py does in Chromium: from the first camera frame that
shows the barcode to the result on screen ("scan-shown"), performance.now() on both ends, in
the page. It is printed, never asserted (the machine's load decides it).
"""

from __future__ import annotations

import os
import statistics
import time

from tests.browser.conftest import PASSWORD

APPEARANCES = 3


def test_a_barcode_in_front_of_the_camera_is_decoded_and_shown_and_the_time_is_printed(phone, fake_camera):
    phone.goto("/login")
    phone.evaluate("(localStorage.setItem('phone-camera', 'blank'), true)")
    phone.log_in("sam", PASSWORD, "/lookup")
    phone.wait_until("window.__camera !== undefined")                 # the app asked for the camera
    phone.wait_until("document.querySelector('.scanner')?.dataset.decoder || ''")
    assert phone.evaluate("'BarcodeDetector' in window") is False
    assert phone.evaluate("document.querySelector('.scanner').dataset.decoder") == "zxing-worker"
    phone.evaluate("""(window.__shown = [], document.addEventListener('scan-shown', (e) => {
        const latency = e.detail.shownAt - window.__camera.shownAt;
        window.__shown.push({code: e.detail.code, source: e.detail.source, latency});
    }, true), true)""")
    samples = []
    for n in range(1, APPEARANCES + 1):
        phone.evaluate("(window.__camera.show(), true)")
        phone.wait_until(f"window.__shown.length >= {n}", timeout=30)
        shown = phone.evaluate("window.__shown")[n - 1]
        assert (shown["code"], shown["source"]) == (fake_camera["code"], "camera")
        samples.append(shown["latency"])
        phone.evaluate("(window.__camera.hide(), true)")
        time.sleep(2.0)                                    # the barcode leaves the frame
    phone.wait_text(".lookup-result .result-name", "Oat Milk 1L")
    decode_ms = phone.evaluate("window.shelfcountScanner && window.shelfcountScanner.detectMs")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{phone.engine}: camera scan -> confirm, {len(samples)} appearances: median "
          f"{statistics.median(samples):.0f} ms, range {min(samples):.0f}-{max(samples):.0f} ms; "
          f"last decode {decode_ms or 0:.0f} ms; load average {load}")
