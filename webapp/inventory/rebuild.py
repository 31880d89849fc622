"""Rebuild the materialised levels from the ledger: a repair, used by imports and benchmarks."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, func, or_, select, text

from webapp.extensions import db
from webapp.inventory.ledger import DELTAS, RESETS
from webapp.inventory.models import StockEvent, StockLevel
from webapp.types import UTCDateTime, utcnow


def rebuild_levels(store_id: int | None = None) -> int:
    """Recompute every materialised level from the ledger (repair, import, benchmarks).

    The merge rule in three set-based statements: the latest reset of each stream goes into
    a temporary table with an index (a derived table joined to a million events made
    SQLite scan it once per event), then the deltas after each stream's base are summed.
    """
    ranked = select(
        StockEvent.item_id, StockEvent.location_id, StockEvent.occurred_at, StockEvent.key,
        StockEvent.quantity,
        func.row_number().over(partition_by=(StockEvent.item_id, StockEvent.location_id),
                               order_by=(StockEvent.occurred_at.desc(), StockEvent.key.desc())).label("rn"),
    ).where(StockEvent.kind.in_(RESETS))
    if store_id is not None:
        ranked = ranked.where(StockEvent.store_id == store_id)
    ranked = ranked.subquery()
    bases = select(ranked.c.item_id, ranked.c.location_id, ranked.c.occurred_at, ranked.c.key,
                   ranked.c.quantity).where(ranked.c.rn == 1)
    bind = db.session.get_bind()
    db.session.execute(text("DROP TABLE IF EXISTS rebuild_bases"))
    db.session.execute(text("CREATE TEMPORARY TABLE rebuild_bases AS "
                            + str(bases.compile(bind, compile_kwargs={"literal_binds": True}))))
    db.session.execute(text("CREATE INDEX ix_rebuild_bases ON rebuild_bases (item_id, location_id)"))
    temp = Table("rebuild_bases", MetaData(), Column("item_id", Integer), Column("location_id", Integer),
                 Column("occurred_at", UTCDateTime), Column("key", String), Column("quantity", Integer))
    deltas = (
        select(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id,
               func.sum(StockEvent.quantity).label("total"))
        .outerjoin(temp, (temp.c.item_id == StockEvent.item_id)
                   & (temp.c.location_id == StockEvent.location_id))
        .where(StockEvent.kind.in_(DELTAS),
               or_(temp.c.occurred_at.is_(None), StockEvent.occurred_at > temp.c.occurred_at))
        .group_by(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id)
    )
    if store_id is not None:
        deltas = deltas.where(StockEvent.store_id == store_id)
    streams = select(StockEvent.item_id, StockEvent.location_id, StockEvent.store_id).distinct()
    if store_id is not None:
        streams = streams.where(StockEvent.store_id == store_id)
    found = {(r.item_id, r.location_id): [r.store_id, 0, None, None, 0] for r in db.session.execute(streams)}
    for r in db.session.execute(select(temp)):
        found[(r.item_id, r.location_id)][1:] = [r.quantity, r.occurred_at, r.key, r.quantity]
    for r in db.session.execute(deltas):
        found[(r.item_id, r.location_id)][1] += int(r.total)
    db.session.execute(text("DROP TABLE rebuild_bases"))
    delete = StockLevel.__table__.delete()
    if store_id is not None:
        delete = delete.where(StockLevel.store_id == store_id)
    db.session.execute(delete)
    now = utcnow()
    rows = [dict(item_id=i, location_id=loc, store_id=s, quantity=q, base_at=at, base_key=k,
                 base_quantity=bq, updated_at=now) for (i, loc), (s, q, at, k, bq) in found.items()]
    for chunk in range(0, len(rows), 5000):
        db.session.execute(StockLevel.__table__.insert(), rows[chunk:chunk + 5000])
    return len(rows)
