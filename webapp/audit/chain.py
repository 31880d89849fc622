"""The hash chain: each store's rows carry the hash of the row before them.

``hash = sha256(prev_hash + canonical JSON of the row)``, so editing a row changes its hash,
removing one breaks the link of the next, and removing the last ones leaves the head (the
store's ``audit_heads`` row) pointing past the end. Entries are appended while the head row
is locked, so two transactions append one after the other and the sequence has no gaps.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from webapp.audit.models import AuditEntry, AuditHead
from webapp.bulk_sql import insert_for
from webapp.extensions import db

FIELDS = ("store_id", "seq", "at", "actor_id", "actor", "address", "device", "action", "entity",
          "entity_id", "summary", "changes")


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def row_hash(prev_hash: str, row: dict) -> str:
    values = [_stamp(row[f]) if f == "at" else row[f] for f in FIELDS]
    payload = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def append(conn: Connection, rows: list[dict]) -> None:
    """Chain and insert ``rows`` (dicts of FIELDS less seq) in the caller's transaction."""
    by_store: dict[int, list[dict]] = {}
    for row in rows:
        by_store.setdefault(row["store_id"], []).append(row)
    heads = AuditHead.__table__
    for store_id in sorted(by_store):  # one order for every writer: no deadlock between two heads
        conn.execute(insert_for(heads).values(store_id=store_id, seq=0, hash="").on_conflict_do_nothing())
        query = select(heads.c.seq, heads.c.hash).where(heads.c.store_id == store_id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        seq, prev = conn.execute(query).one()
        chained = []
        for row in by_store[store_id]:
            seq += 1
            row = {**row, "seq": seq, "prev_hash": prev}
            row["hash"] = prev = row_hash(prev, row)
            chained.append(row)
        conn.execute(AuditEntry.__table__.insert(), chained)
        conn.execute(update(heads).where(heads.c.store_id == store_id).values(seq=seq, hash=prev))


@dataclass
class Verification:
    store_id: int
    checked: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store_id: int) -> Verification:
    """Walk a store's chain and say which rows were edited, removed or put out of order."""
    report = Verification(store_id)
    table = AuditEntry.__table__
    expected, prev = 1, ""
    rows = db.session.execute(select(table).where(table.c.store_id == store_id)
                              .order_by(table.c.seq).execution_options(yield_per=1000)).mappings()
    for row in rows:
        report.checked += 1
        seq = row["seq"]
        if seq > expected:
            gap = f"row {expected}" if seq == expected + 1 else f"rows {expected} to {seq - 1}"
            report.problems.append((expected, f"{gap} missing: deleted from the trail"))
        elif row["prev_hash"] != prev:
            report.problems.append((seq, f"row {seq} does not follow the row before it: that row was "
                                         "changed or replaced"))
        if row_hash(row["prev_hash"], row) != row["hash"]:
            report.problems.append((seq, f"row {seq} was edited after it was written"))
        expected, prev = seq + 1, row["hash"]
    head = db.session.execute(select(AuditHead.seq, AuditHead.hash)
                              .where(AuditHead.store_id == store_id)).first()
    last = expected - 1
    if head is not None and head.seq > last:
        gap = f"row {head.seq}" if head.seq == last + 1 else f"rows {last + 1} to {head.seq}"
        report.problems.append((last + 1, f"{gap} missing from the end: deleted from the trail"))
    elif head is not None and head.seq == last and head.hash != prev:
        report.problems.append((last, f"row {last}, the last, does not match the chain's head: it was "
                                      "changed or replaced"))
    return report
