"""Counts from a CSV (a handheld's export, or a spreadsheet) into a count session.

Columns: ``code`` (a barcode, resolved as a scan is: a case code counts its pack) or ``sku``,
and ``quantity`` (in the item's unit: 2.5 for a weighed item). Rows of one item add up, as
scans do. The whole file is checked first: one bad row refuses it with every row's reason.
The counts then go the way of a phone's: a session at the chosen location, its scans, and
``submit_count``, which works out expected and variance and approves inside tolerance; the
rest wait for a manager.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from webapp.approvals.service import submit_count
from webapp.auth.models import User
from webapp.catalog.csvio import open_csv
from webapp.catalog.models import Item
from webapp.catalog.service import resolve_many
from webapp.catalog.units import parse_quantity
from webapp.counting import service as counting
from webapp.counting.models import CountLine
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.types import utcnow

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
MAX_REASONS = 20


def _rows(data: bytes) -> list[dict[str, str]]:
    header, reader = open_csv(data, MAX_BYTES)
    if "quantity" not in header or not ({"code", "sku"} & set(header)):
        raise DomainError("bad_columns", "The CSV needs a quantity column and a code or sku column.", "file")
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise DomainError("too_many_rows", f"At most {MAX_ROWS} rows per file; split it.", "file")
        if any((v or "").strip() for v in row.values() if isinstance(v, str)):
            rows.append(row)
    if not rows:
        raise DomainError("empty_csv", "The CSV has no rows.", "file")
    return rows


def import_counts(user: User, location_id: int, data: bytes, at: datetime | None = None) -> list[CountLine]:
    at = at or utcnow()
    rows = _rows(data)
    codes = resolve_many(
        user.store_id, [(r.get("code") or "").strip() for r in rows if (r.get("code") or "").strip()]
    )
    skus = {(r.get("sku") or "").strip() for r in rows if (r.get("sku") or "").strip()}
    by_sku = {
        i.sku: i
        for i in db.session.scalars(
            select(Item).where(Item.store_id == user.store_id, Item.sku.in_(sorted(skus)))
        )
    }
    items = {
        i.id: i
        for i in db.session.scalars(
            select(Item).where(
                Item.store_id == user.store_id,
                Item.id.in_(sorted({m[0] for m in codes.values() if m} | {i.id for i in by_sku.values()})),
            )
        )
    }
    counted: dict[int, int] = {}
    reasons = []
    for n, row in enumerate(rows, start=2):  # line 1 is the header
        code, sku = (row.get("code") or "").strip(), (row.get("sku") or "").strip()
        match = codes.get(code) if code else ((by_sku[sku].id, 1) if sku in by_sku else None)
        if match is None:
            reasons.append(f"line {n}: no item has {'code ' + code if code else 'sku ' + (sku or '(empty)')}")
            continue
        item_id, pack = match
        try:
            qty = parse_quantity(
                (row.get("quantity") or "").strip(), items[item_id].measure, "quantity", "Quantity"
            )
        except DomainError as err:
            reasons.append(f"line {n}: {err.message}")
            continue
        counted[item_id] = counted.get(item_id, 0) + qty * pack
    if reasons:
        more = f" (and {len(reasons) - MAX_REASONS} more)" if len(reasons) > MAX_REASONS else ""
        raise DomainError(
            "bad_rows", "Nothing was imported: " + "; ".join(reasons[:MAX_REASONS]) + more, "file"
        )
    session = counting.open_session(
        counting.NewSession(
            store_id=user.store_id, location_id=location_id, created_by_id=user.id, blind=True
        ),
        commit=False,
    )
    for item_id, qty in sorted(counted.items()):
        counting.record_scan(
            counting.Scan(session.id, user.id, at, quantity=qty, item_id=item_id), user.store_id, commit=False
        )
    return submit_count(session.id, user, at)
