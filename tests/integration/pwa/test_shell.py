"""The installable shell as the server serves it: manifest, service worker, pages, session probe."""

import json
import re

import pytest


def test_the_manifest_is_served_as_a_web_app_manifest_with_the_icons_installing_needs(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert {k: manifest[k] for k in ("id", "start_url", "scope", "display")} == {
        "id": "/", "start_url": "/", "scope": "/", "display": "standalone"}
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes >= {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_service_worker_is_served_from_the_root_uncached_with_its_shell_filled_in(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    shell = json.loads(re.search(r"/\*SHELL\*/(.*?)/\*END\*/", response.get_data(as_text=True)).group(1))
    assert re.fullmatch(r"[0-9a-f]{12}", shell["version"])
    assert {"/offline", "/static/css/app.css", "/static/js/scanner.js"} <= set(shell["urls"])
    assert not [u for u in shell["urls"] if u.startswith("/api/")]
    for url in shell["urls"]:
        assert client.get(url).status_code == 200, url


def test_the_service_worker_version_changes_when_a_precached_file_changes(tmp_path, monkeypatch):
    from webapp.pwa import shell

    monkeypatch.setattr(shell, "STATIC", tmp_path)
    (tmp_path / "js").mkdir()
    module = tmp_path / "js" / "count.js"
    module.write_text("export const version = 1;\n")
    version = re.compile(r'"version": "([0-9a-f]+)"')
    first = version.search(shell.service_worker_source()).group(1)
    module.write_text("export const version = 2;\n")
    second = version.search(shell.service_worker_source()).group(1)
    assert first != second
    assert '"/static/js/count.js"' in shell.service_worker_source()


def test_the_offline_page_needs_no_login(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert b"No connection" in response.data


@pytest.mark.parametrize("path", ["/lookup", "/outbox"])
def test_phone_screens_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/lookup", "/outbox", "/"])
def test_staff_open_the_phone_screens_which_load_the_shell_and_name_their_offline_pages(login_as, path):
    client = login_as("staff")
    page = client.get(path).get_data(as_text=True)
    assert 'src="/static/js/shell.js"' in page
    offline = re.search(r'name="offline-pages" content="([^"]*)"', page).group(1).split()
    assert {"/", "/lookup", "/damage/new"} <= set(offline)


@pytest.mark.parametrize(("role", "receives"), [("staff", False), ("receiver", True)])
def test_the_receiving_screens_are_kept_offline_only_for_those_who_receive(login_as, role, receives):
    page = login_as(role).get("/").get_data(as_text=True)
    offline = set(re.search(r'name="offline-pages" content="([^"]*)"', page).group(1).split())
    assert "/damage/new" in offline
    assert ({"/receiving/", "/receiving/session"} <= offline) is receives
    assert not {"/receiving/", "/receiving/session"} & offline or receives


def test_the_session_probe_names_the_user_and_store_and_gives_a_fresh_csrf_token(login_as):
    client = login_as("receiver")
    response = client.get("/pwa/session", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert (body["user_id"], body["store_id"], body["role"]) == (
        client.user.id, client.user.store_id, "receiver")
    assert body["csrf_token"] and body["server_time"].endswith("Z")


def test_the_session_probe_answers_401_in_json_when_logged_out(client):
    response = client.get("/pwa/session", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "login_required"


def test_the_phone_count_screen_carries_the_store_s_locations_and_open_counts_as_data(login_as, store):
    from webapp.counting.service import NewSession, open_session

    client = login_as("staff")
    back = next(loc for loc in store.locations if loc.name == "Back room")
    session = open_session(NewSession(store_id=store.id, location_id=back.id, created_by_id=client.user.id))
    page = client.get("/count").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="count-data">(.*?)</script>', page,
                                re.S).group(1))
    assert {loc["name"] for loc in data["locations"]} == {"Sales floor", "Back room"}
    assert [(s["id"], s["location_id"]) for s in data["sessions"]] == [(session.id, back.id)]
    assert "/count" in re.search(r'name="offline-pages" content="([^"]*)"', page).group(1).split()


def test_a_page_the_service_worker_keeps_in_the_background_does_not_take_the_users_message(login_as):
    """The message a POST flashes belongs to the page the user is sent to, not to a screen
    the service worker happens to be fetching for offline use at that moment."""
    client = login_as("staff")
    assert client.post_form("/logout", {}).status_code == 302
    kept = client.get("/login", headers={"Sec-Fetch-Mode": "same-origin", "Sec-Fetch-Dest": "empty"})
    assert kept.status_code == 200 and "You are logged out." not in kept.get_data(as_text=True)
    shown = client.get("/login", headers={"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"})
    assert "You are logged out." in shown.get_data(as_text=True)
    assert "You are logged out." not in client.get("/login").get_data(as_text=True)  # shown once
