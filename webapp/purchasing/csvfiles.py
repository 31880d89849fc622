"""Vendors and vendor catalogs in and out as CSV.

vendors.csv: name, contact_name, email, phone, lead_time_days, order_minimum (dollars), currency.
vendor_items.csv: vendor (its name), code (the item's barcode or SKU), vendor_sku, case_size
(in the item's unit), case_cost (dollars per case), preferred (yes/no).
An import adds new rows and changes existing ones (a vendor by name, a line by vendor and
item); it is all or nothing: when any row is wrong nothing changes and every wrong row is
reported with its line number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from webapp.catalog.csvio import open_csv
from webapp.catalog.service import resolve
from webapp.catalog.units import parse_money, parse_quantity
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.purchasing import vendors as svc
from webapp.purchasing.models import Vendor
from webapp.quantity import to_display

VENDOR_COLUMNS = ("name", "contact_name", "email", "phone", "lead_time_days", "order_minimum", "currency")
CATALOG_COLUMNS = ("vendor", "code", "vendor_sku", "case_size", "case_cost", "preferred")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20000
YES = ("1", "yes", "y", "true", "x")


@dataclass
class ImportReport:
    changed: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _lines(rows: Iterator[tuple]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def export_vendors(store_id: int) -> str:
    def rows():
        yield VENDOR_COLUMNS
        for v in svc.list_vendors(store_id):
            yield (v.name, v.contact_name, v.email, v.phone, v.lead_time_days, _money(v.order_minimum_cents),
                   v.currency)
    return "".join(_lines(rows()))


def export_catalog(store_id: int) -> str:
    def rows():
        yield CATALOG_COLUMNS
        for v in svc.list_vendors(store_id):
            for line in v.items:
                item = line.item
                code = item.sku or next((b.code for b in item.barcodes), "")
                yield (v.name, code, line.vendor_sku, to_display(line.case_size, item.measure),
                       _money(line.case_cost_cents), "yes" if line.preferred else "no")
    return "".join(_lines(rows()))


def _int(text: str, column: str, label: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DomainError("bad_number", f"{label} {text!r} is not a whole number.", column) from None


def _read(data: bytes, columns: tuple[str, ...], required: tuple[str, ...], report: ImportReport,
          row_fn: Callable[[dict[str, str]], None]) -> ImportReport:
    header, reader = open_csv(data, MAX_BYTES)
    missing = [c for c in required if c not in header]
    if missing:
        raise DomainError("bad_columns", f"The file needs the columns {', '.join(missing)} "
                          f"(all columns: {', '.join(columns)}).", "file")
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            report.errors.append((number, "", f"Only {MAX_ROWS} rows are read; split the file."))
            break
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        try:
            with db.session.begin_nested():
                row_fn(row)
            report.changed += 1
        except DomainError as err:
            report.errors.append((number, err.field or "", err.message))
    if report.errors or not report.changed:
        if not report.changed and not report.errors:
            report.errors.append((1, "file", "The file has no rows."))
        db.session.rollback()
    else:
        db.session.commit()
    return report


def import_vendors(store_id: int, data: bytes) -> ImportReport:
    def row_fn(row: dict[str, str]) -> None:
        minimum = row.get("order_minimum", "")
        lead = row.get("lead_time_days", "")
        data_in = svc.check_vendor(svc.VendorInput(
            row.get("name", ""), row.get("contact_name", ""), row.get("email", ""), row.get("phone", ""),
            _int(lead, "lead_time_days", "Lead time") if lead else 7,
            parse_money(minimum, "order_minimum", "Order minimum") if minimum else 0,
            row.get("currency", "")), store_id)
        vendor = svc.vendor_by_name(store_id, data_in.name)
        if vendor is None:
            vendor = Vendor(store_id=store_id, active=True)
            db.session.add(vendor)
        svc.apply_input(vendor, data_in)
        db.session.flush()

    return _read(data, VENDOR_COLUMNS, ("name",), ImportReport(), row_fn)


def import_catalog(store_id: int, data: bytes) -> ImportReport:
    def row_fn(row: dict[str, str]) -> None:
        vendor = svc.vendor_by_name(store_id, row.get("vendor", ""))
        if vendor is None:
            raise DomainError("unknown_vendor", f"No vendor named {row.get('vendor', '')!r}; add it first "
                              "(or import vendors.csv).", "vendor")
        match = resolve(store_id, row["code"]) if row.get("code") else None
        if match is None:
            raise DomainError("unknown_code", f"No item has the code {row.get('code', '')!r}.", "code")
        item = match.item
        size_text = row.get("case_size", "") or "1"
        case_size = parse_quantity(size_text, item.measure, "case_size", "Case size")
        cost_text = row.get("case_cost", "")
        case_cost = parse_money(cost_text, "case_cost", "Case cost") if cost_text else 0
        svc.stage_catalog_line(vendor, svc.CatalogInput(
            item.id, case_size, case_cost, row.get("vendor_sku", ""),
            row.get("preferred", "").lower() in YES))

    return _read(data, CATALOG_COLUMNS, ("vendor", "code"), ImportReport(), row_fn)
