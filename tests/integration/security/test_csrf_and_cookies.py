"""CSRF on every state-changing route the app has, and the flags on every cookie it sets.

The routes come from ``app.url_map``, so a route added later is covered without editing this
file. Two routes skip CSRF, each proving its caller another way that a browser cannot be
tricked into: Clover's webhook (X-Clover-Auth) and the channels' buffer API (a bearer token,
never a cookie; a logged-in browser gets a 401 there).
"""

from __future__ import annotations

import re

import pytest

EXEMPT = {"clover.webhook", "channels.put_buffer"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _sample_url(rule) -> str:
    return re.sub(r"<(?:([a-z]+):)?[a-z_]+>", lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def _unsafe_routes(app) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & UNSAFE):
            routes.append((method, _sample_url(rule), rule.endpoint))
    return sorted(routes)


@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.mark.parametrize("how", ["missing", "wrong", "another_session"])
def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(app, admin, client, how):
    routes = _unsafe_routes(app)
    assert len(routes) > 20, "the route list should cover every capability"
    foreign = client.csrf_token()  # valid, but signed for another visitor's session
    token = {"missing": None, "wrong": "not-a-token", "another_session": foreign}[how]
    accepted = []
    for method, url, endpoint in routes:
        headers = {"X-CSRFToken": token} if token else {}
        for body in ({"json": {}}, {"data": {"csrf_token": token} if token else {}}):
            response = admin.open(url, method=method, headers=headers, **body)
            refused = response.status_code == 400 and b"csrf" in response.get_data().lower()
            if not refused:
                accepted.append((method, url, endpoint, response.status_code))
    assert {endpoint for *_, endpoint, _ in accepted} <= EXEMPT, accepted


def test_the_buffer_api_takes_no_cookie_a_logged_in_browser_is_refused(admin):
    answer = admin.put("/api/v1/buffers/1", json={"buffer": 3}, headers={"X-CSRFToken": admin.csrf_token()})
    assert answer.status_code == 401


def test_the_webhook_is_the_only_exemption_and_it_demands_its_own_secret(client):
    response = client.post("/clover/webhook", json={"appId": "a", "merchants": {"M": []}})
    assert response.status_code == 401


def _cookie(response, name: str) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert cookies, f"no {name} cookie set"
    return cookies[0]


class TestCookiesOutsideTests:
    @pytest.fixture
    def app_config(self):
        # The production defaults, which TESTING relaxes for the plain-HTTP test client.
        return {"SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}

    @staticmethod
    def _login(app, **extra):
        # Over HTTPS, as behind the TLS proxy: Flask-WTF then also wants a same-site Referer.
        client = app.test_client()
        page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = client.post("/login", data={"username": "dana", "password": "correct horse",
                                               "csrf_token": token, **extra},
                               base_url="https://localhost", headers={"Referer": "https://localhost/login"})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def test_the_session_and_remember_cookies_are_secure_httponly_and_lax(self, app, make_user):
        make_user("staff", username="dana", password="correct horse")
        response = self._login(app, remember="1")
        for name in ("session", "remember_token"):
            flags = {part.strip().lower() for part in _cookie(response, name).split(";")[1:]}
            assert {"secure", "httponly", "samesite=lax"} <= flags, (name, flags)

    def test_the_session_lasts_the_configured_lifetime_not_forever(self, app, make_user):
        make_user("staff", username="dana", password="correct horse")
        response = self._login(app)
        assert "expires=" in _cookie(response, "session").lower()
        lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
        assert getattr(lifetime, "total_seconds", lambda: lifetime)() <= 14 * 24 * 3600


def test_logging_in_gives_a_new_session_so_a_planted_one_is_useless(client, make_user):
    make_user("staff", username="dana", password="correct horse")
    before = client.csrf_token()
    client.post_form("/login", {"username": "dana", "password": "correct horse"})
    client._token = None
    assert client.csrf_token() != before
