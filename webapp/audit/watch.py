"""Which tables the trail watches, and the session event that records their changes.

Watched by table name, so this package imports no model above it: a capability's table is
audited by adding a line to ``WATCHED``. ``after_flush`` sees each flushed object with its
attribute history (new, changed, deleted) and ids already assigned; the rows it writes go
to the same connection, so they commit or roll back with the change they describe.
Changes made with bulk SQL (the ledger's level updates) are not watched: the ledger is its
own record.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from webapp.audit import chain
from webapp.audit.context import current_actor
from webapp.types import utcnow

UNLOADED = "audit.unloaded"
ALWAYS_IGNORED = frozenset({"created_at", "modified_at", "updated_at"})


@dataclass(frozen=True)
class Watch:
    entity: str
    label: str | None = None  # attribute that names the row in the trail
    ignore: frozenset[str] = frozenset()
    redact: frozenset[str] = frozenset()  # recorded as changed, never with the value
    # Only these fields count (None: every column less the ignored): a status change is an approval.
    only: frozenset[str] | None = None
    inserts: bool = True
    store: Callable | None = None  # (obj, connection) -> store id, when the row has no store_id


def _line_store(obj, conn) -> int | None:
    return conn.execute(text("SELECT store_id FROM count_lines WHERE id = :i"), {"i": obj.line_id}).scalar()


WATCHED: dict[str, Watch] = {
    "items": Watch("item", "name"),
    "barcodes": Watch("barcode", "code", ignore=frozenset({"gtin14"})),
    "stores": Watch("store_settings", "name", store=lambda obj, conn: obj.id),
    "locations": Watch("location", "name"),
    "users": Watch("user", "username", ignore=frozenset({"last_login_at"}),
                   redact=frozenset({"password_hash"})),
    "approval_decisions": Watch("approval", "action", store=_line_store),
    "damage_records": Watch("damage_approval", "reason", inserts=False,
                            only=frozenset({"status", "decided_by", "decision_note"})),
    "held_refunds": Watch("refund_decision", "status", inserts=False,
                          only=frozenset({"status", "reason", "decided_by"})),
    "refund_rules": Watch("refund_rule", "rule", ignore=frozenset({"updated_by"}),
                          store=lambda obj, conn: obj.store_id),
    "reorder_policies": Watch("reorder_policy", "item_id"),
    "sales_channels": Watch("sales_channel", "name", ignore=frozenset({"webhook_cursor"}),
                            redact=frozenset({"webhook_secret"})),
    "channel_buffers": Watch("channel_buffer", "buffer"),
    "schedule_settings": Watch("schedule_settings", store=lambda obj, conn: obj.store_id),
    "count_plans": Watch("count_plan", "kind"),
    "api_tokens": Watch("api_token", "name", redact=frozenset({"token_hash"})),
}


def plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj, watch: Watch) -> list[str]:
    names = [c.key for c in inspect(obj).mapper.column_attrs]
    if watch.only is not None:
        return [n for n in names if n in watch.only]
    return [n for n in names if n not in ALWAYS_IGNORED and n not in watch.ignore]


def _value(name: str, value, watch: Watch):
    return "(set)" if name in watch.redact and value is not None else plain(value)


def _changes(obj, action: str, watch: Watch, unloaded: dict) -> dict:
    state = inspect(obj)
    out = {}
    for name in _fields(obj, watch):
        if action == "update":
            history = state.attrs[name].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else unloaded.get(name)
            after = history.added[0] if history.added else None
            if before == after:
                continue
            out[name] = ["(old)" if name in watch.redact else plain(before), _value(name, after, watch)]
        else:
            value = _value(name, state.dict.get(name), watch)
            out[name] = [None, value] if action == "create" else [value, None]
    return out


def _entry(obj, action: str, watch: Watch, conn, actor, now, unloaded: dict) -> dict | None:
    changes = _changes(obj, action, watch, unloaded.get(id(obj), {}))
    if action == "update" and not changes:
        return None
    store_id = watch.store(obj, conn) if watch.store else getattr(obj, "store_id", None)
    if store_id is None:
        return None
    identity = inspect(obj).identity
    label = getattr(obj, watch.label, "") if watch.label else ""
    return {"store_id": store_id, "at": now, "actor_id": actor.actor_id, "actor": actor.actor,
            "address": actor.address, "device": actor.device, "action": action, "entity": watch.entity,
            "entity_id": ":".join(str(p) for p in identity) if identity else "",
            "summary": str(label if label is not None else "")[:200],
            "changes": json.dumps(changes, sort_keys=True, ensure_ascii=False, default=str)}


def _before_flush(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    """Read the old value of an attribute that was set without being loaded (it had expired).

    Its history then has no "before"; the database still holds it until this flush."""
    unloaded: dict[int, dict] = {}
    for obj in session.dirty if _enabled() else ():
        if getattr(obj, "__tablename__", "") not in WATCHED:
            continue
        state = inspect(obj)
        names = [a.key for a in state.mapper.column_attrs
                 if (h := state.attrs[a.key].history).added and not h.deleted]
        if names and state.identity:
            mapper = state.mapper
            table = mapper.local_table
            keys = dict(zip([c.key for c in mapper.primary_key], state.identity, strict=True))
            query = select(*[mapper.column_attrs[n].columns[0] for n in names]).where(
                *[table.c[k] == v for k, v in keys.items()])
            row = session.connection().execute(query).first()
            if row is not None:
                unloaded[id(obj)] = dict(zip(names, row, strict=True))
    if unloaded:
        session.info[UNLOADED] = unloaded


def _enabled() -> bool:
    """Off only where a test writes through the models into a schema older than the trail."""
    return not has_app_context() or current_app.config.get("AUDIT_TRAIL", True)


def _after_flush(session: Session, flush_context) -> None:  # noqa: ARG001
    unloaded = session.info.pop(UNLOADED, {})
    if not _enabled():
        return
    pending = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            watch = WATCHED.get(getattr(obj, "__tablename__", ""))
            if watch is None or (action == "create" and not watch.inserts):
                continue
            pending.append((obj, action, watch))
    if not pending:
        return
    conn, actor, now = session.connection(), current_actor(), utcnow()
    rows = [row for obj, action, watch in sorted(pending, key=_order)
            if (row := _entry(obj, action, watch, conn, actor, now, unloaded)) is not None]
    if rows:
        chain.append(conn, rows)


def _order(pending) -> tuple:
    obj, action, watch = pending
    identity = inspect(obj).identity or ()
    return (watch.entity, action, tuple(str(p) for p in identity))


def install() -> None:
    """Listen on every session (idempotent); ``create_app`` calls it."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
