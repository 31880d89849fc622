"""Shelf labels: queued on a price change, printed as ZPL to a real TCP listener or downloaded."""

import socket
import threading

import pytest
from sqlalchemy import select

from webapp.labels import zpl
from webapp.labels.models import LabelJob


def waiting(db):
    db.session.expire_all()
    return db.session.scalars(select(LabelJob).where(LabelJob.printed_at.is_(None))).all()


def test_a_price_change_queues_one_label_and_a_cost_change_none(db, make_item, manager):
    item = make_item("Oat Milk", price_cents=100, cost_cents=50)
    form = {"name": "Oat Milk", "category": "", "cost": "0.60", "reorder_point": "", "active": "1"}
    manager.post_form(f"/items/{item.id}", {**form, "price": "1.00"})
    assert waiting(db) == []
    manager.post_form(f"/items/{item.id}", {**form, "price": "1.25"})
    manager.post_form(f"/items/{item.id}", {**form, "price": "1.30"})
    (job,) = waiting(db)
    assert (job.item_id, job.reason) == (item.id, "price")


def test_zpl_escapes_command_characters_and_picks_the_symbology():
    label = zpl.label("Caf\u00e9 ^XZ~JR", "$4.49", "036000291452")
    assert label.startswith("^XA\n^CI28") and label.rstrip().endswith("^XZ")
    assert "Caf\u00e9 _5EXZ_7EJR" in label and label.count("^XZ") == 1
    assert "^BUN,60,Y,N,Y" in label and "^FD03600029145^FS" in label  # the printer adds the check digit
    assert "^BCN" in zpl.label("Bulk", "$1.00", "ABC-123")


class Listener:
    """A TCP server on loopback that keeps what it is sent, as a Zebra printer on 9100 would."""

    def __init__(self):
        self.sock = socket.socket()
        for port in [*range(8720, 8750), 0]:
            try:
                self.sock.bind(("127.0.0.1", port))
                break
            except OSError:
                continue
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.sock.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.received += chunk

    def close(self):
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def app_config(request):
    if "listener" in request.fixturenames:
        return {"ZEBRA_PRINTER": f"127.0.0.1:{request.getfixturevalue('listener').port}"}
    return {}


def test_the_queue_prints_on_the_network_printer_and_empties(db, make_item, staff, listener):
    item = make_item("Tea", price_cents=200)
    item.price_cents = 250
    db.session.commit()
    page = staff.get("/labels/queue").get_data(as_text=True)
    assert "Tea" in page and f"127.0.0.1:{listener.port}" in page
    response = staff.post_form("/labels/queue/print", {"to": "printer"})
    assert response.status_code == 303
    listener.thread.join(timeout=10)
    assert b"^FDTea^FS" in listener.received and b"$2.50" in listener.received
    assert waiting(db) == []
    assert staff.post_form("/labels/queue/print", {"to": "download"}).status_code == 409


def test_an_unreachable_printer_keeps_the_labels_queued(db, make_item, staff, app):
    app.config["ZEBRA_PRINTER"] = "127.0.0.1:1"  # nothing listens on port 1
    item = make_item("Tea", price_cents=200)
    item.price_cents = 250
    db.session.commit()
    response = staff.post_form("/labels/queue/print", {"to": "printer"})
    assert response.status_code == 502 and "did not answer" in response.get_data(as_text=True)
    assert len(waiting(db)) == 1
    download = staff.post_form("/labels/queue/print", {"to": "download"})
    assert download.mimetype == "application/zpl" and b"^XA" in download.data
    assert waiting(db) == []


def test_an_item_received_in_a_delivery_queues_its_label_once(db, store, make_item, make_user):
    from webapp.receiving.models import Receipt, ReceiptLine
    from webapp.types import utcnow

    milk, tea = make_item("Milk"), make_item("Tea")
    receiver = make_user("receiver")
    receipt = Receipt(store_id=store.id, session_key="r-1", location_id=store.locations[1].id,
                      started_by=receiver.id, started_at=utcnow())
    db.session.add(receipt)
    db.session.flush()
    costed = ReceiptLine(receipt_id=receipt.id, item_id=tea.id, invoice_cost_cents=90)  # before the close
    db.session.add(costed)
    db.session.commit()
    assert waiting(db) == []
    db.session.add(ReceiptLine(receipt_id=receipt.id, item_id=milk.id, accepted_qty=12))
    costed.accepted_qty = 6
    db.session.commit()
    queued = sorted((j.item_id, j.reason) for j in waiting(db))
    assert queued == sorted([(milk.id, "received"), (tea.id, "received")])
    milk.price_cents = 999  # already waiting: not queued twice
    db.session.commit()
    assert len(waiting(db)) == 2
