"""Every receiving, damage and transfer page renders for the roles that may see it, and only them."""

import pytest

from tests.integration.receiving.syncing import ev, minutes_ago, sync


@pytest.mark.parametrize(
    ("url", "least"),
    [
        ("/receiving/", "receiver"),
        ("/receiving/session", "receiver"),
        ("/transfers/new", "receiver"),
        ("/receiving/pos", "manager"),
        ("/damage/new", "staff"),
        ("/damage/", "staff"),
        ("/damage/queue", "manager"),
    ],
)
def test_a_page_renders_for_its_least_role_and_refuses_the_role_below(login_as, url, least):
    assert login_as(least).get(url).status_code == 200
    below = {"receiver": "staff", "manager": "receiver", "staff": None}[least]
    if below:
        assert login_as(below).get(url).status_code == 403


def test_the_home_screen_offers_receiving_and_damage_by_role(login_as):
    assert "/receiving/" in login_as("receiver").get("/").get_data(as_text=True)
    staff_home = login_as("staff").get("/").get_data(as_text=True)
    assert "/damage/new" in staff_home and "/receiving/" not in staff_home


def test_a_draft_po_cannot_be_opened_for_receiving(login_as, db, store, make_item):
    from webapp.receiving.models import POLine, PurchaseOrder

    manager = login_as("manager")
    po = PurchaseOrder(store_id=store.id, reference="D-1", vendor="V", created_by=manager.user.id)
    po.lines = [POLine(item_id=make_item().id, ordered_qty=1)]
    db.session.add(po)
    db.session.commit()
    assert manager.get(f"/receiving/session?po={po.id}").status_code == 409


def test_a_delivery_not_yet_synced_says_so_and_a_synced_one_redirects(login_as, make_item):
    receiver = login_as("receiver")
    assert receiver.get("/receiving/session/not-here").status_code == 404
    item = make_item()
    sync(receiver, ev("receive_scan", minutes_ago(1), session_id="abc", code=item.barcodes[0].code))
    response = receiver.get("/receiving/session/abc")
    assert response.status_code == 302 and "/receiving/receipts/" in response.headers["Location"]
    page = receiver.get(response.headers["Location"]).get_data(as_text=True)
    assert "still open" in page and item.name in page
