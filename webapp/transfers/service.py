"""Move stock between two locations of a store: one transfer_out and one transfer_in, same instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select

from webapp.bulk_sql import insert_many_ignoring
from webapp.catalog.models import Item, Location
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.loaders import in_store
from webapp.types import utcnow


@dataclass(frozen=True)
class Move:
    event_id: str
    store_id: int
    user_id: int
    item_id: int
    from_location_id: int
    to_location_id: int
    quantity: int
    occurred_at: datetime


def move(move: Move, ledger: Ledger) -> None:
    """One transfer, by ``move_many``'s rules; its ledger pair is written at once (the caller's
    savepoint then covers it)."""
    errors = move_many([move], ledger)
    if errors:
        raise errors[0]
    ledger.flush()


def move_many(moves: list[Move], ledger: Ledger) -> dict[int, DomainError]:
    """``move`` for a run of transfers from one store: all checked first (by ``move``'s rules, in
    its order), the good ones written in one statement and their ledger pairs staged. Returns
    the errors by position in ``moves``."""
    if not moves:
        return {}
    store_id = moves[0].store_id
    item_ids = sorted({m.item_id for m in moves})
    location_ids = sorted({m.from_location_id for m in moves} | {m.to_location_id for m in moves})
    # Which of them are the store's: one query for both (a round trip fewer per sync batch).
    known = db.session.execute(
        select(literal("item"), Item.id).where(Item.store_id == store_id, Item.id.in_(item_ids))
        .union_all(select(literal("place"), Location.id).where(Location.store_id == store_id,
                                                                Location.id.in_(location_ids)))).all()
    items = {i for what, i in known if what == "item"}
    places = {i for what, i in known if what == "place"}
    errors: dict[int, DomainError] = {}
    good: list[Move] = []
    for index, m in enumerate(moves):
        if not in_store(m, store_id) or m.item_id not in items:
            errors[index] = NotFound("unknown_item", f"No item {m.item_id} in your store.", "item_id")
        elif m.from_location_id not in places:
            errors[index] = NotFound("unknown_location", f"No location {m.from_location_id} in your store.",
                                     "from_location_id")
        elif m.to_location_id not in places:
            errors[index] = NotFound("unknown_location", f"No location {m.to_location_id} in your store.",
                                     "to_location_id")
        elif m.from_location_id == m.to_location_id:
            errors[index] = DomainError("same_location", "Choose two different locations.", "to_location_id")
        elif m.quantity <= 0:
            errors[index] = DomainError("bad_quantity", "Say how many to move (at least 1).", "quantity")
        else:
            good.append(m)
    now = utcnow()
    rows = [dict(store_id=m.store_id, event_id=m.event_id, item_id=m.item_id,
                 from_location_id=m.from_location_id, to_location_id=m.to_location_id, quantity=m.quantity,
                 occurred_at=m.occurred_at, moved_by=m.user_id, created_at=now) for m in good]
    made = dict(insert_many_ignoring("transfers", tuple(rows[0]) if rows else (), ("event_id",), rows,
                                     returning=("event_id", "id")))
    for m in good:
        if m.event_id not in made:
            continue  # recorded before under this event id: its ledger pair is in already
        common = dict(store_id=m.store_id, item_id=m.item_id, occurred_at=m.occurred_at, source="device",
                      actor_user_id=m.user_id, note=f"transfer {made[m.event_id]}")
        ledger.stage(NewEvent(key=f"transfer:{m.event_id}:out", kind="transfer_out",
                              location_id=m.from_location_id, quantity=-m.quantity, **common))
        ledger.stage(NewEvent(key=f"transfer:{m.event_id}:in", kind="transfer_in",
                              location_id=m.to_location_id, quantity=m.quantity, **common))
    return errors
