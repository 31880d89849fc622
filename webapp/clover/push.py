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
from webapp.clover.client import CloverClient, CloverError
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


def our_levels(store_id: int) -> dict[str, tuple[int, float]]:
    """clover item id -> (local item id, store total in Clover's units), for items we hold a level of."""
    rows = db.session.execute(
        select(Item.clover_id, Item.id, Item.measure, func.sum(StockLevel.quantity).label("total"))
        .join(StockLevel, StockLevel.item_id == Item.id)
        .where(Item.store_id == store_id, Item.clover_id.is_not(None))
        .group_by(Item.clover_id, Item.id, Item.measure))
    return {r.clover_id: (r.id, to_clover(int(r.total), r.measure)) for r in rows}


def clover_levels(client: CloverClient) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for record in client.paginate("item_stocks"):
        item_id = (record.get("item") or {}).get("id")
        if item_id:
            quantity = record.get("quantity")
            found[item_id] = None if quantity is None else float(quantity)
    return found


def push_levels(client: CloverClient, connection: CloverConnection, *,
                heartbeat: Callable[[], None] | None = None, workers: int = 5) -> PushResult:
    result = PushResult()
    ours = our_levels(connection.store_id)
    db.session.commit()  # end the read before the network calls
    theirs = clover_levels(client)
    wanted = []
    for clover_id, (item_id, quantity) in sorted(ours.items()):
        result.compared += 1
        before = theirs.get(clover_id)
        if before is None or abs(before - quantity) > TOLERANCE:
            wanted.append((clover_id, item_id, quantity, before))

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
                else:
                    result.failed += 1
            db.session.commit()
            if heartbeat is not None:
                heartbeat()
    connection.last_push_at = utcnow()
    db.session.commit()
    return result
