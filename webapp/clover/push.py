"""Push Shelfcount's levels to Clover's item_stocks: read what Clover holds, write only differences.

What is pushed: the STORE TOTAL of an item over all its locations. Clover keeps one quantity
per item for the whole merchant (clover-api.md 4.3), and it means "how many does the store
have" (it drives ``available`` and online stock), so the back room counts too. Weighed items
go in their unit (thousandths / 1000).

Why this converges although Clover may decrement on its own at each sale (the merchant's
"update item count after each sale" switch, 7.1): a sync cycle pulls orders FIRST, so our
levels include every sale Clover has shown us, and only then reads item_stocks and writes
each item whose value differs. A sale rung up between our read and our write is erased from
Clover's count for a moment; the next cycle pulls that sale, our level drops, and the push
corrects Clover. Once sales stop, one cycle leaves Clover equal to our level for every item.
Each write is logged with the value Clover held before it (``CloverPush``).

Before a write, what Clover holds is judged against the last number we know it held and the
sales pulled since (drift.py). A number nothing explains (a stock edit made in Clover, or a
sale not pulled yet) is not overwritten: the item is held and, if a full pull still cannot
explain it, shown to a manager. ``push_levels`` reads every item_stock (the periodic cycle);
``push_items`` reads only the items whose levels just moved (real time, realtime.py).

Writes are absolute sets, so retrying one is harmless. There is no bulk stock write: N
changed items cost N POSTs, at most 16 a second, so a full push of 5,000 items takes over five
minutes; reading all item_stocks first keeps the common case (a handful changed) cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import func, select

from webapp.catalog.models import Item
from webapp.clover import drift
from webapp.clover.client import CloverClient, CloverError, CloverNotFound
from webapp.clover.models import CloverConnection, CloverPush
from webapp.extensions import db
from webapp.inventory.models import StockLevel
from webapp.quantity import to_clover
from webapp.types import utcnow

log = logging.getLogger(__name__)

TOLERANCE = 1e-6
CHUNK = 100


@dataclass
class PushResult:
    compared: int = 0
    pushed: int = 0
    failed: int = 0
    held: int = 0  # Clover's number moved by something else: waiting for a manager (drift.py)


def our_levels(store_id: int, item_ids: set[int] | None = None) -> dict[str, tuple[int, float]]:
    """clover item id -> (local item id, store total in Clover's units), for items we hold a level of."""
    query = (select(Item.clover_id, Item.id, Item.measure, func.sum(StockLevel.quantity).label("total"))
             .join(StockLevel, StockLevel.item_id == Item.id)
             .where(Item.store_id == store_id, Item.clover_id.is_not(None)))
    if item_ids is not None:
        query = query.where(Item.id.in_(sorted(item_ids)))
    rows = db.session.execute(query.group_by(Item.clover_id, Item.id, Item.measure))
    return {r.clover_id: (r.id, to_clover(int(r.total), r.measure)) for r in rows}


def clover_levels(client: CloverClient) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for record in client.paginate("item_stocks"):
        item_id = (record.get("item") or {}).get("id")
        if item_id:
            quantity = record.get("quantity")
            found[item_id] = None if quantity is None else float(quantity)
    return found


Job = tuple[str, int, float, float | None]  # clover id, item id, our quantity, what Clover held


def _write(client: CloverClient, connection: CloverConnection, wanted: list[Job], result: PushResult,
           heartbeat: Callable[[], None] | None, workers: int) -> None:
    def write(job: tuple[str, int, float, float | None]):
        clover_id, _, quantity, _ = job
        try:
            client.post(f"item_stocks/{clover_id}", {"quantity": quantity})
        except CloverError as exc:
            log.warning("clover push of item %s failed: %s", clover_id, exc)
            return job, False
        return job, True

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for start in range(0, len(wanted), CHUNK):
            done = list(pool.map(write, wanted[start:start + CHUNK]))
            now = utcnow()
            for (clover_id, item_id, quantity, before), ok in done:
                if ok:
                    result.pushed += 1
                    db.session.add(CloverPush(store_id=connection.store_id, item_id=item_id,
                                              clover_item_id=clover_id, quantity=quantity,
                                              clover_before=before, pushed_at=now))
                    drift.mark(connection.store_id, item_id, quantity, now)
                else:
                    result.failed += 1
            db.session.commit()
            if heartbeat is not None:
                heartbeat()


def _judged(connection: CloverConnection, found: list[Job], result: PushResult,
            after_full_pull: bool) -> list[Job]:
    """Keep the writes whose Clover number we can explain; the others wait for a manager (drift.py)."""
    items = {i.id: i for i in db.session.scalars(select(Item).where(Item.id.in_([f[1] for f in found])))}
    wanted = []
    for job in found:
        if drift.observe(items[job[1]], job[3], source="push", after_full_pull=after_full_pull):
            wanted.append(job)
        else:
            result.held += 1
    db.session.commit()
    return wanted


def push_levels(client: CloverClient, connection: CloverConnection, *,
                heartbeat: Callable[[], None] | None = None, workers: int = 5,
                after_full_pull: bool = True) -> PushResult:
    """Every item: read all of Clover's item_stocks, write the ones that differ (the periodic cycle)."""
    result = PushResult()
    ours = our_levels(connection.store_id)
    db.session.commit()  # end the read before the network calls
    theirs = clover_levels(client)
    found = []
    for clover_id, (item_id, quantity) in sorted(ours.items()):
        result.compared += 1
        before = theirs.get(clover_id)
        if before is None or abs(before - quantity) > TOLERANCE:
            found.append((clover_id, item_id, quantity, before))
    wanted = _judged(connection, found, result, after_full_pull)
    _write(client, connection, wanted, result, heartbeat, workers)
    connection.last_push_at = utcnow()
    db.session.commit()
    return result


def push_items(client: CloverClient, connection: CloverConnection, item_ids: set[int], *,
               workers: int = 5) -> PushResult:
    """Only these items (their levels just moved): one GET and at most one POST each, no listing."""
    result = PushResult()
    ours = our_levels(connection.store_id, item_ids)
    db.session.commit()

    def read(clover_id: str) -> float | None:
        try:
            quantity = client.get(f"item_stocks/{clover_id}").get("quantity")
        except CloverNotFound:
            return None
        return None if quantity is None else float(quantity)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        theirs = dict(zip(sorted(ours), pool.map(read, sorted(ours)), strict=True))
    found = []
    for clover_id, (item_id, quantity) in sorted(ours.items()):
        result.compared += 1
        before = theirs[clover_id]
        if before is None or abs(before - quantity) > TOLERANCE:
            found.append((clover_id, item_id, quantity, before))
    _write(client, connection, _judged(connection, found, result, False), result, None, workers)
    if result.pushed:
        connection.last_push_at = utcnow()
    db.session.commit()
    return result
