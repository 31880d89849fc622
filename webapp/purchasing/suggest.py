"""Suggested orders, per vendor: what to order now so stock lasts until the next order arrives.

For each active item its vendor is the preferred one, else its only one, else the one with
the lowest unit cost. With v the item's sales per day over ``REORDER_WINDOW_DAYS``, the lead
time L the item's own (its reorder policy) or else the vendor's, and the safety stock the
item's own or else ``REORDER_SAFETY_DAYS`` of sales, as ``alerts.reorder`` makes them:

    reorder point = the manual point, else ceil(v x L) + safety (none when nothing sold)
    target        = max(point, ceil(v x (L + PURCHASE_REVIEW_DAYS)) + safety)
    position      = on hand + on order (units still due on sent POs)

An item is suggested when its position is at or below its point; it gets
target - position units (at least one), rounded up to whole cases. When the vendor's lines
cost less than its order minimum, cases are added one at a time to the line with the
fewest days of cover until the minimum is met.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

from flask import current_app
from sqlalchemy import select

from webapp.alerts import rules
from webapp.alerts.models import ReorderPolicy
from webapp.alerts.reorder import low_infos, store_levels, units_sold
from webapp.alerts.reorder import setting as reorder_setting
from webapp.catalog.models import Item
from webapp.extensions import db
from webapp.purchasing.models import Vendor, VendorItem
from webapp.receiving.onorder import on_order
from webapp.types import utcnow

REVIEW_DEFAULT = 7
MAX_TOP_UP_CASES = 10_000  # a minimum no sane catalogue needs more cases than this to meet


def review_days() -> int:
    """Days between two orders to one vendor: what an order must cover beyond its lead time."""
    if "PURCHASE_REVIEW_DAYS" in current_app.config:
        return int(current_app.config["PURCHASE_REVIEW_DAYS"])
    return int(os.environ.get("PURCHASE_REVIEW_DAYS") or REVIEW_DEFAULT)


@dataclass(slots=True)
class SuggestedLine:
    item_id: int
    name: str
    measure: str
    vendor_item_id: int
    vendor_sku: str
    case_size: int
    case_cost_cents: int
    level: int
    on_order: int
    due_on: date | None
    point: int
    target: int
    velocity: Fraction
    cases: int

    @property
    def quantity(self) -> int:
        return self.cases * self.case_size

    @property
    def cost_cents(self) -> int:
        return self.cases * self.case_cost_cents

    def cover(self, extra_cases: int = 0) -> Fraction | None:
        stock = self.level + self.on_order + (self.cases + extra_cases) * self.case_size
        return rules.days_of_cover(stock, self.velocity)


@dataclass(slots=True)
class VendorSuggestion:
    vendor_id: int
    vendor_name: str
    currency: str
    lead_time_days: int
    order_minimum_cents: int
    lines: list[SuggestedLine] = field(default_factory=list)
    topped_up: int = 0  # cases added to meet the minimum

    @property
    def total_cents(self) -> int:
        return sum(line.cost_cents for line in self.lines)

    @property
    def below_minimum(self) -> bool:
        return self.total_cents < self.order_minimum_cents


def _chosen_lines(store_id: int, vendor_id: int | None) -> dict[int, tuple]:
    """Per item, the vendor line suggestions use: preferred, else only, else cheapest per unit."""
    rows = db.session.execute(
        select(VendorItem.item_id, VendorItem.id, VendorItem.vendor_id, VendorItem.vendor_sku,
               VendorItem.case_size, VendorItem.case_cost_cents, VendorItem.preferred)
        .join(Vendor, Vendor.id == VendorItem.vendor_id)
        .where(VendorItem.store_id == store_id, Vendor.active))
    chosen: dict[int, tuple] = {}
    for row in rows:
        best = chosen.get(row.item_id)
        if best is None or _better(row, best):
            chosen[row.item_id] = tuple(row)
    if vendor_id is not None:
        chosen = {item_id: row for item_id, row in chosen.items() if row[2] == vendor_id}
    return chosen


def _better(row, best) -> bool:
    if row.preferred != best[6]:
        return bool(row.preferred)
    # Cheaper per unit: case_cost / case_size compared without division.
    mine, theirs = row.case_cost_cents * best[4], best[5] * row.case_size
    return (mine, row[1]) < (theirs, best[1])


def suggest(store_id: int, *, vendor_id: int | None = None, now: datetime | None = None
            ) -> list[VendorSuggestion]:
    """Every vendor with something to order now (or only ``vendor_id``'s), by vendor name."""
    now = now or utcnow()
    chosen = _chosen_lines(store_id, vendor_id)
    if not chosen:
        return []
    window, safety_days = reorder_setting("REORDER_WINDOW_DAYS"), reorder_setting("REORDER_SAFETY_DAYS")
    review = review_days()
    one_vendor = [vendor_id] if vendor_id is not None else None
    # For one vendor, ask only for its items; for all, take whole-store figures in one pass each.
    ids = sorted(chosen) if one_vendor else None
    levels = store_levels(store_id, ids)
    sold = units_sold(store_id, now - timedelta(days=window), now, ids)
    due = on_order(store_id, ids)
    items = {row.id: row for row in db.session.execute(
        select(Item.id, Item.name, Item.measure, Item.reorder_point, ReorderPolicy.lead_time_days,
               ReorderPolicy.safety_stock)
        .outerjoin(ReorderPolicy, ReorderPolicy.item_id == Item.id)
        .where(Item.store_id == store_id, Item.active, Item.id.in_(ids) if ids else True))}
    vendor_query = select(Vendor).where(Vendor.store_id == store_id, Vendor.active)
    if one_vendor:
        vendor_query = vendor_query.where(Vendor.id.in_(one_vendor))
    vendors = {v.id: VendorSuggestion(v.id, v.name, v.currency, v.lead_time_days, v.order_minimum_cents)
               for v in db.session.scalars(vendor_query)}
    for item_id, (_, line_id, v_id, sku, case_size, case_cost, _pref) in chosen.items():
        item, out = items.get(item_id), vendors.get(v_id)
        if item is None or out is None:
            continue
        line = _line(item, out.lead_time_days, levels.get(item_id, 0), sold.get(item_id, 0), due.get(item_id),
                     window, safety_days, review)
        if line is None:
            continue
        level, ordered, due_on, point, target, rate = line
        need = max(target - level - ordered, 1)
        out.lines.append(SuggestedLine(item_id, item.name, item.measure, line_id, sku, case_size, case_cost,
                                       level, ordered, due_on, point, target, rate, -(-need // case_size)))
    result = []
    for out in sorted(vendors.values(), key=lambda v: (v.vendor_name.lower(), v.vendor_id)):
        if out.lines:
            out.lines.sort(key=lambda ln: (ln.name.lower(), ln.item_id))
            _meet_minimum(out)
            result.append(out)
    return result


def low_without_vendor(store_id: int, *, now: datetime | None = None) -> list[int]:
    """Items at or below their reorder point that no active vendor sells: no suggestion can
    include them until one is added to a vendor's catalog."""
    low = [info.item_id for info in low_infos(store_id, now=now)]
    if not low:
        return []
    sold = set(db.session.scalars(
        select(VendorItem.item_id).join(Vendor, Vendor.id == VendorItem.vendor_id)
        .where(VendorItem.store_id == store_id, Vendor.active, VendorItem.item_id.in_(low))))
    return [item_id for item_id in low if item_id not in sold]


def _line(item, vendor_lead: int, level: int, sold: int, due, window: int, safety_days: int, review: int):
    rate = rules.velocity(sold, window)
    lead = item.lead_time_days if item.lead_time_days is not None else vendor_lead
    safety = item.safety_stock if item.safety_stock is not None else math.ceil(rate * safety_days)
    suggested = rules.suggest_reorder_point(sold, window, lead, safety)
    point = rules.effective_reorder_point(item.reorder_point, suggested)
    if point is None:
        return None
    ordered = due.quantity if due is not None else 0
    if level + ordered > point:
        return None
    target = max(point, math.ceil(rate * (lead + review)) + safety) if rate > 0 else point
    return level, ordered, due.due_on if due is not None else None, point, target, rate


def _meet_minimum(out: VendorSuggestion) -> None:
    priced = [ln for ln in out.lines if ln.case_cost_cents > 0]
    if not priced:
        return
    while out.below_minimum and out.topped_up < MAX_TOP_UP_CASES:
        # The line whose stock would run out first gets the next case; no sales: last.
        line = min(priced, key=lambda ln: (ln.cover() is None, ln.cover() or 0, ln.item_id))
        line.cases += 1
        out.topped_up += 1
