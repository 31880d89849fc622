"""The totals a counter sees on the phone, from the server's scans (the server is the truth).

Per item of a session: ``mine`` (this user's total over all their devices), ``here`` (this
user's total from the asking device, what a ``set`` from it replaces) and, for a manager,
``everyone`` (the session's total). The phone adds what still waits in its outbox.
The arithmetic is ``service.tally``'s: per (user, device, item), adds add up and a set replaces.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from webapp.catalog.models import Item
from webapp.counting.models import CountScan
from webapp.extensions import db


@dataclass
class LineTotals:
    item_id: int
    name: str
    mine: int = 0
    here: int = 0
    everyone: int = 0


def line_totals(session_id: str, user_id: int, device_id: str | None) -> dict[int, LineTotals]:
    own: dict[tuple[int, str | None, int], int] = defaultdict(int)
    for s in db.session.scalars(select(CountScan).where(CountScan.session_id == session_id)
                                .order_by(CountScan.occurred_at, CountScan.id)):
        key = (s.user_id, s.device_id, s.item_id)
        own[key] = s.quantity if s.mode == "set" else own[key] + s.quantity
    items = sorted({item_id for _u, _d, item_id in own})
    names = dict(db.session.execute(select(Item.id, Item.name).where(Item.id.in_(items))).tuples().all()) \
        if items else {}
    out: dict[int, LineTotals] = {}
    for (user, device, item_id), qty in own.items():
        line = out.setdefault(item_id, LineTotals(item_id, names.get(item_id, f"item {item_id}")))
        line.everyone += qty
        if user == user_id:
            line.mine += qty
            if device == device_id:
                line.here += qty
    return out
