"""Flag damage and shrink, and decide the flags that wait for a manager.

A flag worth more than the store's ``damage_approval_cents`` waits, as a count variance
does; anything else writes its damage event at once. Either way the event is placed at the
time of the flag, not of the decision: the goods left sellable stock when they were found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.catalog.models import Item, Location, Store
from webapp.damage.models import DamageRecord
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.loaders import load_in_store
from webapp.photos.models import Photo
from webapp.photos.service import photos_by_client_ids, photos_in_store
from webapp.quantity import value_cents
from webapp.types import utcnow


def check_reason(store: Store, reason: str | None) -> str:
    reasons = store.damage_reason_list
    if not reason or reason.strip() not in reasons:
        raise DomainError("bad_reason", f"Choose a reason: {', '.join(reasons)}.", "reason")
    return reason.strip()


@dataclass(frozen=True)
class Flag:
    event_id: str
    store_id: int
    user_id: int
    item_id: int
    location_id: int
    quantity: int
    reason: str
    occurred_at: datetime
    note: str = ""
    photo_ids: tuple[int, ...] = ()
    photo_client_ids: tuple[str, ...] = ()


def flag_photos(store_id: int, photo_ids, photo_client_ids) -> list[Photo]:
    """A flag's photos: those uploaded before it (by id, all must exist), and those the phone
    queued offline (by its own ids) that have arrived; the others attach when they arrive."""
    photos = photos_in_store(store_id, photo_ids)
    for photo in photos_by_client_ids(store_id, photo_client_ids):
        if photo not in photos:
            photos.append(photo)
    return photos


def attach_photo(store_id: int, user_id: int, event_id: str, photo: Photo) -> bool:
    """Attach a photo that arrived after its flag or arrival mark; False if that has not arrived.

    Only the person who flagged may add photos to the flag. Attaching twice changes nothing.
    """
    record = db.session.scalar(select(DamageRecord).where(DamageRecord.event_id == event_id,
                                                          DamageRecord.store_id == store_id))
    if record is None:
        return False
    if record.flagged_by != user_id:
        raise DomainError("not_your_flag", "Only the person who flagged this damage can add photos to it.",
                          "event_id", status=403)
    if photo not in record.photos:
        record.photos.append(photo)
        db.session.commit()
    return True


def _event(record: DamageRecord, actor: int) -> NewEvent:
    return NewEvent(key=record.ledger_key, kind="damage", store_id=record.store_id, item_id=record.item_id,
                    location_id=record.location_id, quantity=-record.quantity, occurred_at=record.occurred_at,
                    source="device", actor_user_id=actor, note=record.reason)


def flag(flag: Flag, ledger: Ledger) -> DamageRecord:
    """Record a flag in the caller's transaction; applied now, or pending above the threshold."""
    store = db.session.get(Store, flag.store_id)
    item = load_in_store(Item, flag.item_id, store.id,
                         NotFound("unknown_item", f"No item {flag.item_id} in your store.", "item_id"))
    location = load_in_store(Location, flag.location_id, store.id,
                             NotFound("unknown_location", "No such location in your store.", "location_id"))
    if flag.quantity <= 0:
        raise DomainError("bad_quantity", "Say how many are damaged (at least 1).", "quantity")
    value = value_cents(flag.quantity, item.cost_cents, item.measure)
    record = DamageRecord(
        store_id=store.id, event_id=flag.event_id, item_id=item.id, location_id=location.id,
        quantity=flag.quantity, reason=check_reason(store, flag.reason), note=(flag.note or "")[:500],
        value_cents=value, status="pending" if value > store.damage_approval_cents else "applied",
        occurred_at=flag.occurred_at, flagged_by=flag.user_id,
        photos=flag_photos(store.id, flag.photo_ids, flag.photo_client_ids),
    )
    db.session.add(record)
    db.session.flush()
    if record.status == "applied":
        ledger.append(_event(record, flag.user_id))
    return record


def flag_many(flags: list[Flag], ledger: Ledger) -> dict[int, DomainError]:
    """``flag`` for a run of one store's flags (a sync batch's): each checked by ``flag``'s rules
    in its order, the items and locations read at once, the records written in one statement and
    the damage below the threshold staged. Returns the errors by position in ``flags``."""
    if not flags:
        return {}
    store = db.session.get(Store, flags[0].store_id)
    items = {i.id: i for i in db.session.scalars(select(Item).where(
        Item.store_id == store.id, Item.id.in_(sorted({f.item_id for f in flags}))))}
    places = set(db.session.scalars(select(Location.id).where(
        Location.store_id == store.id, Location.id.in_(sorted({f.location_id for f in flags})))))
    errors: dict[int, DomainError] = {}
    records: list[DamageRecord] = []
    for index, f in enumerate(flags):
        try:
            item = items.get(f.item_id) if f.store_id == store.id else None
            if item is None:
                raise NotFound("unknown_item", f"No item {f.item_id} in your store.", "item_id")
            if f.location_id not in places:
                raise NotFound("unknown_location", "No such location in your store.", "location_id")
            if f.quantity <= 0:
                raise DomainError("bad_quantity", "Say how many are damaged (at least 1).", "quantity")
            value = value_cents(f.quantity, item.cost_cents, item.measure)
            records.append(DamageRecord(
                store_id=store.id, event_id=f.event_id, item_id=item.id, location_id=f.location_id,
                quantity=f.quantity, reason=check_reason(store, f.reason), note=(f.note or "")[:500],
                value_cents=value, status="pending" if value > store.damage_approval_cents else "applied",
                occurred_at=f.occurred_at, flagged_by=f.user_id,
                photos=flag_photos(store.id, f.photo_ids, f.photo_client_ids)))
        except DomainError as err:
            errors[index] = err
    db.session.add_all(records)
    db.session.flush()
    for record in records:
        if record.status == "applied":
            ledger.stage(_event(record, record.flagged_by))
    return errors


def flag_now(flag_input: Flag) -> DamageRecord:
    """One flag in its own transaction (the page's form, the CLI)."""
    ledger = Ledger(actor_user_id=flag_input.user_id, source="web")
    record = flag(flag_input, ledger)
    ledger.settle()
    db.session.commit()
    return record


def pending(store_id: int) -> list[DamageRecord]:
    """What the manager's queue shows, oldest first. The approvals page may call this too."""
    return list(db.session.scalars(
        select(DamageRecord).where(DamageRecord.store_id == store_id, DamageRecord.status == "pending")
        .order_by(DamageRecord.occurred_at, DamageRecord.id)))


def recent(store_id: int, limit: int = 50) -> list[DamageRecord]:
    return list(db.session.scalars(
        select(DamageRecord).where(DamageRecord.store_id == store_id)
        .order_by(DamageRecord.occurred_at.desc(), DamageRecord.id.desc()).limit(limit)))


def get_record(store_id: int, record_id: int) -> DamageRecord:
    return load_in_store(DamageRecord, record_id, store_id,
                         NotFound("not_found", f"No damage flag {record_id} in your store."))


def decide(store_id: int, record_id: int, manager_id: int, *, approve: bool, note: str = "") -> DamageRecord:
    record = get_record(store_id, record_id)
    if record.status != "pending":
        raise Conflict("already_decided", f"This flag was already {record.status}.")
    record.status = "applied" if approve else "rejected"
    record.decided_by, record.decided_at, record.decision_note = manager_id, utcnow(), note[:500]
    if approve:
        ledger = Ledger(actor_user_id=manager_id, source="web")
        ledger.append(_event(record, record.flagged_by))
        ledger.settle()
    db.session.commit()
    return record
