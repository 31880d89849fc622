"""`flask demo seed` leaves a receiver something to receive: open POs, one partly received."""

import pytest
from sqlalchemy import func, select

from tests.integration.receiving.syncing import level
from webapp.auth.models import User
from webapp.receiving.models import PurchaseOrder, Receipt


@pytest.fixture
def app_config():
    return {"DEMO_MODE": True}


def seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def snapshot(db):
    db.session.expire_all()
    pos = db.session.scalars(select(PurchaseOrder).order_by(PurchaseOrder.reference)).all()
    return [(po.reference, po.status, [(ln.item_id, ln.ordered_qty, ln.received_qty) for ln in po.lines])
            for po in pos], db.session.scalar(select(func.count(Receipt.id)))


def test_the_demo_store_has_open_pos_one_partly_received(app, db, login_as):
    assert "3 purchase orders" in seed(app)
    (pos, receipts) = snapshot(db)
    assert [(ref, status) for ref, status, _ in pos] == [
        ("DEMO-1001", "open"), ("DEMO-1002", "partially_received"), ("DEMO-1003", "open")]
    assert receipts == 1
    partial = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.reference == "DEMO-1002"))
    got = [(ln.ordered_qty, ln.received_qty) for ln in partial.lines]
    # Whole cases: four of four came, one of two, none of the rest.
    assert [r == o for o, r in got] == [True, False, False, False]
    assert got[1][1] * 2 == got[1][0] and got[2][1] == got[3][1] == 0
    # The first delivery moved stock as a real one would.
    assert level(partial.lines[0].item) == partial.lines[0].received_qty
    # The demo receiver sees all three on the Receive screen.
    demo_receiver = db.session.scalar(select(User).where(User.username == "receiver"))
    receiver = login_as(user=demo_receiver, password="demo")
    page = receiver.get("/receiving/").get_data(as_text=True)
    assert all(ref in page for ref in ("DEMO-1001", "DEMO-1002", "DEMO-1003"))


def test_seeding_again_changes_no_purchase_order(app, db):
    seed(app)
    before = snapshot(db)
    assert "nothing changed" in seed(app)
    assert snapshot(db) == before
