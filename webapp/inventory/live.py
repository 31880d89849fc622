"""Pages that show levels update live by polling with an ETag (static/js/live.js).

A page's version is a hash of cheap facts that move whenever what it shows may have moved: the
store's newest ledger row and level change, plus whatever the page adds. The poll answers 304
without rendering when nothing moved; otherwise the page is rendered again and the script
swaps its live regions in place, so a sale on the till shows without a reload. Polling, not
server-sent events: a held-open stream would pin one worker per open page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Response, make_response, request
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.inventory.models import StockEvent, StockLevel


def store_facts(store_id: int) -> tuple:
    newest_event = db.session.scalar(select(func.max(StockEvent.id)).where(StockEvent.store_id == store_id))
    newest_level = db.session.scalar(select(func.max(StockLevel.updated_at))
                                     .where(StockLevel.store_id == store_id))
    return newest_event, newest_level


def etag(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def conditional(version: str, render: Callable[[str], str]) -> Response:
    """304 when the poll already has ``version``; else the page, rendered with it, and its ETag."""
    if request.if_none_match.contains(version):
        response = Response(status=304)
    else:
        response = make_response(render(version))
    response.set_etag(version)
    # Always revalidated: a page from the browser's cache would show levels from then.
    response.headers["Cache-Control"] = "no-cache, private"
    return response
