"""Rows of one store: the one place that decides whether a row belongs to the caller's store.

Every capability scopes what it loads to a store. A row of another store must read exactly as
a missing row does (the same error), so ids of other stores cannot be probed. Callers pass the
error to raise, because each route keeps its own code, message, field and status.
"""

from __future__ import annotations

from typing import Any, TypeVar

from webapp.errors import DomainError
from webapp.extensions import db

T = TypeVar("T")


def in_store(obj: Any, store_id: int | None) -> bool:
    """True when ``obj`` exists and belongs to store ``store_id``."""
    return obj is not None and getattr(obj, "store_id", None) == store_id


def require_in_store(obj: T | None, store_id: int | None, error: DomainError) -> T:
    """``obj`` if it belongs to the store; ``error`` if it is missing or another store's."""
    if not in_store(obj, store_id):
        raise error
    return obj


def load_in_store(model: type[T], object_id: Any, store_id: int | None, error: DomainError,
                  **options: Any) -> T:
    """Load ``model`` ``object_id`` (``options`` go to ``Session.get``, e.g. ``with_for_update``),
    or raise ``error`` when there is none in the store."""
    return require_in_store(db.session.get(model, object_id, **options), store_id, error)
