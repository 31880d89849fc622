"""Move stock between two locations of a store: one transfer_out and one transfer_in, same instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from webapp.catalog.models import Item, Location
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.transfers.models import Transfer


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


def _location(store_id: int, location_id: int, field: str) -> Location:
    location = db.session.get(Location, location_id)
    if location is None or location.store_id != store_id:
        raise NotFound("unknown_location", f"No location {location_id} in your store.", field)
    return location


def move(move: Move, ledger: Ledger) -> Transfer:
    item = db.session.get(Item, move.item_id)
    if item is None or item.store_id != move.store_id:
        raise NotFound("unknown_item", f"No item {move.item_id} in your store.", "item_id")
    source = _location(move.store_id, move.from_location_id, "from_location_id")
    target = _location(move.store_id, move.to_location_id, "to_location_id")
    if source.id == target.id:
        raise DomainError("same_location", "Choose two different locations.", "to_location_id")
    if move.quantity <= 0:
        raise DomainError("bad_quantity", "Say how many to move (at least 1).", "quantity")
    transfer = Transfer(store_id=move.store_id, event_id=move.event_id, item_id=item.id,
                        from_location_id=source.id, to_location_id=target.id, quantity=move.quantity,
                        occurred_at=move.occurred_at, moved_by=move.user_id)
    db.session.add(transfer)
    db.session.flush()
    common = dict(store_id=move.store_id, item_id=item.id, occurred_at=move.occurred_at, source="device",
                  actor_user_id=move.user_id, note=f"transfer {transfer.id}")
    ledger.append(NewEvent(key=f"transfer:{move.event_id}:out", kind="transfer_out",
                           location_id=source.id, quantity=-move.quantity, **common))
    ledger.append(NewEvent(key=f"transfer:{move.event_id}:in", kind="transfer_in",
                           location_id=target.id, quantity=move.quantity, **common))
    return transfer
