"""The demo store's purchase orders: something for a receiver trying the demo to receive.

Three open POs from the demo catalog's vendors, one of them partly received already (a real
receipt, closed through the receiving service, so its stock and costs moved as a delivery
would move them). Seeded by reference: a PO that exists is left exactly as it is, whatever a
demo user has done with it since.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.catalog.models import Barcode, Item
from webapp.extensions import db
from webapp.inventory.ledger import Ledger
from webapp.receiving import service as receiving
from webapp.receiving.models import POLine, PurchaseOrder
from webapp.types import utcnow

# reference, vendor, expected in n days, category, lines as [cases ordered], [cases already received]
DEMO_POS: tuple[tuple[str, str, int, str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("DEMO-1001", "Hillside Pantry Distributors", 1, "grocery", (2, 1, 3, 1, 2), ()),
    ("DEMO-1002", "Clearwater Beverage Co.", 0, "beverages", (4, 2, 2, 3), (4, 1, 0, 0)),
    ("DEMO-1003", "Northfield Farms Dairy", 3, "dairy", (2, 2, 1), ()),
)


def _case_items(store_id: int, category: str, n: int) -> list[tuple[Item, Barcode]]:
    """The first ``n`` items of a category sold by the case, with their case barcode, by SKU."""
    rows = db.session.execute(
        select(Item, Barcode).join(Barcode, Barcode.item_id == Item.id)
        .where(Item.store_id == store_id, Item.category == category, Item.active.is_(True),
               Barcode.pack_qty > 1)
        .order_by(Item.sku, Barcode.id))
    picked: dict[int, tuple[Item, Barcode]] = {}
    for item, barcode in rows:
        picked.setdefault(item.id, (item, barcode))
        if len(picked) == n:
            break
    return list(picked.values())


def seed_purchase_orders(store_id: int, manager_id: int, receiver_id: int) -> int:
    """Create the demo POs that are missing; returns how many. Commits."""
    have = set(db.session.scalars(select(PurchaseOrder.reference).where(PurchaseOrder.store_id == store_id)))
    now = utcnow()
    created = 0
    for reference, vendor, due_in, category, cases, received in DEMO_POS:
        if reference in have:
            continue
        lines = _case_items(store_id, category, len(cases))
        if len(lines) < len(cases):
            continue  # the demo items are not all there (someone removed them): no half PO
        po = PurchaseOrder(store_id=store_id, reference=reference, vendor=vendor, status="open",
                           expected_on=(now + timedelta(days=due_in)).date(), created_by=manager_id,
                           note="Demo order: receive it from the Receive screen.")
        po.lines = [POLine(item_id=item.id, ordered_qty=n * barcode.pack_qty, unit_cost_cents=item.cost_cents)
                    for (item, barcode), n in zip(lines, cases, strict=True)]
        db.session.add(po)
        db.session.flush()
        if any(received):
            _receive_part(po, lines, received, receiver_id, at=now - timedelta(days=1))
        db.session.commit()
        created += 1
    return created


def _receive_part(po: PurchaseOrder, lines, received, receiver_id: int, *, at) -> None:
    """Yesterday's first delivery of the PO: some cases came, the rest are still due."""
    receipt = receiving.open_receipt(po.store_id, receiver_id, f"demo-{po.reference}-1", po_id=po.id,
                                     location_id=None, at=at)
    for i, ((_item, barcode), n) in enumerate(zip(lines, received, strict=True)):
        for case in range(n):
            receiving.add_scan(receipt, receiving.ScanInput(
                f"demo-{po.reference}-{i}-{case}", barcode.code, at + timedelta(seconds=10 * (i * 10 + case)),
                receiver_id))
    ledger = Ledger(actor_user_id=receiver_id, source="web")
    receiving.close_receipt(receipt, receiver_id, at + timedelta(minutes=15), ledger)
    ledger.settle()
