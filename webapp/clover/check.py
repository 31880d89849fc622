"""``flask clover check``: ask a store's real Clover each question the docs leave open.

Each check names its row in ``../shared/reference/clover-fidelity.md``, asks Clover, and says
what Clover answered and whether Shelfcount handles that answer. Read-only by default (GETs
only). With ``--sandbox`` it also makes test writes, each undone at once: it sets a stock
figure and puts it back, and creates, voids and deletes a test order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webapp.clover.client import CloverClient, CloverError
from webapp.clover.open_orders import counts_as_sale
from webapp.types import utcnow

SAMPLE = 100


@dataclass
class Finding:
    row: str
    topic: str
    answered: str
    handled: bool
    how: str

    def line(self) -> str:
        verdict = "handled" if self.handled else "NEEDS ATTENTION"
        return (f"[{self.row}] {self.topic}\n    Clover answered: {self.answered}\n"
                f"    Shelfcount: {verdict}: {self.how}")


def _elements(value: Any) -> list[dict]:
    if isinstance(value, dict):
        value = value.get("elements")
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _asking(topic: str, row: str, ask: Callable[[], Finding]) -> Finding:
    try:
        return ask()
    except CloverError as exc:
        return Finding(row, topic, f"an error: {exc}", False, "the check could not ask; see the error")


def voided_order_ref(client: CloverClient) -> Finding:
    records = _elements(client.get("voided_line_items", [("limit", SAMPLE)]))
    with_ref = sum(1 for r in records if ((r.get("lineItem") or {}).get("orderRef") or r.get("orderRef")))
    kinds = sorted({str(r.get("deleteType")) for r in records if r.get("deleteType")})
    answered = (f"{with_ref} of {len(records)} voided records name their order"
                + (f"; deleteType values: {', '.join(kinds)}" if kinds else "")) if records else \
        "no voided line records to look at (run with --sandbox to make one)"
    return Finding("row 1-2", "Voided lines: does a record name its order?", answered, True,
                   "a record without orderRef is matched to its sale through the ledger key "
                   "clover:<order>:<line>; a whole order deleted is reversed by its O: DELETE webhook")


def voided_order_by(client: CloverClient) -> Finding:
    try:
        asked = [("orderBy", "deletedTime ASC"), ("limit", SAMPLE)]
        records = _elements(client.get("voided_line_items", asked))
    except CloverError as exc:
        if exc.status == 400:
            return Finding("row 3", "Voided lines: is orderBy=deletedTime honoured?", "400 (refused)", True,
                           "voided lines are paged by offset without trusting orderBy")
        raise
    times = [r.get("deletedTime") for r in records if isinstance(r.get("deletedTime"), int)]
    if len(times) < 2:
        answered = "too few records to tell"
    else:
        answered = "oldest first (honoured)" if times == sorted(times) else "not in that order (ignored)"
    return Finding("row 3", "Voided lines: is orderBy=deletedTime honoured?", answered, True,
                   "voided lines are paged by offset without trusting orderBy, so neither answer loops")


def refund_shape(client: CloverClient) -> Finding:
    refunds = _elements(client.get("refunds", [("expand", "lineItems"), ("limit", SAMPLE)]))
    shapes = set()
    for refund in refunds:
        value = refund.get("lineItems")
        shapes.add("absent" if value is None else "wrapped {elements}" if isinstance(value, dict)
                   else "a bare list" if isinstance(value, list) else type(value).__name__)
    answered = ", ".join(sorted(shapes)) if refunds else "no refunds to look at"
    known = shapes <= {"absent", "wrapped {elements}", "a bare list"}
    return Finding("row 4", "Refunds: the shape of lineItems", answered, known,
                   "both shapes are read; a refund without lines restocks nothing" if known
                   else "an unknown shape is read as no lines: tell the maintainers")


def order_times(client: CloverClient) -> Finding:
    since = int(utcnow().timestamp() * 1000) - 86_400_000
    orders = _elements(client.get("orders", [("filter", f"modifiedTime>={since}"),
                                             ("orderBy", "modifiedTime ASC"), ("limit", SAMPLE)]))
    modified = [o.get("modifiedTime") for o in orders if isinstance(o.get("modifiedTime"), int)]
    gaps = [o["modifiedTime"] - o["clientCreatedTime"] for o in orders
            if isinstance(o.get("modifiedTime"), int) and isinstance(o.get("clientCreatedTime"), int)]
    late = max(gaps, default=0) / 60_000
    order = "oldest change first" if modified == sorted(modified) else "NOT sorted by modifiedTime"
    answered = (f"{len(orders)} orders changed in the last day, {order}; the longest till-to-Clover "
                f"gap {late:.0f} min") if orders else "no order changed in the last day"
    return Finding("rows 5, 16", "Orders: modifiedTime filter and sort; offline orders' times", answered,
                   modified == sorted(modified),
                   "a 5-minute overlap, and a 24-hour re-read each hour for offline orders uploaded late"
                   if modified == sorted(modified) else "the pull relies on this sort: tell the maintainers")


def open_orders_seen(client: CloverClient) -> Finding:
    since = int(utcnow().timestamp() * 1000) - 86_400_000
    orders = _elements(client.get("orders", [("filter", f"modifiedTime>={since}"), ("expand", "payments"),
                                             ("limit", SAMPLE)]))
    waiting = [o for o in orders if not counts_as_sale(o)]
    states = sorted({str(o.get("state")) for o in orders})
    answered = (f"states {', '.join(states)}; {len(waiting)} of {len(orders)} not paid or locked"
                if orders else "no order changed in the last day")
    return Finding("row 8", "Open, unpaid and hidden orders", answered, True,
                   "a line is a sale once its order is paid or locked; open ones are listed at "
                   "/clover/open-orders")


def page_limit(client: CloverClient) -> Finding:
    try:
        got = len(_elements(client.get("items", [("limit", 1001)])))
        answered = f"limit=1001 accepted, {got} items returned"
    except CloverError as exc:
        answered = f"limit=1001 refused ({exc.status})"
    return Finding("row 15", "Page size above 1000", answered, True,
                   "Shelfcount never asks for more than 1000")


def item_filters(client: CloverClient) -> Finding:
    answers = []
    for name, value in (("deleted", "true"), ("itemCode", "0"), ("sku", "0")):
        try:
            client.get("items", [("filter", f"{name}={value}"), ("limit", 1)])
            answers.append(f"{name}: accepted")
        except CloverError as exc:
            answers.append(f"{name}: refused ({exc.status})")
    refused = [a for a in answers if "refused" in a]
    return Finding("rows 24-25", "Item filters deleted, itemCode, sku", "; ".join(answers), not refused,
                   "the catalog import and new items rely on these filters" if not refused
                   else "a refused filter breaks item import or matching: tell the maintainers")


READ_ONLY = (voided_order_ref, voided_order_by, refund_shape, order_times, open_orders_seen, page_limit,
             item_filters)


def stock_write(client: CloverClient) -> Finding:
    stocks = _elements(client.get("item_stocks", [("limit", 1)]))
    if not stocks or not (stocks[0].get("item") or {}).get("id"):
        return Finding("row 21", "Stock: decimal quantities", "no item_stock to try on", True,
                       "nothing to do")
    item_id, before = stocks[0]["item"]["id"], stocks[0].get("quantity")
    try:
        client.post(f"item_stocks/{item_id}", {"quantity": 2.5})
        after = client.get(f"item_stocks/{item_id}")
    finally:
        client.post(f"item_stocks/{item_id}", {"quantity": before if before is not None else 0})
    answered = f"wrote 2.5, read back quantity={after.get('quantity')} stockCount={after.get('stockCount')}"
    ok = abs(float(after.get("quantity") or 0) - 2.5) < 1e-9
    return Finding("row 21", "Stock: decimal quantities", answered + " (then put back)", ok,
                   "weighed items are pushed in their unit, with decimals" if ok
                   else "decimals are not kept: weighed items would drift")


def order_lifecycle(client: CloverClient) -> Finding:
    item = next(iter(_elements(client.get("items", [("limit", 1)]))), None)
    if item is None:
        return Finding("rows 1-2, 8", "A test order: void, delete", "no item to sell", True, "nothing to do")
    before = (client.get(f"item_stocks/{item['id']}") or {}).get("quantity")
    order = client.post("orders", {"state": "open", "title": "Shelfcount check (test order)"})
    try:
        lines = [client.post(f"orders/{order['id']}/line_items", {"item": {"id": item["id"]}})
                 for _ in range(2)]
        after_lines = (client.get(f"item_stocks/{item['id']}") or {}).get("quantity")
        client.request("DELETE", f"orders/{order['id']}/line_items/{lines[0]['id']}")
    finally:
        client.request("DELETE", f"orders/{order['id']}")
    voided = _elements(client.get("voided_line_items", [("limit", SAMPLE)]))
    ours = [v for v in voided if (v.get("lineItem") or {}).get("id") in {line["id"] for line in lines}]
    named = sum(1 for v in ours if (v.get("lineItem") or {}).get("orderRef") or v.get("orderRef"))
    kinds = sorted({str(v.get("deleteType")) for v in ours})
    moved = "no change" if before == after_lines else f"{before} -> {after_lines}"
    answered = (f"stock on adding 2 lines to an open order: {moved}; {len(ours)} of 2 deleted lines listed "
                f"as voided ({named} naming the order; deleteType {', '.join(kinds) or 'none'})")
    return Finding("rows 1-2, 8", "A test order: lines added, one voided, the order deleted", answered, True,
                   "open orders count once paid or locked; voids and order deletes are reversed either way")


SANDBOX = (stock_write, order_lifecycle)


def run(client: CloverClient, *, sandbox: bool) -> list[Finding]:
    checks = READ_ONLY + (SANDBOX if sandbox else ())
    return [_asking(check.__name__, "?", lambda c=check: c(client)) for check in checks]

