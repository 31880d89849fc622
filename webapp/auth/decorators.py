"""Authorisation in small pieces: a role decorator and a store-scoped loader."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_login import current_user, login_required

from webapp.errors import Forbidden, NotFound
from webapp.loaders import load_in_store

F = TypeVar("F", bound=Callable[..., Any])


def role_required(role: str) -> Callable[[F], F]:
    """Allow `role` and every role above it (staff < receiver < manager < admin)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                raise Forbidden("forbidden", f"Only a {role} or above may do this.")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def get_in_store(model: type, object_id: int, *, what: str | None = None):
    """Load a row that belongs to the current user's store, or 404.

    Another store's row answers 404, not 403, so ids of other stores cannot be probed.
    """
    label = what or model.__name__.lower()
    return load_in_store(model, object_id, current_user.store_id,
                         NotFound("not_found", f"No {label} {object_id} in your store."))
