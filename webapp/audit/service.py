"""Reading the trail: a filtered page of rows, and every row for an export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, select

from webapp.audit.models import AuditEntry
from webapp.errors import DomainError
from webapp.extensions import db

PAGE = 100


@dataclass(frozen=True)
class Filter:
    entity: str = ""
    actor: str = ""
    entity_id: str = ""
    before_seq: int | None = None  # paging: rows older than this one


def parse_filter(args) -> Filter:
    raw = (args.get("before") or "").strip()
    if raw and not raw.isdigit():
        raise DomainError("bad_cursor", "'before' must be a row number from this page's links.",
                               field="before")
    return Filter(entity=(args.get("entity") or "").strip()[:32],
                  actor=(args.get("actor") or "").strip()[:120],
                  entity_id=(args.get("entity_id") or "").strip()[:64], before_seq=int(raw) if raw else None)


def _query(store_id: int, f: Filter) -> Select:
    query = select(AuditEntry).where(AuditEntry.store_id == store_id)
    if f.entity:
        query = query.where(AuditEntry.entity == f.entity)
    if f.actor:
        query = query.where(AuditEntry.actor == f.actor)
    if f.entity_id:
        query = query.where(AuditEntry.entity_id == f.entity_id)
    return query


def page(store_id: int, f: Filter) -> list[AuditEntry]:
    query = _query(store_id, f)
    if f.before_seq is not None:
        query = query.where(AuditEntry.seq < f.before_seq)
    return list(db.session.scalars(query.order_by(AuditEntry.seq.desc()).limit(PAGE)))


def export_rows(store_id: int, f: Filter) -> Iterator[tuple]:
    query = _query(store_id, f).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    for e in db.session.scalars(query):
        yield (e.seq, e.at.isoformat(), e.actor, e.actor_id, e.address, e.device, e.action, e.entity,
               e.entity_id, e.summary, e.changes, e.prev_hash, e.hash)


EXPORT_HEADER = ("seq", "at_utc", "actor", "actor_id", "address", "device", "action", "entity", "entity_id",
                 "summary", "changes", "prev_hash", "hash")


def changes_of(entry: AuditEntry) -> list[tuple[str, object, object]]:
    try:
        data = json.loads(entry.changes or "{}")
    except ValueError:
        return [("(unreadable)", entry.changes, "")]
    return [(name, pair[0], pair[1]) for name, pair in sorted(data.items())]


def entities(store_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.entity).where(AuditEntry.store_id == store_id)
                                   .distinct().order_by(AuditEntry.entity)))
