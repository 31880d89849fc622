"""User accounts: creation, roles, deactivation, authentication, login sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth.models import ROLES, User, UserSession
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.types import utcnow

MIN_PASSWORD_LENGTH = 8
# Compared against when the username is unknown, so both paths cost one hash check and
# response timing does not reveal which usernames exist.
_DUMMY_HASH = "pbkdf2:sha256:1000$x$" + "0" * 64


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str
    role: str
    store_id: int
    display_name: str = ""
    email: str | None = None
    allow_short_password: bool = False


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise DomainError("bad_role", f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", "role")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_user(new: NewUser) -> User:
    username = new.username.strip().lower()
    if not username or len(username) > 80:
        raise DomainError("bad_username", "A username is 1 to 80 characters.", "username")
    _check_role(new.role)
    if len(new.password) < MIN_PASSWORD_LENGTH and not new.allow_short_password:
        raise DomainError(
            "weak_password", f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("username_taken", f"The username {username!r} is taken.", "username")
    user = User(
        username=username,
        password_hash=hash_password(new.password),
        role=new.role,
        store_id=new.store_id,
        display_name=new.display_name,
        email=new.email,
    )
    db.session.add(user)
    db.session.commit()
    return user


def get_by_username(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound("no_such_user", f"No user is called {username!r}.", "username")
    return user


def set_role(username: str, role: str) -> User:
    _check_role(role)
    user = get_by_username(username)
    user.role = role
    db.session.commit()
    return user


def set_active(username: str, active: bool) -> User:
    user = get_by_username(username)
    user.active = active
    if not active:
        _end_all_sessions(user.id)
    db.session.commit()
    return user


def set_password(username: str, password: str) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            "weak_password", f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )
    user = get_by_username(username)
    user.password_hash = hash_password(password)
    _end_all_sessions(user.id)  # whoever knew the old password is logged out on every device
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user when the credentials are right and the account is active, else None."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


# ----- login sessions: one row per logged-in device ----------------------------------------


def session_lifetime(remember: bool) -> timedelta:
    """How long a login lasts: REMEMBER_LIFETIME_SECONDS with "Keep me logged in", else
    SESSION_LIFETIME_SECONDS (renewed by use, see touch_session)."""
    key = "REMEMBER_LIFETIME_SECONDS" if remember else "PERMANENT_SESSION_LIFETIME"
    value = current_app.config[key]
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def start_session(user: User, *, remember: bool, user_agent: str | None = None) -> UserSession:
    """A new login session for `user`; afterwards user.get_id() names it."""
    now = utcnow()
    row = UserSession(id=secrets.token_urlsafe(32), user_id=user.id, created_at=now,
                      expires_at=now + session_lifetime(remember),
                      user_agent=(user_agent or "")[:200] or None)
    db.session.add(row)
    db.session.commit()
    user.login_session_id = row.id
    return row


def load_session_user(user_id: int, session_id: str) -> User | None:
    """The active user whose unexpired session this is, in one query; else None."""
    user = db.session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.id == session_id, UserSession.expires_at > utcnow(),
               User.active.is_(True))
    )
    if user is not None:
        user.login_session_id = session_id
    return user


def touch_session(session_id: str, lifetime: timedelta) -> None:
    """Move a live session's expiry on as it is used (never shortens a remembered one, never
    revives an expired one)."""
    now = utcnow()
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.expires_at > now,
               UserSession.expires_at < now + lifetime)
        .values(expires_at=now + lifetime)
    )
    db.session.commit()


def end_session(session_id: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.id == session_id))
    db.session.commit()


def _end_all_sessions(user_id: int) -> int:
    return db.session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount


def logout_everywhere(username: str) -> int:
    """End every login session of the user; returns how many there were."""
    user = get_by_username(username)
    ended = _end_all_sessions(user.id)
    db.session.commit()
    return ended


def prune_sessions(now: datetime | None = None) -> int:
    """Delete expired login sessions; returns how many."""
    ended = db.session.execute(
        delete(UserSession).where(UserSession.expires_at <= (now or utcnow()))).rowcount
    db.session.commit()
    return ended
