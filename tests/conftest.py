"""The fixture ladder: database_url -> app -> db -> client -> login_as(role).

The schema comes from the real migrations (so every run also proves them), once per
session, in a private database: SQLite in a temporary folder by default, or a fresh
PostgreSQL database created beside TEST_DATABASE_URL's, so concurrent runs never collide.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from webapp import create_app
from webapp.config import database_url as normalise_url
from webapp.extensions import db as _db
from webapp.extensions import limiter


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'shelfcount-test.db'}"
        return
    base = make_url(normalise_url(raw))
    name = f"shelfcount_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated(database_url) -> str:
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return database_url


@pytest.fixture
def app_config() -> dict:
    """Override in a module or class to configure the app under test."""
    return {}


class ShelfClient(FlaskClient):
    """A test client that behaves like our pages: it fetches and sends the CSRF token."""

    _token: str | None = None

    def open(self, *args, **kwargs):
        """Serve each request in its own app context, as production does.

        The test holds an app context for its factories; a request would otherwise reuse it,
        and with it `g` and the database session, hiding bugs that only show between requests.
        """
        _db.session.commit()  # the request sees the test's set-up, as another connection would
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        if self._token is None:
            page = self.get("/login", follow_redirects=True).get_data(as_text=True)
            match = re.search(r'name="csrf-token" content="([^"]+)"', page)
            assert match, "no CSRF token on the login page"
            self._token = match.group(1)
        return self._token

    def post_json(self, url: str, payload, **kwargs):
        headers = {"X-CSRFToken": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.post(url, json=payload, headers=headers, **kwargs)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def app(_migrated, app_config):
    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _migrated, **app_config})
    application.test_client_class = ShelfClient
    if limiter.enabled:
        limiter.reset()  # counts from earlier tests must not throttle this one
    with application.app_context():
        yield application
        _db.session.remove()
        _truncate_all()
        _db.engine.dispose()


def _truncate_all() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if _db.engine.dialect.name == "postgresql":
            # TRUNCATE ... CASCADE cost about 80 ms a test whatever the tables held. Most tests
            # fill a handful of the tables with a few rows: one query finds which hold rows,
            # those are emptied children first, and every id sequence that moved starts again
            # at 1 (as RESTART IDENTITY did).
            probe = " UNION ALL ".join(f"""(SELECT '{t}' FROM "{t}" LIMIT 1)""" for t in tables)
            used = {row[0] for row in conn.execute(text(probe))}
            for table in tables:
                if table in used:
                    conn.execute(text(f'DELETE FROM "{table}"'))
            for (sequence,) in conn.execute(text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences"
                    " WHERE schemaname = current_schema() AND last_value IS NOT NULL")):
                conn.execute(text("SELECT setval(CAST(:s AS regclass), 1, false)"), {"s": sequence})
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app) -> ShelfClient:
    return app.test_client()


# ----- factories -------------------------------------------------------------------------


@pytest.fixture
def make_store(db):
    from webapp.catalog.models import Location, Store

    def make(name: str = "Corner Market", **fields):
        store = Store(name=name, **fields)
        db.session.add(store)
        db.session.flush()
        db.session.add_all(
            [
                Location(store_id=store.id, name="Sales floor", kind="floor", is_selling=True),
                Location(store_id=store.id, name="Back room", kind="backroom"),
            ]
        )
        db.session.commit()
        return store

    return make


@pytest.fixture
def store(make_store):
    return make_store()


@pytest.fixture
def make_location(db, store):
    from webapp.catalog.models import Location

    def make(name: str = "Bay 1", *, store_id: int | None = None, **fields):
        loc = Location(store_id=store_id or store.id, name=name, **fields)
        db.session.add(loc)
        db.session.commit()
        return loc

    return make


def _check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


@pytest.fixture
def make_item(db, store):
    """make_item("Oat Milk", cost_cents=310) -> an item with one valid EAN-13 barcode.

    `barcodes=[("0036000291452", 1), ("10036000291459", 12)]` gives explicit codes and packs.
    """
    from webapp.catalog.models import Barcode, Item

    counter = iter(range(1, 100_000))

    def make(name: str | None = None, *, barcodes=None, store_id: int | None = None, **fields):
        n = next(counter)
        sid = store_id or store.id
        item = Item(store_id=sid, name=name or f"Item {n}", **fields)
        if barcodes is None:
            body = f"20{sid:04d}{n:06d}"
            barcodes = [(body + _check_digit(body), 1)]
        for code, pack in barcodes:
            gtin14 = code.zfill(14) if code.isdigit() and len(code) in (8, 12, 13, 14) else None
            item.barcodes.append(Barcode(store_id=sid, code=code, gtin14=gtin14, pack_qty=pack))
        db.session.add(item)
        db.session.commit()
        return item

    return make


@pytest.fixture
def make_user(db, store):
    from webapp.auth.service import NewUser, create_user

    counter = iter(range(1, 10_000))

    def make(role: str = "staff", *, username: str | None = None, password: str = "correct horse",
             store_id: int | None = None):
        name = username or f"{role}{next(counter)}"
        return create_user(NewUser(name, password, role, store_id or store.id))

    return make


@pytest.fixture
def login_as(app, make_user):
    """login_as("manager") -> a client logged in through the real login form as a new manager."""

    def login(role: str = "staff", *, user=None, password: str = "correct horse") -> ShelfClient:
        user = user or make_user(role, password=password)
        client = app.test_client()
        response = client.post_form("/login", {"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        client._token = None  # login starts a new session, and with it a new CSRF token
        client.user = user
        return client

    return login


@pytest.fixture
def staff(login_as):
    return login_as("staff")


@pytest.fixture
def receiver(login_as):
    return login_as("receiver")


@pytest.fixture
def manager(login_as):
    return login_as("manager")


@pytest.fixture
def other_store_manager(make_store, make_user):
    """A hostile user: a manager, but of another store."""
    other = make_store("Rival Grocers")
    return make_user("manager", store_id=other.id, username="rival")


def pytest_sessionfinish(session, exitstatus):
    """In CI (CI_REQUIRE_ALL=1) every system dependency is installed, so a skip is a failure."""
    if not os.environ.get("CI_REQUIRE_ALL"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = [
        report
        for report in (reporter.stats.get("skipped", []) if reporter else [])
        # PostgreSQL-only tests skip on the SQLite pass and run on the PostgreSQL pass.
        if not (os.environ.get("POSTGRES_PASS_FOLLOWS") and "TEST_DATABASE_URL" in str(report.longrepr))
    ]
    if skipped:
        reporter.write_line(f"CI_REQUIRE_ALL: {len(skipped)} skipped; CI must run everything:", red=True)
        for report in skipped[:20]:
            reporter.write_line(f"  {report.nodeid}: {report.longrepr[-1] if report.longrepr else ''}")
        session.exitstatus = 1
