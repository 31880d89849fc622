"""The label queue: what waits, its ZPL, and marking it printed."""

from __future__ import annotations

from sqlalchemy import select

from webapp.catalog.models import Item, Store
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.labels import zpl
from webapp.labels.models import LabelJob
from webapp.quantity import money_text
from webapp.types import utcnow


def waiting(store_id: int) -> list[LabelJob]:
    return list(
        db.session.scalars(
            select(LabelJob)
            .where(LabelJob.store_id == store_id, LabelJob.printed_at.is_(None))
            .order_by(LabelJob.queued_at, LabelJob.id)
        )
    )


def queue(store_id: int, item_id: int) -> LabelJob | None:
    item = db.session.get(Item, item_id)
    if item is None or item.store_id != store_id:
        raise NotFound("not_found", f"No item {item_id} in your store.")
    if any(j.item_id == item_id for j in waiting(store_id)):
        return None
    job = LabelJob(store_id=store_id, item_id=item_id, reason="manual")
    db.session.add(job)
    return job


def render(store_id: int, jobs: list[LabelJob]) -> str:
    store = db.session.get(Store, store_id)
    out = []
    for job in jobs:
        item = job.item
        price = money_text(item.price_cents, store.currency) + (
            f"/{item.unit_name}" if item.measure == "weight" and item.unit_name else ""
        )
        code = item.barcodes[0].code if item.barcodes else None
        out.append(zpl.label(item.name, price, code))
    return "".join(out)


def take(store_id: int) -> tuple[list[LabelJob], str]:
    """The waiting labels as ZPL, marked printed (the caller commits once they are sent)."""
    jobs = waiting(store_id)
    if not jobs:
        raise DomainError("nothing_queued", "No label is waiting to be printed.", status=409)
    data = render(store_id, jobs)
    now = utcnow()
    for job in jobs:
        job.printed_at = now
    return jobs, data
