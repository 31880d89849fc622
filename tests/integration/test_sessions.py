"""Sessions kept on the server: a cookie only logs in while its login's row lives, so a logout,
a new password or a deactivation ends it for good, on every copy of the cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from webapp.auth import service
from webapp.auth.models import UserSession
from webapp.types import utcnow


def _rows(db, user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def _logged_in(client) -> bool:
    response = client.get("/count")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def _login(app, user, *, remember: bool = False, password: str = "correct horse"):
    client = app.test_client()
    form = {"username": user.username, "password": password}
    if remember:
        form["remember"] = "1"
    assert client.post_form("/login", form).status_code == 302
    client._token = None
    return client


def test_a_cookie_copied_before_logout_is_refused_after_it(app, login_as):
    # A stolen copy, or a page the service worker was refreshing as the user tapped "Log out"
    # (its request left with the cookie before the logout and is answered after it).
    phone = login_as("staff")
    phone.get("/")
    before = phone.get_cookie("session").value
    assert phone.post_form("/logout").status_code == 302

    stolen = app.test_client()
    stolen.set_cookie("session", before)
    page = stolen.get("/count")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    # ...and the answer gives the browser no logged-in cookie to put back
    assert not any(c.startswith("session=") for c in page.headers.getlist("Set-Cookie"))
    assert phone.get("/count").status_code == 302  # the phone stays logged out
    api = stolen.get("/api/v1/catalog", headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert api.get_json()["error"]["code"] == "login_required"


def test_the_remember_cookie_alone_logs_in_until_the_logout(app, db, make_user):
    user = make_user("staff")
    phone = _login(app, user, remember=True)
    remember = phone.get_cookie("remember_token")
    assert remember is not None

    browser_restarted = app.test_client()  # the session cookie is gone, the remember cookie stays
    browser_restarted.set_cookie("remember_token", remember.value)
    assert _logged_in(browser_restarted)

    logout = phone.post_form("/logout")
    assert logout.status_code == 302
    assert phone.get_cookie("remember_token") is None  # the browser is told to forget it too
    copy = app.test_client()
    copy.set_cookie("remember_token", remember.value)
    assert not _logged_in(copy)
    assert _rows(db, user) == []


def test_keep_me_logged_in_decides_how_long_the_session_row_lives(app, db, make_user):
    user = make_user("staff")
    _login(app, user)
    _login(app, user, remember=True)
    lives = sorted(row.expires_at - utcnow() for row in _rows(db, user))
    assert timedelta(days=13) < lives[0] <= timedelta(days=14)
    assert timedelta(days=89) < lives[1] <= timedelta(days=90)


def test_a_session_in_use_moves_its_rows_expiry_on_with_the_cookie(app, db, make_user):
    user = make_user("staff")
    phone = _login(app, user)
    phone.get("/")
    row = _rows(db, user)[0]
    row.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    with phone.session_transaction() as session:
        session["slid_on"] = "2026-01-01"
    assert _logged_in(phone)
    assert _rows(db, user)[0].expires_at - utcnow() > timedelta(days=13)


def test_logging_out_on_one_device_leaves_the_other_logged_in(app, make_user):
    user = make_user("staff")
    phone, tablet = _login(app, user), _login(app, user)
    assert phone.post_form("/logout").status_code == 302
    assert not _logged_in(phone)
    assert _logged_in(tablet)


@pytest.mark.parametrize("change", ["new password", "deactivation"])
def test_a_new_password_or_a_deactivation_logs_out_every_device(app, db, make_user, change):
    user = make_user("staff")
    phone, tablet = _login(app, user), _login(app, user, remember=True)
    assert _logged_in(phone) and _logged_in(tablet)
    if change == "new password":
        service.set_password(user.username, "a brand new secret")
    else:
        service.set_active(user.username, False)
        service.set_active(user.username, True)  # coming back does not bring the old sessions back
    assert not _logged_in(phone)
    assert not _logged_in(tablet)
    assert _rows(db, user) == []


def test_logout_everywhere_from_the_shell(app, db, make_user):
    user = make_user("staff")
    phone, tablet = _login(app, user), _login(app, user)
    result = app.test_cli_runner().invoke(args=["users", "logout-everywhere", user.username])
    assert result.exit_code == 0, result.output
    assert "2 session(s) ended" in result.output
    assert not _logged_in(phone) and not _logged_in(tablet)


def test_a_cookie_from_before_server_side_sessions_logs_in_no_more(app, make_user):
    user = make_user("staff")
    old = app.test_client()
    with old.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not _logged_in(old)


def test_an_expired_session_row_refuses_its_cookie(app, db, make_user):
    user = make_user("staff")
    phone = _login(app, user)
    assert _logged_in(phone)
    row = _rows(db, user)[0]
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with phone.session_transaction() as session:
        session["slid_on"] = "2026-01-01"  # the daily renewal must not revive it either
    assert not _logged_in(phone)
    assert _rows(db, user)[0].expires_at < utcnow()


def test_the_prune_step_deletes_expired_sessions_only(app, db, make_user):
    from webapp.jobs.service import STEPS, run_cycle

    user = make_user("staff")
    for _ in range(3):
        _login(app, user)
    rows = _rows(db, user)
    rows[0].expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    kept = {row.id for row in rows[1:]}

    [result] = run_cycle([step for step in STEPS if step[0] == "sessions prune"])
    assert result.ok and result.summary == "1 expired session(s) removed"
    assert {row.id for row in _rows(db, user)} == kept


def test_loading_the_user_and_session_is_one_query(app, db, login_as):
    phone = login_as("staff")
    assert phone.get("/pwa/session").status_code == 200  # the day's renewal is done
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = phone.get("/pwa/session")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200 and response.get_json()["username"] == phone.user.username
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, statements
    assert "user_sessions" in selects[0] and "users" in selects[0]
