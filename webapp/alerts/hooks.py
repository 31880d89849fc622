"""Raise low-stock alerts in the very transaction that moves a level, whoever moves it.

The ledger, the one writer of levels, tells ``LEVEL_LISTENERS`` which items' levels it
changed (a repair by ``rebuild_levels`` is caught up by the sweep). Just before the
outermost commit the alert states of those items are stepped (inside a savepoint, so a
fault in alerting can never block a sale or a count from being recorded: the periodic
sweep catches up).
After the commit, the raised alerts are sent: a message must never leave for a change that
was rolled back.

Nothing in the ledger, the sync API or the approvals needs to know about alerts.
"""

from __future__ import annotations

import logging

from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect
from sqlalchemy.orm import object_session

from webapp.catalog.models import Item
from webapp.extensions import db
from webapp.inventory import ledger

log = logging.getLogger(__name__)

CHANGED = "alerts.changed_items"
OUTGOING = "alerts.outgoing"


def touch(session, store_id: int, item_ids) -> None:
    """Ask for these items to be evaluated at the next commit (e.g. their point changed)."""
    session.info.setdefault(CHANGED, {}).setdefault(store_id, set()).update(item_ids)


def _levels_settled(store_id: int, item_ids: set[int]) -> None:
    """The ledger settles levels with bulk UPDATEs, which fire no mapper events: it tells us."""
    touch(db.session, store_id, item_ids)


if _levels_settled not in ledger.LEVEL_LISTENERS:
    ledger.LEVEL_LISTENERS.append(_levels_settled)


@event.listens_for(Item, "after_update")
def _point_changed(mapper, connection, target) -> None:  # noqa: ARG001
    """A new reorder point (the catalog's item form, an import) can put an item below it."""
    session = object_session(target)
    if session is not None and inspect(target).attrs.reorder_point.history.has_changes():
        touch(session, target.store_id, (target.id,))


@event.listens_for(Session, "before_commit")
def _evaluate(session) -> None:
    if session.in_nested_transaction():  # a savepoint: wait for the real commit
        return
    session.flush()  # commit flushes only after this event; the level updates must be seen now
    changed = session.info.pop(CHANGED, None)
    if not changed:
        return
    from webapp.alerts import service

    try:
        outgoing = []
        with session.begin_nested():
            raised = []
            for store_id, item_ids in sorted(changed.items()):
                raised += service.evaluate(store_id, item_ids)
            outgoing = service.prepare(raised)
        # Only now: releasing the savepoint fires after_commit too, while the real transaction
        # (and SQLite's write lock) is still open.
        session.info.setdefault(OUTGOING, []).extend(outgoing)
    except Exception:
        log.exception("low-stock evaluation failed; `flask alerts check` will catch up")


@event.listens_for(Session, "after_commit")
def _deliver(session) -> None:
    # A savepoint released by a later before_commit hook (the level feed's) fires after_commit
    # too, while the real transaction and SQLite's write lock are still open: deliver only
    # after the real commit, or recording the delivery waits out the lock and is lost.
    if session.in_nested_transaction():
        return
    outgoing = session.info.pop(OUTGOING, None)
    if not outgoing:
        return
    from webapp.alerts import service

    try:
        service._deliver_now(outgoing)
    except Exception:
        log.exception("low-stock alert delivery failed; `flask alerts check` will retry")


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(CHANGED, None)
        session.info.pop(OUTGOING, None)
