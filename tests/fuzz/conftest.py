"""A live server for the fuzz tests: the real app over real HTTP, one store seeded with a user of
every role (and a manager of another store), each logged in through the login form.

Module-scoped: logging in and starting a server per Hypothesis example would cost more than
the examples. The data it seeds is removed when the module ends, like the `app` fixture does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

from webapp import create_app
from webapp.extensions import db

ROLES = ("staff", "receiver", "manager", "admin")
PASSWORD = "correct horse"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class Identity:
    name: str
    session: requests.Session
    csrf: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf} if self.csrf else {}


@dataclass
class LiveServer:
    url: str
    store_id: int
    location_id: int
    codes: list[str]
    identities: list[Identity] = field(default_factory=list)


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10).text
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def _login(base: str, username: str) -> Identity:
    session = requests.Session()
    token = _csrf(session, f"{base}/login")
    answer = session.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                                   "csrf_token": token}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return Identity(username, session, _csrf(session, f"{base}/"))


def _seed() -> tuple[int, int, list[str]]:
    from webapp.auth.service import NewUser, create_user
    from webapp.catalog.models import Barcode, Item, Location, Store

    stores = []
    for name in ("Fuzz Market", "Rival Grocers"):
        store = Store(name=name)
        db.session.add(store)
        db.session.flush()
        db.session.add_all([Location(store_id=store.id, name="Sales floor", kind="floor", is_selling=True),
                            Location(store_id=store.id, name="Back room", kind="backroom")])
        stores.append(store)
    home, rival = stores
    codes = ["0036000291452", "10036000291459"]
    item = Item(store_id=home.id, name="<img src=x onerror=alert(1)>", cost_cents=310, price_cents=499)
    item.barcodes.append(Barcode(store_id=home.id, code=codes[0], gtin14=codes[0].zfill(14), pack_qty=1))
    item.barcodes.append(Barcode(store_id=home.id, code=codes[1], gtin14=codes[1], pack_qty=12))
    db.session.add(item)
    db.session.commit()
    for role in ROLES:
        create_user(NewUser(f"fuzz-{role}", PASSWORD, role, home.id))
    create_user(NewUser("fuzz-rival", PASSWORD, "manager", rival.id))
    return home.id, home.selling_location.id, codes


def _truncate() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(scope="module")
def live(_migrated) -> Iterator[LiveServer]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _migrated,
                      # the fuzz run logs in five users from one address; the throttle has its own test
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        store_id, location_id, codes = _seed()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        live = LiveServer(base, store_id, location_id, codes)
        live.identities.append(Identity("anonymous", requests.Session()))
        live.identities += [_login(base, f"fuzz-{role}") for role in ROLES]
        live.identities.append(_login(base, "fuzz-rival"))
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        for identity in live.identities:
            identity.session.close()
        with app.app_context():
            db.session.remove()
            _truncate()
            db.engine.dispose()
