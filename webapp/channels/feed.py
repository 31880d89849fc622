"""The level feed: store totals that moved, numbered per store in commit order.

The ledger tells ``LEVEL_LISTENERS`` which items' levels it moved; just before the outermost
commit, for a store that feeds a channel, the items whose store total differs from the last
one fed get a ``LevelChange``. The numbers are taken while the store's ``level_feed_heads``
row is locked, at the very end of the transaction, so a reader never sees number n+1
committed before n: ``since=<cursor>`` never skips a change.
"""

from __future__ import annotations

import logging

from flask_sqlalchemy.session import Session
from sqlalchemy import bindparam, event, func, select, update

from webapp.bulk_sql import insert_for
from webapp.channels.models import LevelChange, LevelFeedHead, SalesChannel
from webapp.extensions import db
from webapp.inventory import ledger
from webapp.inventory.models import StockLevel
from webapp.types import utcnow

log = logging.getLogger(__name__)

MOVED = "channels.moved_items"
FORCED = "channels.forced_items"


def touch(session, store_id: int, item_ids, *, force: bool = False) -> None:
    """Feed these items at the next commit; ``force``: even if the total did not move (a buffer did)."""
    key = FORCED if force else MOVED
    session.info.setdefault(key, {}).setdefault(store_id, set()).update(item_ids)


def _levels_settled(store_id: int, item_ids: set[int]) -> None:
    touch(db.session, store_id, item_ids)


if _levels_settled not in ledger.LEVEL_LISTENERS:
    ledger.LEVEL_LISTENERS.append(_levels_settled)


def store_totals(store_id: int, item_ids) -> dict[int, int]:
    ids = sorted(item_ids)
    totals = dict.fromkeys(ids, 0)
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        totals.update(
            db.session.execute(
                select(StockLevel.item_id, func.sum(StockLevel.quantity))
                .where(StockLevel.item_id.in_(part))
                .group_by(StockLevel.item_id)
            ).tuples().all()
        )
    return {k: int(v) for k, v in totals.items()}


def _last_fed(store_id: int, item_ids: list[int]) -> dict[int, int]:
    latest = (
        select(func.max(LevelChange.seq))
        .where(LevelChange.store_id == store_id, LevelChange.item_id.in_(item_ids))
        .group_by(LevelChange.item_id)
    )
    return dict(
        db.session.execute(
            select(LevelChange.item_id, LevelChange.level).where(
                LevelChange.store_id == store_id, LevelChange.seq.in_(latest)
            )
        ).tuples().all()
    )


def _fed_stores(store_ids) -> set[int]:
    return set(
        db.session.scalars(
            select(SalesChannel.store_id)
            .where(SalesChannel.store_id.in_(sorted(store_ids)), SalesChannel.active.is_(True))
            .distinct()
        )
    )


def record(moved: dict[int, set[int]], forced: dict[int, set[int]]) -> int:
    """Append the changes of these stores' items; returns how many were fed."""
    fed = _fed_stores(set(moved) | set(forced))
    count = 0
    heads = LevelFeedHead.__table__
    for store_id in sorted(fed):
        items = moved.get(store_id, set()) | forced.get(store_id, set())
        totals = store_totals(store_id, items)
        last = _last_fed(store_id, sorted(items))
        changed = sorted(
            i for i, level in totals.items() if i in forced.get(store_id, ()) or last.get(i) != level
        )
        if not changed:
            continue
        db.session.execute(insert_for(heads).values(store_id=store_id, seq=0).on_conflict_do_nothing())
        query = select(heads.c.seq).where(heads.c.store_id == store_id)
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        seq = db.session.execute(query).scalar_one()
        now = utcnow()
        rows = [
            {"store_id": store_id, "seq": seq + n, "item_id": i, "level": totals[i], "at": now}
            for n, i in enumerate(changed, start=1)
        ]
        db.session.execute(LevelChange.__table__.insert(), rows)
        db.session.execute(
            update(heads).where(heads.c.store_id == bindparam("s")).values(seq=bindparam("q")),
            [{"s": store_id, "q": seq + len(rows)}],
        )
        count += len(rows)
    return count


@event.listens_for(Session, "before_commit")
def _feed(session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    moved, forced = session.info.pop(MOVED, None), session.info.pop(FORCED, None)
    if not moved and not forced:
        return
    try:
        with session.begin_nested():
            record(moved or {}, forced or {})
    except Exception:
        log.exception("the level feed missed a change; `flask channels refeed` catches it up")


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(MOVED, None)
        session.info.pop(FORCED, None)
