"""Installs started in Clover's App Market, over real HTTP against the emulator's OAuth v2
(webapp/clover/install.py): the code is exchanged on the server, the merchant verified by its
token, and a store is bound only by a logged-in admin's confirming POST."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.clover.connection import connect_with_token, connection_for_store
from webapp.clover.models import CloverConnection, CloverPendingInstall

OTHER = "OTHERMERCHANT"


@pytest.fixture
def sync_store(app):
    from webapp.clover.sync import run_sync

    return run_sync


def _launch_url(emulator, merchant_id: str = MERCHANT, **extra) -> str:
    """What Clover's App Market sends the merchant's browser to: our launch URL with its code."""
    params = {"client_id": "SHELFCOUNTAPP", "redirect_uri": "http://localhost/clover/launch",
              "merchant_id": merchant_id}
    answer = requests.get(f"{emulator.url}/oauth/v2/authorize", params=params, allow_redirects=False,
                          timeout=10)
    assert answer.status_code == 302
    query = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    query.update({"employee_id": "EMPLOYEE00001", **extra})
    return "/clover/launch?" + urlencode(query)


def _connections(db) -> list[tuple[int, str, str]]:
    db.session.expire_all()
    return list(db.session.execute(select(CloverConnection.store_id, CloverConnection.merchant_id,
                                          CloverConnection.auth_mode)).tuples())


def test_an_app_market_launch_is_bound_by_an_admin_after_login_and_then_syncs(
        app, client, emulator, db, store, make_user, sync_store):
    admin = make_user("admin", username="owner")
    launched = client.get(_launch_url(emulator))
    assert launched.status_code == 302 and launched.headers["Location"].endswith("/clover/install")
    assert _connections(db) == []  # the GET bound nothing
    to_login = client.get("/clover/install")
    assert to_login.status_code == 302 and "/login" in to_login.headers["Location"]
    assert client.post_form("/login", {"username": admin.username, "password": "correct horse",
                                       "next": "/clover/install"}).status_code == 302
    client._token = None  # the login began a new session, with a new CSRF token
    page = client.get("/clover/install").get_data(as_text=True)
    assert MERCHANT in page and "Connect" in page
    assert client.post_form("/clover/install").status_code == 302
    assert _connections(db) == [(store.id, MERCHANT, "oauth")]
    assert db.session.scalars(select(CloverPendingInstall)).all() == []
    assert sync_store(store.id).catalog is not None  # the exchanged tokens work
    # Used once: the same browser cannot bind it again.
    assert client.post_form("/clover/install").status_code == 410


def test_a_forged_launch_link_never_binds_without_the_admins_confirming_post(app, client, emulator, db,
                                                                            login_as):
    admin = login_as("admin")
    assert admin.get(_launch_url(emulator)).status_code == 302
    # A cross-site POST has no CSRF token: refused, nothing bound.
    forged = admin.post("/clover/install", data={})
    assert forged.status_code == 400
    assert _connections(db) == []


def test_a_launch_naming_another_merchant_than_its_code_is_refused(app, client, emulator, db):
    emulator.create_merchant(id=OTHER, items=[], tokens=[{"token": "other-token"}])
    url = _launch_url(emulator, OTHER)
    swapped = url.replace(f"merchant_id={OTHER}", f"merchant_id={MERCHANT}")
    answer = client.get(swapped)
    assert answer.status_code == 403
    assert "not for the merchant" in answer.get_data(as_text=True)
    assert db.session.scalars(select(CloverPendingInstall)).all() == []


def test_a_merchant_linked_to_another_store_cannot_be_attached(app, emulator, db, store, make_store,
                                                             make_user, login_as):
    connect_with_token(store.id, MERCHANT, TOKEN)
    other = make_store("Second Market")
    intruder = login_as(user=make_user("admin", store_id=other.id))
    assert intruder.get(_launch_url(emulator)).status_code == 302
    assert "already connected to another store" in intruder.get("/clover/install").get_data(as_text=True)
    assert intruder.post_form("/clover/install").status_code == 409
    assert connection_for_store(other.id) is None
    assert _connections(db) == [(store.id, MERCHANT, "token")]


def test_bad_launches_get_a_clear_400(client, emulator):
    for query, field in [("merchant_id=short&client_id=SHELFCOUNTAPP&code=x", "merchant_id"),
                         (f"merchant_id={MERCHANT}&client_id=SOMEONEELSE&code=x", "client_id")]:
        answer = client.get(f"/clover/launch?{query}", headers={"Accept": "application/json"})
        assert answer.status_code == 400
        assert answer.get_json()["error"]["field"] == field
    refused = client.get(f"/clover/launch?merchant_id={MERCHANT}&client_id=SHELFCOUNTAPP&code=not-a-code")
    assert refused.status_code == 400 and "refused" in refused.get_data(as_text=True)


def test_a_launch_without_a_code_goes_to_clover_to_authorise_and_comes_back(client, emulator, db):
    first = client.get(f"/clover/launch?merchant_id={MERCHANT}&client_id=SHELFCOUNTAPP&employee_id=E1")
    assert first.status_code == 302
    assert first.headers["Location"].startswith(f"{emulator.url}/oauth/v2/authorize")
    back = requests.get(first.headers["Location"], allow_redirects=False, timeout=10,
                        params={"merchant_id": MERCHANT})
    returned = urlsplit(back.headers["Location"])
    assert "state=" in returned.query
    done = client.get(f"{returned.path}?{returned.query}")
    assert done.status_code == 302 and done.headers["Location"].endswith("/clover/install")
    assert client.get(f"{returned.path}?{returned.query}").status_code == 400  # the state is used once
