"""One phone, two engines: the journeys are written once against ``Phone`` and run in Chromium
(Playwright) and in WebKit (Selenium driving WebKitGTK's WebKitWebDriver under Xvfb).

Why Selenium for WebKit: Playwright drives only its own patched WebKit build, which is
downloaded from a CDN this project cannot reach; Debian's ``webkit2gtk-driver`` is the WebKit
we can install, and it speaks W3C WebDriver, which Selenium drives. Selenium has no network
emulation, no init scripts and no request routing, so:

- offline is the live server refusing every connection (``ServerSwitch.offline`` in
  conftest.py); the phone's requests fail as with no signal, but ``navigator.onLine`` stays true,
  as on an iPhone with a dead Wi-Fi;
- a script that must run before the app's modules (the camera stand-in) is put at the top of
  every page by the live server (``ServerSwitch.phone_init``), in both engines alike.

Selectors are CSS; ``text`` narrows a selector to the elements whose visible text contains it.
"""

from __future__ import annotations

import json
import time

TIMEOUT = 15.0


class Timeout(AssertionError):
    pass


def _poll(check, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


class Phone:
    engine = ""

    def __init__(self, base_url: str, switch):
        self.base_url = base_url
        self.switch = switch

    # --- engine-specific ----------------------------------------------------------------
    def goto(self, path: str) -> None: raise NotImplementedError
    def reload(self) -> None: raise NotImplementedError
    def url(self) -> str: raise NotImplementedError
    def _texts(self, css: str) -> list[str]: raise NotImplementedError
    def _click(self, css: str, text: str | None) -> bool: raise NotImplementedError
    def fill(self, css: str, value: str) -> None: raise NotImplementedError
    def select(self, css: str, label: str) -> None: raise NotImplementedError
    def attach(self, css: str, path: str) -> None: raise NotImplementedError
    def evaluate(self, expression: str): raise NotImplementedError
    def set_offline(self, offline: bool) -> None: raise NotImplementedError
    def accept_dialog(self, click) -> str: raise NotImplementedError
    def drop_cookies(self) -> None: raise NotImplementedError

    # --- shared -----------------------------------------------------------------------
    def click(self, css: str, text: str | None = None, timeout: float = TIMEOUT) -> None:
        _poll(lambda: self._click(css, text), f"{css} {text or ''} to click", timeout)

    def texts(self, css: str) -> list[str]:
        return self._texts(css)

    def wait_text(self, css: str, expected: str, *, exact: bool = False, timeout: float = TIMEOUT) -> str:
        def found():
            for text in self._texts(css):
                if (text.strip() == expected) if exact else (expected in text):
                    return text
            return None
        try:
            return _poll(found, f"{css} to show {expected!r}", timeout)
        except Timeout as err:
            raise Timeout(f"{err}; it shows {self._texts(css)!r}") from None

    def wait_count(self, css: str, count: int, timeout: float = TIMEOUT) -> None:
        _poll(lambda: len(self._texts(css)) == count, f"{count} of {css}", timeout)

    def wait_url(self, fragment: str, timeout: float = TIMEOUT) -> str:
        return _poll(lambda: fragment in self.url() and self.url(), f"the URL to contain {fragment}", timeout)

    def wait_until(self, expression: str, timeout: float = TIMEOUT):
        """Poll a JS expression (it may be a Promise) until it is truthy; return its value. An
        error (a page still navigating) counts as not yet."""
        last = []

        def check():
            try:
                return self.evaluate(expression)
            except Exception as err:  # noqa: BLE001 - reported if it never comes true
                last[:] = [err]
                return None
        try:
            return _poll(check, expression, timeout)
        except Timeout as err:
            raise Timeout(f"{err}; last error: {last[0] if last else None}") from None

    def log_in(self, username: str, password: str, next_path: str = "/") -> None:
        """Log in through the form and wait for the page it leads to.

        A login hashes the password, the slowest request there is: on a busy machine it took
        over 15 s, so this wait is longer than the others. A form whose fields came up empty
        (typed into before the page had settled, so its `required` check stopped the submit)
        is filled and sent again, as a person would; an error the page shows fails at once."""
        left = "document.readyState === 'complete' && !location.pathname.startsWith('/login')"
        self.goto(f"/login?next={next_path}")
        deadline = time.monotonic() + 3 * TIMEOUT
        renewed = False
        while True:
            self.fill("#username", username)
            self.fill("#password", password)
            self.click("button[type=submit]")
            while True:
                try:
                    self.wait_until(left, timeout=min(15.0, max(1.0, deadline - time.monotonic())))
                    return
                except Timeout:
                    state = self._login_state()
                if state.get("error") and "form had expired" in state["error"] and not renewed:
                    renewed = True      # the app's own advice: type the password again and log in
                    break
                if state.get("error"):
                    raise AssertionError(f"the login page says: {state['error']}")
                if time.monotonic() > deadline:
                    raise Timeout(f"the login did not leave /login in {3 * TIMEOUT:.0f} s: {state}")
                if state.get("ready") == "complete" and not state.get("form"):
                    raise AssertionError(f"the login led to a page without the form: {state}")
                if not state.get("filled") and state.get("ready") == "complete":
                    break       # the form is there with empty fields: it was never sent
                # Sent and not answered yet (or mid-navigation): wait again, do not resend.

    def _login_state(self) -> dict:
        try:
            return self.evaluate("""(() => {
              const u = document.getElementById('username'), p = document.getElementById('password');
              const err = document.querySelector('.error, [role=alert]');
              return { path: location.pathname, ready: document.readyState, title: document.title,
                       form: Boolean(u), filled: Boolean(u && u.value && p && p.value),
                       text: (document.body ? document.body.innerText : '').slice(0, 300),
                       error: err ? err.textContent.trim() : '' };
            })()""")
        except Exception as err:  # noqa: BLE001 - a page mid-navigation
            return {"evaluate": str(err)[:200]}

    def wedge(self, code: str) -> None:
        """A keyboard-wedge scanner: the code's keys at machine speed, then Enter, nothing focused.
        A pause first, as between two real scans (scanner.js joins keys within 150 ms of a scan)."""
        time.sleep(0.2)
        self.evaluate(f"""(() => {{
          document.activeElement && document.activeElement.blur();
          for (const key of [...{json.dumps(code)}, "Enter"]) {{
            document.body.dispatchEvent(
              new KeyboardEvent("keydown", {{key, bubbles: true, cancelable: true}}));
          }}
          return true;
        }})()""")

    def outbox(self) -> list:
        return self.evaluate("import('/static/js/outbox.js').then((o) => o.all())")

    def outbox_empty(self, timeout: float = 20.0) -> None:
        self.wait_until("import('/static/js/outbox.js').then(async (o) => (await o.all()).length === 0)",
                        timeout=timeout)

    def controlled(self) -> None:
        """Wait until the service worker controls the page, then fetch the test's own page-top
        script and camera image through it, so that it keeps them for offline reloads (the first
        page loaded before the worker took over, so they did not pass through it then)."""
        self.wait_until("navigator.serviceWorker.controller !== null")
        self.evaluate("Promise.all(['/static/__test__/phone-init.js', '/static/__test__/camera.png']"
                      ".map((u) => fetch(u).then((r) => r.ok))).then((oks) => oks.every(Boolean))")


class PlaywrightPhone(Phone):
    engine = "chromium"

    def __init__(self, base_url, switch, context):
        super().__init__(base_url, switch)
        self.context = context
        self.page = context.new_page()

    def goto(self, path):
        self.page.goto(path)

    def reload(self):
        self.page.reload()

    def url(self):
        return self.page.url

    def _texts(self, css):
        return self.page.locator(css).all_inner_texts()

    def _click(self, css, text):
        target = self.page.locator(css, has_text=text) if text else self.page.locator(css)
        target = target.locator("visible=true").first
        if not target.count():
            return False
        target.click()
        return True

    def fill(self, css, value):
        self.page.fill(css, value)

    def select(self, css, label):
        self.page.select_option(css, label=label)

    def attach(self, css, path):
        self.page.set_input_files(css, path)

    def evaluate(self, expression):
        return self.page.evaluate(f"async () => ({expression})")

    def set_offline(self, offline):
        self.context.set_offline(offline)

    def drop_cookies(self):
        self.context.clear_cookies()

    def accept_dialog(self, click):
        seen = []

        def accept(dialog):
            seen.append(dialog.message)
            dialog.accept()
        self.page.once("dialog", accept)
        click()
        _poll(lambda: seen, "a dialog", TIMEOUT)
        return seen[0]


class WebKitPhone(Phone):
    engine = "webkit"

    def __init__(self, base_url, switch, driver):
        super().__init__(base_url, switch)
        self.driver = driver

    def goto(self, path):
        self.driver.get(self.base_url + path if path.startswith("/") else path)

    def reload(self):
        self.driver.refresh()

    def url(self):
        return self.driver.current_url

    def _elements(self, css, text=None):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By

        found = []
        for element in self.driver.find_elements(By.CSS_SELECTOR, css):
            try:
                if text is None or text in element.text:
                    found.append(element)
            except StaleElementReferenceException:
                continue
        return found

    def _texts(self, css):
        return self.evaluate(f"[...document.querySelectorAll({json.dumps(css)})].map((e) => e.innerText)")

    def _click(self, css, text):
        from selenium.common.exceptions import (
            ElementClickInterceptedException,
            ElementNotInteractableException,
            StaleElementReferenceException,
        )

        for element in self._elements(css, text):
            try:
                if element.is_displayed():
                    element.click()
                    return True
            except (StaleElementReferenceException, ElementNotInteractableException,
                    ElementClickInterceptedException):
                continue
        return False

    def fill(self, css, value):
        element = _poll(lambda: self._elements(css), css, TIMEOUT)[0]
        element.clear()
        element.send_keys(value)

    def select(self, css, label):
        from selenium.webdriver.support.select import Select

        element = _poll(lambda: self._elements(css), css, TIMEOUT)[0]
        _poll(lambda: any(o.text == label for o in Select(element).options), f"option {label}", TIMEOUT)
        Select(element).select_by_visible_text(label)

    def attach(self, css, path):
        _poll(lambda: self._elements(css), css, TIMEOUT)[0].send_keys(path)

    def evaluate(self, expression):
        result = self.driver.execute_async_script(f"""
          const done = arguments[arguments.length - 1];
          (async () => ({expression}))().then(
            (value) => done({{ok: true, value: value === undefined ? null : value}}),
            (err) => done({{ok: false, error: String(err && err.stack || err)}}));
        """)
        if not result["ok"]:
            raise AssertionError(f"in the page: {result['error']}")
        return result["value"]

    def set_offline(self, offline):
        self.switch.offline = offline

    def reset(self) -> None:
        """A fresh phone, as Chromium's new context per test is: on a page with none of the app's
        scripts, drop the service worker, its caches, IndexedDB, localStorage and the cookies."""
        self.goto("/static/__test__/blank.html")
        # Each step is bounded: a database still held open elsewhere must not hang the reset.
        self.evaluate("""Promise.race([
          new Promise((resolve) => setTimeout(() => resolve(false), 8000)),
          (async () => {
          for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
          for (const key of await caches.keys()) await caches.delete(key);
          localStorage.clear();
          const names = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
          await Promise.all(names.map((name) => new Promise((resolve) => {
            const request = indexedDB.deleteDatabase(name);
            request.onsuccess = request.onerror = request.onblocked = () => resolve();
          })));
          return true;
        })()])""")
        self.driver.delete_all_cookies()

    def drop_cookies(self):
        self.driver.delete_all_cookies()

    def accept_dialog(self, click):
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.wait import WebDriverWait

        click()
        alert = WebDriverWait(self.driver, TIMEOUT).until(expected_conditions.alert_is_present())
        message = alert.text
        alert.accept()
        return message
