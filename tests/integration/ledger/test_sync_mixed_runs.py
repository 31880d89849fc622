"""A shuffled mixed batch goes in bulk, a run per type between lone events (webapp/sync/batch.py:
``_segment``); each answer and row must be what one event at a time gives, per-event rules kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.integration.ledger.conftest import event
from webapp.counting import service as counting
from webapp.damage.models import DamageRecord
from webapp.inventory.models import StockEvent, StockLevel
from webapp.receiving.models import Receipt, ReceiptScan
from webapp.types import utcnow
from webapp.unknown.models import UnknownScan


def test_a_shuffled_mixed_batch_answers_and_writes_as_one_event_at_a_time(
        login_as, sync, store, floor, make_item, db):
    store.damage_approval_cents = 500
    db.session.commit()
    back = next(loc for loc in store.locations if loc.kind == "backroom")
    cheap, dear = make_item("Cheap", cost_cents=100), make_item("Dear", cost_cents=400)
    code_cheap, code_dear = cheap.barcodes[0].code, dear.barcodes[0].code
    t = utcnow() - timedelta(minutes=20)
    count, delivery = "c0ffee00-0000-4000-8000-000000000016", "de11e700-0000-4000-8000-000000000016"
    first_scan = event("count_scan", t, session_id=count, code=code_cheap)
    events = [
        event("count_start", t, session_id=count, location_id=floor.id),
        first_scan,
        event("damage", t + timedelta(seconds=1), item_id=cheap.id, location_id=floor.id, quantity=2,
              reason="damaged"),                                               # 2.00: applied
        event("receive_scan", t + timedelta(seconds=2), session_id=delivery, code="NOPE-16"),
        event("count_scan", t + timedelta(seconds=3), session_id=count, code=code_cheap),
        event("receive_scan", t + timedelta(seconds=4), session_id=delivery, code=code_dear),
        event("count_line_edit", t + timedelta(seconds=5), session_id=count, code=code_cheap, quantity=5),
        event("receive_scan", t + timedelta(seconds=6), session_id=delivery, code=code_dear, quantity=0),
        event("count_scan", t + timedelta(seconds=7), session_id=count, code=code_cheap),
        event("damage", t + timedelta(seconds=8), code=code_dear, location_id=floor.id, quantity=2,
              reason="damaged"),                                               # 8.00: waits
        event("damage", t + timedelta(seconds=9), item_id=dear.id, location_id=floor.id, quantity=1,
              reason="no such reason"),
        event("unknown_barcode", t + timedelta(seconds=10), session_id=count, code="99016016"),
        event("transfer", t + timedelta(seconds=11), item_id=cheap.id, from_location_id=floor.id,
              to_location_id=back.id, quantity=3),
        dict(first_scan),                                                      # a resend
        event("damage", t + timedelta(seconds=12), code="NOPE-16", location_id=floor.id, quantity=1,
              reason="damaged"),
    ]
    answer = sync(login_as("receiver"), events)
    got = [(r["status"], r.get("error", {}).get("code")) for r in answer["results"]]
    assert got == [
        ("accepted", None), ("accepted", None), ("accepted", None), ("rejected", "unknown_code"),
        ("accepted", None), ("accepted", None), ("accepted", None), ("rejected", "bad_quantity"),
        ("accepted", None), ("accepted", None), ("rejected", "bad_reason"), ("accepted", None),
        ("accepted", None), ("duplicate", None), ("rejected", "unknown_code"),
    ]
    db.session.expire_all()
    # The line edit replaced the two scans before it; the scan after it adds.
    assert counting.tally(count)[cheap.id].counted == 6
    # The delivery's receipt is made by its first good scan, at that scan's time.
    receipt = db.session.scalar(select(Receipt).where(Receipt.session_key == delivery))
    scans = db.session.scalars(select(ReceiptScan)).all()
    assert [(s.item_id, s.receipt_id) for s in scans] == [(dear.id, receipt.id)]
    assert receipt.started_at == scans[0].occurred_at
    flags = {r.item_id: r.status for r in db.session.scalars(select(DamageRecord))}
    assert flags == {cheap.id: "applied", dear.id: "pending"}
    assert db.session.scalar(select(UnknownScan.status)) == "pending"
    kinds = sorted((e.kind, e.item_id, e.location_id, e.quantity)
                   for e in db.session.scalars(select(StockEvent)))
    assert kinds == sorted([("damage", cheap.id, floor.id, -2), ("transfer_out", cheap.id, floor.id, -3),
                            ("transfer_in", cheap.id, back.id, 3)])
    levels = {(r.item_id, r.location_id): r.quantity
              for r in db.session.scalars(select(StockLevel)) if r.quantity}
    assert levels == {(cheap.id, floor.id): -5, (cheap.id, back.id): 3}


def test_a_rejected_first_scan_of_a_delivery_leaves_no_receipt(login_as, sync, make_item, db):
    item = make_item("Crate")
    delivery = "de11e700-0000-4000-8000-000000000017"
    at = utcnow() - timedelta(minutes=5)
    answer = sync(login_as("receiver"), [
        event("receive_scan", at, session_id=delivery, code="NOPE-17"),
        event("receive_scan", at, session_id=delivery, code=item.barcodes[0].code, quantity=0),
    ])
    assert [r["error"]["code"] for r in answer["results"]] == ["unknown_code", "bad_quantity"]
    assert db.session.scalar(select(Receipt).where(Receipt.session_key == delivery)) is None
