"""How request bodies are read as JSON: bounded, so a hostile body is a 400, never a 500.

Every ``request.get_json()`` goes through the app's JSON provider, so the bounds hold for
every route at once, the anonymous Clover webhook included. Python's parser recurses once
per level of nesting: a body of a thousand ``[`` raised RecursionError, a 500 with a full
traceback in the log. No body we accept nests more than a few levels (a sync batch is
object -> events -> event -> field), so anything deeper than ``MAX_DEPTH`` is refused before
a view sees it. ``NaN`` and ``Infinity`` are not JSON (RFC 8259) and no browser's
``JSON.stringify`` writes them; Python's parser accepts them, so they are refused here too.
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider

from webapp.errors import DomainError

MAX_DEPTH = 32


def _refuse_constant(name: str):
    raise DomainError("bad_json", f"{name} is not a JSON number; send a finite number.")


def _too_deep() -> DomainError:
    return DomainError("bad_json", f"The JSON body is nested more than {MAX_DEPTH} levels deep.")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` containers deep (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise _too_deep() from None
        if _deeper_than(value, MAX_DEPTH):
            raise _too_deep()
        return value
