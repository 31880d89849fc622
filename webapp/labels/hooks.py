"""Queue a label when an item's price changes (a page, an import, a Clover pull) or when a
delivery is received with the item in it. Watched by table name in the flush, like the audit
trail, so no package below needs to know about labels."""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from webapp.labels.models import LabelJob
from webapp.types import utcnow


def _after_flush(session: Session, flush_context) -> None:  # noqa: ARG001
    if has_app_context() and not current_app.config.get("LABEL_QUEUE", True):
        return  # only a test writing through the models into a schema older than the queue
    wanted: dict[tuple[int, int], str] = {}
    for obj in session.dirty:
        if getattr(obj, "__tablename__", "") == "items":
            history = inspect(obj).attrs.price_cents.history
            # No "deleted": the old price was not loaded (expired after a commit); count it as changed.
            if history.added and (not history.deleted or history.added[0] != history.deleted[0]):
                wanted.setdefault((obj.store_id, obj.id), "price")
    conn = None
    for obj in (*session.new, *session.dirty):
        if getattr(obj, "__tablename__", "") != "receipt_lines" or (obj.accepted_qty or 0) <= 0:
            continue
        if obj in session.new or inspect(obj).attrs.accepted_qty.history.added:  # closed with this item
            conn = conn or session.connection()
            store_id = conn.execute(
                text("SELECT store_id FROM items WHERE id = :i"), {"i": obj.item_id}
            ).scalar()
            if store_id is not None:
                wanted.setdefault((store_id, obj.item_id), "received")
    if not wanted:
        return
    conn = conn or session.connection()
    table = LabelJob.__table__
    waiting = set(
        conn.execute(
            select(table.c.item_id).where(
                table.c.item_id.in_(sorted(i for _, i in wanted)), table.c.printed_at.is_(None)
            )
        ).scalars()
    )
    rows = [
        {"store_id": s, "item_id": i, "reason": r, "queued_at": utcnow()}
        for (s, i), r in sorted(wanted.items())
        if i not in waiting
    ]
    if rows:
        conn.execute(table.insert(), rows)


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
