"""The catalog as CSV: export for spreadsheets and accountants, import to create or update items.

Columns: sku, name, category, price, cost, reorder_point, barcodes, active, clover_id, and
optionally measure. Money is decimal dollars ("4.99"); reorder points are in the item's unit
(lb for weighed items); barcodes are "code" or "code*pack;code*pack". A row is matched to an
item by sku, else clover_id. Each row is applied whole or not at all, and every refused row
is reported with its line number and the reason; a dry run does everything and then rolls
back, so the preview is exactly what the import would do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp import quantity
from webapp.catalog import service
from webapp.catalog.models import Barcode, Item
from webapp.catalog.units import parse_money, parse_quantity
from webapp.errors import DomainError, TooLarge
from webapp.extensions import db
from webapp.types import utcnow

COLUMNS = ("sku", "name", "category", "price", "cost", "reorder_point", "barcodes", "active", "clover_id",
           "measure")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ERRORS_SHOWN = 200
_TRUE = {"1", "true", "yes", "y", "active"}
_FALSE = {"0", "false", "no", "n", "inactive"}
# A cell starting with one of these is run as a formula by spreadsheet programs; item names
# come from Clover and from users, so exported cells get a leading quote (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ----- export ----------------------------------------------------------------------------


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unquote_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def export_rows(store_id: int) -> Iterator[str]:
    """The store's catalog as CSV text, one line at a time, so the response streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    query = (
        select(Item)
        .where(Item.store_id == store_id)
        .options(selectinload(Item.barcodes))
        .order_by(Item.sku, Item.id)
        .execution_options(yield_per=500)
    )
    for item in db.session.scalars(query):
        barcodes = ";".join(b.code if b.pack_qty == 1 else f"{b.code}*{b.pack_qty}" for b in item.barcodes)
        writer.writerow(
            [
                _safe_cell(item.sku or ""),
                _safe_cell(item.name),
                _safe_cell(item.category),
                quantity.plain_money(item.price_cents),
                quantity.plain_money(item.cost_cents),
                quantity.plain_quantity(item.reorder_point, item.measure),
                barcodes,
                "yes" if item.active else "no",
                item.clover_id or "",
                item.measure,
            ]
        )
        yield flush()


# ----- import ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_upload(upload, max_bytes: int) -> bytes:
    """An uploaded file's bytes, read no further than one past the limit (``open_csv`` then says
    it is too large); a form sent without a file is a 400 that says to choose one."""
    if upload is None or not upload.filename:
        raise DomainError("missing_file", "Choose a CSV file to import.", "file")
    return upload.read(max_bytes + 1)


def open_csv(data: bytes, max_bytes: int) -> tuple[list[str], csv.DictReader]:
    """An uploaded CSV, bounded and decoded, with its header trimmed and lower-cased: the
    caller checks the columns, then reads the rows."""
    if len(data) > max_bytes:
        raise TooLarge("too_large", f"The CSV is over {max_bytes // (1024 * 1024)} MB; split it.", "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("not_utf8", "Save the CSV as UTF-8 and upload it again.", "file") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, reader


def _read(data: bytes) -> list[dict[str, str]]:
    header, reader = open_csv(data, MAX_BYTES)
    if not header:
        raise DomainError("empty_csv", "The CSV is empty.", "file")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise DomainError(
            "unknown_columns",
            f"Unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}.",
            "file",
        )
    if "name" not in header or not ({"sku", "clover_id"} & set(header)):
        raise DomainError("missing_columns", "The CSV needs a name column and a sku or clover_id column.",
                          "file")
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise TooLarge("too_many_rows", f"The CSV has over {MAX_ROWS} rows; split it.", "file")
        rows.append(row)
    return rows


def _cell(row: dict[str, str | None], column: str) -> str | None:
    """The stripped cell, or None when the column is absent (absent means "leave as it is")."""
    if column not in row:
        return None
    value = row[column]
    return _unquote_cell((value or "").strip())


def _parse_barcodes(text: str) -> list[tuple[str, str | None, int]]:
    parsed = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        code, _, pack = part.partition("*")
        parsed.append(service.check_barcode(code, pack or 1))
    return parsed


class _Importer:
    def __init__(self, store_id: int):
        self.store_id = store_id
        self.reload()

    def reload(self) -> None:
        """(Re)build the sku and clover_id maps; needed after a row that moved keys is undone."""
        self.keys_moved = False
        items = db.session.scalars(
            select(Item).where(Item.store_id == self.store_id).options(selectinload(Item.barcodes))
        ).all()
        self.by_sku = {i.sku: i for i in items if i.sku}
        self.by_clover = {i.clover_id: i for i in items if i.clover_id}

    def apply(self, row: dict[str, str | None]) -> tuple[str, Item]:
        sku, clover_id = _cell(row, "sku") or None, _cell(row, "clover_id") or None
        if not sku and not clover_id:
            raise DomainError("missing_key", "give a sku or a clover_id", "sku")
        item = self.by_sku.get(sku) if sku else None
        if item is None and clover_id:
            item = self.by_clover.get(clover_id)
        created = item is None
        measure = (_cell(row, "measure") or (item.measure if item else "each")).lower()
        if measure not in ("each", "weight"):
            raise DomainError("bad_measure", f"measure must be each or weight, not {measure!r}", "measure")
        changes = self._changes(row, measure)
        if created:
            if not changes.name:
                raise DomainError("missing_name", "a new item needs a name", "name")
            item = Item(store_id=self.store_id, name=changes.name, measure=measure,
                        unit_name="lb" if measure == "weight" else "")
            db.session.add(item)
        changed = service.apply_changes(item, changes)
        changed |= self._set_keys(item, sku, clover_id)
        if item.measure != measure:
            item.measure, changed = measure, True
        barcodes = _cell(row, "barcodes")
        if barcodes:
            changed |= self._set_barcodes(item, _parse_barcodes(barcodes))
        if created:
            return "created", item
        if changed:
            item.modified_at = utcnow()
            return "updated", item
        return "unchanged", item

    def _changes(self, row, measure: str) -> service.ItemChanges:
        def money(column: str, label: str) -> int | None:
            text = _cell(row, column)
            return parse_money(text, column, label) if text else None

        active_text = (_cell(row, "active") or "").lower()
        if active_text and active_text not in _TRUE | _FALSE:
            raise DomainError("bad_active", f"active must be yes or no, not {active_text!r}", "active")
        reorder = _cell(row, "reorder_point")
        return service.ItemChanges(
            name=_cell(row, "name") or None,
            category=_cell(row, "category"),
            price_cents=money("price", "price"),
            cost_cents=money("cost", "cost"),
            reorder_point=parse_quantity(reorder, measure, label="reorder point") if reorder else None,
            active=(active_text in _TRUE) if active_text else None,
        )

    def _set_keys(self, item: Item, sku: str | None, clover_id: str | None) -> bool:
        changed = False
        if sku and item.sku != sku:
            other = self.by_sku.get(sku)
            if other is not None and other is not item:
                raise DomainError("sku_taken", f"sku {sku} already belongs to {other.name}", "sku")
            if len(sku) > 64:
                raise DomainError("bad_sku", "a sku is at most 64 characters", "sku")
            self.by_sku.pop(item.sku, None)
            item.sku, changed = sku, True
            self.by_sku[sku], self.keys_moved = item, True
        if clover_id and item.clover_id != clover_id:
            other = self.by_clover.get(clover_id)
            if other is not None and other is not item:
                raise DomainError("clover_id_taken", f"clover_id {clover_id} already belongs to {other.name}",
                                  "clover_id")
            if len(clover_id) > 13:
                raise DomainError("bad_clover_id", "a clover_id is at most 13 characters", "clover_id")
            self.by_clover.pop(item.clover_id, None)
            item.clover_id, changed = clover_id, True
            self.by_clover[clover_id], self.keys_moved = item, True
        return changed

    def _set_barcodes(self, item: Item, wanted: list[tuple[str, str | None, int]]) -> bool:
        """Make the item's barcodes exactly `wanted`, refusing codes another item owns."""
        keys = [gtin14 or code for code, gtin14, _ in wanted]
        if len(set(keys)) != len(keys):
            raise DomainError("duplicate_barcode", "the same barcode is listed twice", "barcodes")
        for code, gtin14, _ in wanted:
            same = Barcode.code == code if gtin14 is None else (Barcode.gtin14 == gtin14)
            owner = db.session.scalar(select(Barcode).where(Barcode.store_id == self.store_id, same).limit(1))
            if owner is not None and owner.item is not item:
                raise DomainError("barcode_taken", f"barcode {code} already belongs to {owner.item.name}",
                                  "barcodes")
        current = {b.gtin14 or b.code: b for b in item.barcodes}
        changed = False
        for barcode in list(item.barcodes):
            if (barcode.gtin14 or barcode.code) not in keys:
                item.barcodes.remove(barcode)
                changed = True
        # Removals reach the database first so a code moving between spellings is not a clash.
        db.session.flush()
        for code, gtin14, pack in wanted:
            existing = current.get(gtin14 or code)
            if existing is None:
                item.barcodes.append(Barcode(store_id=self.store_id, code=code, gtin14=gtin14, pack_qty=pack))
                changed = True
            elif existing.pack_qty != pack or existing.code != code:
                existing.pack_qty, existing.code = pack, code
                changed = True
        return changed

    def remember(self, item: Item) -> None:
        if item.sku:
            self.by_sku[item.sku] = item
        if item.clover_id:
            self.by_clover[item.clover_id] = item


def import_csv(store_id: int, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Create or update items from CSV bytes; see the module docstring. One transaction,
    with a savepoint per row so a bad row is undone alone."""
    rows = _read(data)
    report = ImportReport(dry_run=dry_run, rows=len(rows))
    importer = _Importer(store_id)
    for number, row in enumerate(rows, start=2):  # line 1 is the header, as a spreadsheet shows it
        if None in row:
            report.errors.append(RowError(number, "has more cells than the header has columns"))
            continue
        savepoint = db.session.begin_nested()
        importer.keys_moved = False
        try:
            outcome, item = importer.apply(row)
            db.session.flush()
        except DomainError as err:
            savepoint.rollback()  # also expires what the row touched, so the cache reloads it
            if importer.keys_moved:
                importer.reload()
            report.errors.append(RowError(number, err.message, err.field))
            continue
        except IntegrityError:
            # The checks above should catch every clash; this is the database's word on one
            # they missed (e.g. a concurrent edit), still reported against its row.
            savepoint.rollback()
            importer.reload()
            message = "clashes with another item (same sku, clover_id or barcode)"
            report.errors.append(RowError(number, message))
            continue
        savepoint.commit()
        setattr(report, outcome, getattr(report, outcome) + 1)
        importer.remember(item)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report
