"""User accounts: creation, roles, deactivation, authentication."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth.models import ROLES, User
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
    db.session.commit()
    return user


def set_password(username: str, password: str) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            "weak_password", f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )
    user = get_by_username(username)
    user.password_hash = hash_password(password)
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
