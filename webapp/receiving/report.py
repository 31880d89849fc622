"""The discrepancy report of one delivery: short, over, damaged, not on the PO, cost differences.

A closed receipt is reported from the snapshot taken when it closed; an open one from its
live tally, so the receiver and the manager see the same lines before and after closing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from webapp import quantity
from webapp.catalog.models import Item
from webapp.damage.models import DamageRecord
from webapp.extensions import db
from webapp.receiving import rules
from webapp.receiving.models import Receipt
from webapp.receiving.service import live_tally

# Spreadsheets run a cell starting with these as a formula (CSV injection); item names come
# from Clover and vendors, so such cells get a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    item: Item
    tally: rules.Tally
    damage: list[DamageRecord]


def rows(receipt: Receipt) -> list[Row]:
    if receipt.status == "closed":
        tallies = [rules.with_flags(rules.Tally(
            line.item_id, line.on_po, line.ordered_qty, line.due_qty, line.delivered_qty, line.damaged_qty,
            line.po_cost_cents, line.invoice_cost_cents)) for line in receipt.lines]
    else:
        tallies = live_tally(receipt)
    damage: dict[int, list[DamageRecord]] = {}
    for record in db.session.query(DamageRecord).filter_by(receipt_id=receipt.id).order_by(DamageRecord.id):
        damage.setdefault(record.item_id, []).append(record)
    return [Row(db.session.get(Item, t.item_id), t, damage.get(t.item_id, [])) for t in tallies]


def discrepancies(report: list[Row]) -> list[Row]:
    return [r for r in report if r.tally.flags]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(receipt: Receipt, report: list[Row], *, with_cost: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = ["po", "vendor", "receipt", "sku", "item", "barcode", "ordered", "due", "delivered", "damaged",
              "accepted", "short", "over", "not_on_po", "damage_reasons"]
    if with_cost:
        header += ["po_unit_cost", "invoice_unit_cost", "cost_difference", "claim_value"]
    writer.writerow(header)
    po = receipt.po
    for row in report:
        t, item = row.tally, row.item
        amounts = [quantity.plain_quantity(n, item.measure)
                   for n in (t.ordered, t.due, t.delivered, t.damaged, t.accepted, t.short, t.over)]
        line = [po.reference if po else "", po.vendor if po else "", receipt.id, item.sku or "", item.name,
                item.barcodes[0].code if item.barcodes else "", *amounts, "yes" if not t.on_po else "",
                "; ".join(f"{quantity.plain_quantity(d.quantity, item.measure)} {d.reason}"
                          for d in row.damage)]
        if with_cost:
            unit = t.invoice_cost_cents if t.invoice_cost_cents is not None else t.po_cost_cents
            # What to claim from the vendor: units paid for (damaged) or billed but missing (short).
            claim = None if unit is None else quantity.value_cents(t.damaged + t.short, unit, item.measure)
            line += [quantity.plain_money(t.po_cost_cents), quantity.plain_money(t.invoice_cost_cents),
                     quantity.plain_money(t.cost_difference_cents), quantity.plain_money(claim)]
        writer.writerow([_cell(v) for v in line])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if not report:
        yield buffer.getvalue()
