"""A delivery at the dock, end to end through the sync API, as the phone sends it."""

import uuid

import pytest
from sqlalchemy import select

from scanner.codes import gtin_check_digit
from tests.integration.receiving.syncing import backroom, ev, level, minutes_ago, sync
from webapp.damage.models import DamageRecord
from webapp.inventory.models import StockEvent
from webapp.receiving.models import PurchaseOrder, Receipt


def gtin(body: str) -> str:
    return body + gtin_check_digit(body)


COLA_UNIT = gtin("03600029145")  # UPC-A
COLA_CASE = gtin("1003600029145")  # GTIN-14, indicator 1
CHIPS = gtin("04000000001")
SOAP = gtin("05000000002")
SALSA = gtin("06000000003")


@pytest.fixture
def goods(make_item):
    return {
        "cola": make_item("Cola 330ml", barcodes=[(COLA_UNIT, 1), (COLA_CASE, 12)], cost_cents=50),
        "chips": make_item("Chips", barcodes=[(CHIPS, 1)], cost_cents=100),
        "soap": make_item("Soap", barcodes=[(SOAP, 1)], cost_cents=200),
        "salsa": make_item("Salsa", barcodes=[(SALSA, 1)], cost_cents=300),
    }


@pytest.fixture
def po(db, store, goods, make_user):
    from webapp.receiving.models import POLine

    manager = make_user("manager")
    order = PurchaseOrder(store_id=store.id, reference="PO-100", vendor="Acme Foods", status="open",
                          created_by=manager.id)
    order.lines = [POLine(item_id=goods["cola"].id, ordered_qty=24, unit_cost_cents=60),
                   POLine(item_id=goods["chips"].id, ordered_qty=10, unit_cost_cents=100),
                   POLine(item_id=goods["soap"].id, ordered_qty=6, unit_cost_cents=200)]
    db.session.add(order)
    db.session.commit()
    return order


def delivery(po_id=None, **extra):
    session = str(uuid.uuid4())
    base = {"session_id": session, **({"po_id": po_id} if po_id else {}), **extra}

    def scan(code, at, **fields):
        return ev("receive_scan", at, code=code, **base, **fields)

    def damaged(code, quantity, at, reason="damaged", **fields):
        return ev("receive_damage", at, code=code, quantity=quantity, reason=reason, **base, **fields)

    def close(at):
        return ev("receive_close", at, **base)

    return session, scan, damaged, close


def test_a_po_received_in_two_deliveries_with_a_case_an_over_receipt_damage_and_a_short_line(
        login_as, po, goods, store, db):
    receiver = login_as("receiver")
    back = backroom(store)
    cola, chips, soap, salsa = goods["cola"], goods["chips"], goods["soap"], goods["salsa"]

    # Delivery 1: one case of cola, 6 chips keyed on the keypad, 6 soap of which 2 are crushed,
    # and a salsa nobody ordered.
    s1, scan, damaged, close = delivery(po.id)
    cola_at = minutes_ago(50)
    sync(receiver,
         scan(COLA_CASE, cola_at),
         scan(CHIPS, minutes_ago(49), quantity=6),
         *[scan(SOAP, minutes_ago(48)) for _ in range(6)],
         damaged(SOAP, 2, minutes_ago(47), note="crushed corner"),
         scan(SALSA, minutes_ago(46)),
         close(minutes_ago(45)))
    assert (level(cola, back), level(chips, back), level(soap, back), level(salsa, back)) == (12, 6, 4, 1)
    db.session.refresh(po)
    assert po.status == "partially_received"
    assert [ln.received_qty for ln in po.lines] == [12, 6, 4]
    arrival = db.session.scalar(select(DamageRecord).where(DamageRecord.item_id == soap.id))
    assert (arrival.status, arrival.quantity, arrival.note) == ("on_arrival", 2, "crushed corner")
    # Damaged on arrival never entered sellable stock: no receive for them, no damage event either.
    kinds = db.session.scalars(select(StockEvent.kind).where(StockEvent.item_id == soap.id)).all()
    assert kinds == ["receive"] * 4
    # Receive events keep the scan times, not the close time.
    times = db.session.scalars(select(StockEvent.occurred_at).where(StockEvent.item_id == cola.id)).all()
    # (within the clock correction the sync applies: the device-to-server offset of the batch)
    assert len(times) == 1 and abs((times[0] - cola_at).total_seconds()) < 5

    # Delivery 2: two more cases of cola (12 over), nothing else: chips stay 4 short.
    s2, scan, damaged, close = delivery(po.id)
    sync(receiver, scan(COLA_CASE, minutes_ago(10)), scan(COLA_CASE, minutes_ago(9)), close(minutes_ago(8)))
    assert level(cola, back) == 36
    db.session.refresh(po)
    assert po.status == "partially_received"  # the short line stays open (backorder)
    assert [ln.remaining for ln in po.lines] == [0, 4, 2]

    second = db.session.scalar(select(Receipt).where(Receipt.session_key == s2))
    page = receiver.get(f"/receiving/receipts/{second.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "over" in text and "PO cost" not in text  # cost is for managers only
    first = db.session.scalar(select(Receipt).where(Receipt.session_key == s1))
    csv_text = receiver.get(f"/receiving/receipts/{first.id}.csv").get_data(as_text=True)
    rows = [line.split(",") for line in csv_text.strip().splitlines()]
    header, by_item = rows[0], {r[4]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert "po_unit_cost" not in header
    assert by_item["Soap"]["damaged"] == "2" and by_item["Soap"]["short"] == "2"
    assert by_item["Chips"]["short"] == "4"
    assert by_item["Salsa"]["not_on_po"] == "yes"
    assert by_item["Soap"]["damage_reasons"] == "2 damaged"

    # A manager stops waiting for the rest: the PO is received.
    manager = login_as("manager")
    for line in po.lines:
        if line.remaining:
            assert manager.post_form(f"/receiving/pos/{po.id}/lines/{line.id}/cancel").status_code == 302
    db.session.refresh(po)
    assert po.status == "received"
    assert [ln.cancelled_qty for ln in po.lines] == [0, 4, 2]


def test_closing_updates_the_cost_by_weighted_average(login_as, po, goods, store, db):
    receiver = login_as("receiver")
    cola = goods["cola"]
    # 12 on hand at 50c, then 12 arrive at the PO's 60c: 55c.
    _, scan, _, close = delivery()
    sync(receiver, scan(COLA_CASE, minutes_ago(30)), close(minutes_ago(29)))
    db.session.refresh(cola)
    assert cola.cost_cents == 50  # a blind receipt has no cost to average in
    _, scan, _, close = delivery(po.id)
    sync(receiver, scan(COLA_CASE, minutes_ago(20)), close(minutes_ago(19)))
    db.session.refresh(cola)
    assert cola.cost_cents == 55


def test_an_invoice_cost_set_by_a_manager_wins_over_the_po_cost(login_as, po, goods, db):
    receiver, manager = login_as("receiver"), login_as("manager")
    session, scan, _, close = delivery(po.id)
    sync(receiver, scan(CHIPS, minutes_ago(5), quantity=10))
    receipt = db.session.scalar(select(Receipt).where(Receipt.session_key == session))
    response = manager.post_form(f"/receiving/receipts/{receipt.id}/cost",
                                 {"item_id": goods["chips"].id, "cost": "1.30"})
    assert response.status_code == 302
    assert receiver.post_form(f"/receiving/receipts/{receipt.id}/cost",
                              {"item_id": goods["chips"].id, "cost": "0.01"}).status_code == 403
    sync(receiver, close(minutes_ago(1)))
    db.session.refresh(goods["chips"])
    assert goods["chips"].cost_cents == 130  # nothing on hand: the invoice cost
    text = manager.get(f"/receiving/receipts/{receipt.id}").get_data(as_text=True)
    assert "$1.30" in text and "cost" in text


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (f"(02){COLA_UNIT.zfill(14)}(37)12(10)LOT7(17)271231", 12),  # content GTIN, count 12
        (f"(01){COLA_CASE}(37)2", 24),  # two cases of twelve
        (f"(01){COLA_CASE}(10)LOT8", 12),  # one case, no count
    ],
)
def test_a_gs1_128_case_label_adds_its_count_times_the_pack(login_as, goods, store, label, expected, db):
    receiver = login_as("receiver")
    session, scan, _, close = delivery()
    sync(receiver, scan(label, minutes_ago(3)), close(minutes_ago(2)))
    assert level(goods["cola"], backroom(store)) == expected
    receipt = db.session.scalar(select(Receipt).where(Receipt.session_key == session))
    assert receipt.scans[0].lot in ("LOT7", "LOT8", None)


def test_a_correction_on_the_keypad_takes_back_a_scan(login_as, goods, store):
    receiver = login_as("receiver")
    _, scan, _, close = delivery()
    sync(receiver, scan(COLA_UNIT, minutes_ago(5)), scan(COLA_UNIT, minutes_ago(4)),
         scan(COLA_UNIT, minutes_ago(3), quantity=-1), close(minutes_ago(2)))
    assert level(goods["cola"]) == 1


def test_more_damaged_than_scanned_refuses_the_close_and_says_why(login_as, goods):
    receiver = login_as("receiver")
    _, scan, damaged, close = delivery()
    results = sync(receiver, scan(SOAP, minutes_ago(5)), damaged(SOAP, 3, minutes_ago(4)),
                   close(minutes_ago(3)), expect=None)
    assert [r["status"] for r in results] == ["accepted", "accepted", "rejected"]
    assert results[2]["error"]["code"] == "damaged_exceeds_scanned"
    assert level(goods["soap"]) == 0


def test_scans_after_the_close_are_refused(login_as, goods):
    receiver = login_as("receiver")
    _, scan, _, close = delivery()
    sync(receiver, scan(SOAP, minutes_ago(5)), close(minutes_ago(4)))
    results = sync(receiver, scan(SOAP, minutes_ago(3)), expect="rejected")
    assert results[0]["error"]["code"] == "receipt_closed"


def test_staff_cannot_receive_and_a_draft_po_cannot_be_received(login_as, po, goods, db):
    results = sync(login_as("staff"), delivery()[1](SOAP, minutes_ago(1)), expect="rejected")
    assert results[0]["error"]["code"] == "forbidden"
    assert login_as("staff").get("/receiving/").status_code == 403
    po.status = "draft"
    db.session.commit()
    results = sync(login_as("receiver"), delivery(po.id)[1](SOAP, minutes_ago(1)), expect="rejected")
    assert results[0]["error"]["code"] == "po_not_receivable"


def test_a_po_of_another_store_cannot_be_received(login_as, po, other_store_manager):
    rival = login_as(user=other_store_manager)
    results = sync(rival, delivery(po.id)[1](SOAP, minutes_ago(1)), expect="rejected")
    assert results[0]["error"]["code"] in ("unknown_po", "unknown_code")
    assert rival.get(f"/receiving/pos/{po.id}").status_code == 404


def test_the_scanning_screen_carries_the_po_lines_without_cost_for_a_receiver(login_as, po):
    page = login_as("receiver").get(f"/receiving/session?po={po.id}").get_data(as_text=True)
    assert "Cola 330ml" in page and "receipt-data" in page and "unit_cost_cents" not in page
    page = login_as("manager").get(f"/receiving/session?po={po.id}").get_data(as_text=True)
    assert "unit_cost_cents" in page
