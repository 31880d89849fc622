"""Stock edits made in Clover outside Shelfcount: noticed, shown to a manager, never overwritten silently.

Whenever we read Clover's quantity for an item (before a push, or when an ``I:`` webhook names
the item) we compare it with the last quantity we know Clover held (``CloverStockMark``: what
we wrote, or read and could explain) and the sales we have pulled since. Clover's number may
legitimately be

* the mark itself (the merchant's "update item count after each sale" switch is off);
* the mark less the units sold since (the switch is on);
* that, plus the units refunded since (Clover restocks refunds; the emulator can either way).

Anything else was moved by someone else: a stock edit in Clover's dashboard, another app, a
device's offline count. It is first ``suspect``, because a sale rung up after our last pull
explains it too; once a full pull still cannot explain it, it is ``pending`` and shown to a
manager as "changed in Clover". While a change is open the item is not pushed. The manager
accepts Clover's number as a count, or overwrites it with ours (the next push writes ours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from webapp.catalog.models import Item, Location
from webapp.clover.models import CloverStockChange, CloverStockMark
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.inventory.models import StockEvent, StockLevel
from webapp.quantity import from_clover, to_clover
from webapp.types import utcnow

TOLERANCE = 1e-6
OPEN = ("suspect", "pending")


@dataclass(frozen=True)
class Verdict:
    explained: bool
    expected: float | None


def mark(store_id: int, item_id: int, quantity: float, at: datetime | None = None) -> None:
    """Remember that Clover held ``quantity`` at ``at`` (we wrote it, or read and explained it)."""
    row = db.session.get(CloverStockMark, item_id)
    if row is None:
        db.session.add(CloverStockMark(item_id=item_id, store_id=store_id, quantity=quantity,
                                       seen_at=at or utcnow()))
    else:
        row.quantity, row.seen_at = quantity, at or utcnow()


def _baseline(item: Item) -> tuple[float, datetime] | None:
    row = db.session.get(CloverStockMark, item.id)
    if row is not None:
        return row.quantity, row.seen_at
    opening = db.session.execute(
        select(StockEvent.quantity, StockEvent.occurred_at).where(
            StockEvent.item_id == item.id, StockEvent.kind == "opening",
            StockEvent.key.like("clover:opening:%"))).first()
    if opening is None:
        return None
    return to_clover(opening.quantity, item.measure), opening.occurred_at


def _moved_since(item_id: int, since: datetime, column) -> tuple[int, int]:
    """Units sold and refunded through Clover after ``since`` (base units, both positive)."""
    rows = db.session.execute(
        select(StockEvent.kind, func.sum(StockEvent.quantity)).where(
            StockEvent.item_id == item_id, StockEvent.source == "clover", column > since,
            StockEvent.kind.in_(("sale", "refund"))).group_by(StockEvent.kind))
    found = dict(rows.tuples().all())
    return -int(found.get("sale") or 0), int(found.get("refund") or 0)


def judge(item: Item, clover_quantity: float | None) -> Verdict:
    """Is Clover's number explained by our mark and the sales we pulled since?"""
    base = _baseline(item)
    if base is None or clover_quantity is None:
        return Verdict(True, None)  # nothing known to compare with: the push sets the first mark
    quantity, at = base
    candidates = [quantity]
    expected = None
    # When the sale happened (a till's time) and when we pulled it: an offline sale reaches
    # Clover's count at reconnect, long after its own time; a sale rung just before our write
    # was erased by it although we pulled it after. One of the two windows explains either.
    for column in (StockEvent.occurred_at, StockEvent.recorded_at):
        sold, refunded = _moved_since(item.id, at, column)
        after_sales = quantity - to_clover(sold, item.measure)
        candidates += [after_sales, after_sales + to_clover(refunded, item.measure)]
        expected = after_sales if expected is None else expected
    explained = any(abs(clover_quantity - c) <= TOLERANCE for c in candidates)
    return Verdict(explained, expected)


def open_change(item_id: int) -> CloverStockChange | None:
    return db.session.scalars(select(CloverStockChange).where(
        CloverStockChange.item_id == item_id, CloverStockChange.status.in_(OPEN))
        .order_by(CloverStockChange.id.desc()).limit(1)).first()


def store_total(item_id: int) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(StockLevel.quantity), 0))
                                 .where(StockLevel.item_id == item_id)) or 0)


def observe(item: Item, clover_quantity: float | None, *, source: str, after_full_pull: bool) -> bool:
    """Judge one read of Clover's number; True when the item may be pushed now.

    Explained: the mark moves to what was read and any suspect change is dropped. Not
    explained: a suspect change is recorded, or promoted to pending when a full pull since the
    first sighting still cannot explain it. A pending change is only refreshed.
    """
    verdict = judge(item, clover_quantity)
    change = open_change(item.id)
    if verdict.explained:
        if change is not None and change.status == "suspect":
            db.session.delete(change)
            change = None
        if change is None and clover_quantity is not None:
            mark(item.store_id, item.id, clover_quantity)
        return change is None
    ours = store_total(item.id)
    if change is None:
        db.session.add(CloverStockChange(store_id=item.store_id, item_id=item.id, status="suspect",
                                         source=source, clover_quantity=clover_quantity,
                                         expected=verdict.expected, ours=ours))
    else:
        if change.status == "suspect" and after_full_pull and change.detected_at < utcnow():
            change.status = "pending"
        change.clover_quantity, change.expected, change.ours = clover_quantity, verdict.expected, ours
    return False


def pending_changes(store_id: int) -> list[tuple[CloverStockChange, Item]]:
    return list(db.session.execute(
        select(CloverStockChange, Item).join(Item, Item.id == CloverStockChange.item_id)
        .where(CloverStockChange.store_id == store_id, CloverStockChange.status == "pending")
        .order_by(CloverStockChange.detected_at)).tuples())


def _pending(store_id: int, change_id: int) -> tuple[CloverStockChange, Item]:
    found = db.session.execute(
        select(CloverStockChange, Item).join(Item, Item.id == CloverStockChange.item_id)
        .where(CloverStockChange.id == change_id, CloverStockChange.store_id == store_id)).first()
    if found is None:
        raise DomainError("not_found", "No such change in Clover for this store.", status=404)
    change, item = found
    if change.status != "pending":
        raise DomainError("already_resolved", "This change in Clover was already dealt with.", status=409)
    return change, item


def accept(store_id: int, change_id: int, user_id: int) -> CloverStockChange:
    """Take Clover's number as a count of the store total, at the moment it was seen.

    The store total is spread over locations; the count lands on the location holding most of
    the item (the sales floor when none does), the others keep their levels.
    """
    change, item = _pending(store_id, change_id)
    levels = dict(db.session.execute(select(StockLevel.location_id, StockLevel.quantity)
                                     .where(StockLevel.item_id == item.id)).tuples().all())
    if levels:
        where = max(levels, key=lambda loc: (levels[loc], -loc))
    else:
        where = db.session.scalars(select(Location.id).where(Location.store_id == store_id)
                                   .order_by(Location.id).limit(1)).first()
        if where is None:
            raise DomainError("no_location", "Add a location before accepting a change from Clover.")
    others = sum(q for loc, q in levels.items() if loc != where)
    counted = max(0, from_clover(change.clover_quantity, item.measure) - others)
    now = utcnow()
    ledger = Ledger(actor_user_id=user_id, source="clover")
    ledger.append(NewEvent(key=f"clover:edit:{change.id}", kind="count", store_id=store_id, item_id=item.id,
                           location_id=where, quantity=counted, occurred_at=now, source="clover",
                           actor_user_id=user_id, note="changed in Clover, accepted as a count"))
    ledger.settle()
    change.status, change.resolved_at, change.resolved_by = "accepted", now, user_id
    mark(store_id, item.id, change.clover_quantity, now)
    db.session.commit()
    return change


def overwrite(store_id: int, change_id: int, user_id: int) -> CloverStockChange:
    """Keep our level: the next push writes it over Clover's number."""
    change, item = _pending(store_id, change_id)
    now = utcnow()
    change.status, change.resolved_at, change.resolved_by = "overwritten", now, user_id
    mark(store_id, item.id, change.clover_quantity, now)
    db.session.commit()
    return change
