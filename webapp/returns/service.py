"""Whether a refunded line goes back to stock (DESIGN.md: only when the store's rule or a
manager says it can be sold again).

The store's rule (``RefundRule``; none: ``hold``) decides when the refund arrives:

* ``restock``: the refund event is written at once, at the refund's time (the old behaviour);
* ``hold`` (the default): nothing enters the ledger; the line waits in the manager's queue;
* ``never``: nothing enters the ledger; the line is listed as kept out, and a manager may
  still put it back.

A manager then restocks it (the refund event, at the refund's own time, with the key it would
have had), writes it off as damaged with a reason (a refund and a damage event at that time,
so shrink reports see it and the level does not move), or sets it aside for a vendor return
(no stock event: the goods are not for sale).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.auth.models import User
from webapp.catalog.models import Store
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.inventory.models import StockEvent
from webapp.loaders import require_in_store
from webapp.returns.models import DEFAULT_RULE, RULES, HeldRefund, RefundRule
from webapp.types import utcnow

ACTIONS = ("restock", "damage", "vendor_return")


@dataclass(frozen=True)
class Refund:
    key: str  # the ledger key of its refund event
    store_id: int
    item_id: int
    location_id: int
    quantity: int
    refunded_at: datetime
    note: str = ""


def receive(refund: Refund, led: Ledger, source: str) -> bool:
    """A refunded line as it arrives (a Clover pull): restocked, held or kept out by the store's
    rule; True when a stock event was appended. Idempotent: a line held once stays with the
    manager, whatever the rule says when its order is read again."""
    if db.session.scalar(select(HeldRefund.id).where(HeldRefund.key == refund.key)) is not None:
        return False
    rule = rule_of(refund.store_id)
    if rule == "restock":
        return led.append(_refund_event(refund.key, refund.store_id, refund.item_id, refund.location_id,
                                        refund.quantity, refund.refunded_at, source, None, refund.note))
    if db.session.scalar(select(StockEvent.id).where(StockEvent.key == refund.key)) is not None:
        return False  # restocked under an earlier rule: it stays restocked
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(HeldRefund.__table__)
    # Two servers may pull the same order at once: the second insert of a line is a no-op.
    db.session.execute(insert.values(
        key=refund.key, store_id=refund.store_id, item_id=refund.item_id, location_id=refund.location_id,
        quantity=refund.quantity, refunded_at=refund.refunded_at, note=refund.note[:500],
        status="held" if rule == "hold" else "kept_out", reason="", created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["key"]))
    return False


def _refund_event(key: str, store_id: int, item_id: int, location_id: int, quantity: int, at: datetime,
                  source: str, actor: int | None, note: str) -> NewEvent:
    return NewEvent(key=key, kind="refund", store_id=store_id, item_id=item_id, location_id=location_id,
                    quantity=quantity, occurred_at=at, source=source, actor_user_id=actor,
                    note=note[:500] or None)


def queue(store_id: int) -> list[HeldRefund]:
    """Refunded lines not in stock and not decided: held ones first, then those kept out."""
    return list(db.session.scalars(
        select(HeldRefund).where(HeldRefund.store_id == store_id, HeldRefund.status.in_(("held", "kept_out")))
        .order_by(case((HeldRefund.status == "held", 0), else_=1), HeldRefund.refunded_at, HeldRefund.id)))


def decide(held_id: int, action: str, user: User, reason: str = "") -> HeldRefund:
    if not user.has_role("manager"):
        raise DomainError("forbidden", "Only a manager may decide on a refunded line.", status=403)
    missing = NotFound("not_found", f"No refunded line {held_id} in your store.")
    held = require_in_store(db.session.get(HeldRefund, held_id, with_for_update={"of": HeldRefund}),
                            user.store_id, missing)
    if held.status not in ("held", "kept_out"):
        raise Conflict("already_decided", f"This refunded line was already decided ({held.status}).")
    if action not in ACTIONS:
        raise DomainError("bad_action", "Restock, damage or vendor_return.", "action")
    led = Ledger(actor_user_id=user.id, source="web")
    if action in ("restock", "damage"):
        led.append(_refund_event(held.key, held.store_id, held.item_id, held.location_id, held.quantity,
                                 held.refunded_at, "web", user.id, held.note or "refund restocked"))
    if action == "damage":
        store = db.session.get(Store, held.store_id)
        reason = (reason or "").strip()
        reasons = store.damage_reason_list
        if reason not in reasons:
            raise DomainError("bad_reason", f"Choose a reason: {', '.join(reasons)}.", "reason")
        held.reason = reason
        led.append(NewEvent(key=held.key + ":damage", kind="damage", store_id=held.store_id,
                            item_id=held.item_id, location_id=held.location_id, quantity=-held.quantity,
                            occurred_at=held.refunded_at, source="web", actor_user_id=user.id, note=reason))
    held.status = {"restock": "restocked", "damage": "damaged", "vendor_return": "vendor_return"}[action]
    held.decided_by, held.decided_at = user.id, utcnow()
    led.settle()
    db.session.commit()
    return held


def rule_of(store_id: int) -> str:
    return db.session.scalar(select(RefundRule.rule).where(RefundRule.store_id == store_id)) or DEFAULT_RULE


def set_rule(user: User, rule: str) -> str:
    if not user.has_role("manager"):
        raise DomainError("forbidden", "Only a manager may set the store's refund rule.", status=403)
    if rule not in RULES:
        raise DomainError("bad_field", "The rule is restock, hold or never.", "rule")
    row = db.session.get(RefundRule, user.store_id) or RefundRule(store_id=user.store_id)
    row.rule, row.updated_by, row.updated_at = rule, user.id, utcnow()
    db.session.add(row)
    db.session.commit()
    return rule
