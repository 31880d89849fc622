"""Everything done offline and synced hours later gives the same levels as doing it online."""

from datetime import timedelta

from sqlalchemy import select

from tests.integration.receiving.syncing import ev, sync
from webapp.catalog.models import Item
from webapp.inventory.ledger import levels_for_item
from webapp.receiving.models import POLine, PurchaseOrder
from webapp.types import utcnow

UNIT, CASE, SOAP = "0036000291452", "10036000291459", "0012345678905"


def set_up(store, make_item, make_user, db):
    cola = make_item("Cola", barcodes=[(UNIT, 1), (CASE, 12)], cost_cents=50, store_id=store.id)
    soap = make_item("Soap", barcodes=[(SOAP, 1)], cost_cents=2000, store_id=store.id)
    manager = make_user("manager", store_id=store.id)
    po = PurchaseOrder(store_id=store.id, reference="PO-1", vendor="Acme", status="open",
                       created_by=manager.id)
    po.lines = [POLine(item_id=cola.id, ordered_qty=24, unit_cost_cents=60),
                POLine(item_id=soap.id, ordered_qty=4, unit_cost_cents=2100)]
    db.session.add(po)
    db.session.commit()
    return po


def scenario(store, po, start, shift=timedelta(0)):
    """A morning at the store, as (who, event) pairs; `shift` is a device clock that is wrong."""
    back = next(loc for loc in store.locations if loc.kind == "backroom")
    floor = store.selling_location

    def at(minutes):
        return start + timedelta(minutes=minutes) + shift

    receipt = {"session_id": f"s-{store.id}", "po_id": po.id}
    return [
        ("receiver", ev("receive_scan", at(0), code=CASE, **receipt)),
        ("receiver", ev("receive_scan", at(1), code=SOAP, quantity=5, **receipt)),
        ("receiver", ev("receive_scan", at(2), code=SOAP, quantity=-1, **receipt)),
        ("receiver", ev("receive_damage", at(3), code=SOAP, quantity=1, reason="damaged", **receipt)),
        ("receiver", ev("receive_close", at(4), **receipt)),
        ("receiver", ev("transfer", at(10), code=UNIT, quantity=8, from_location_id=back.id,
                        to_location_id=floor.id)),
        ("staff", ev("damage", at(20), code=UNIT, quantity=2, reason="expired", location_id=floor.id)),
        ("staff", ev("damage", at(21), code=SOAP, quantity=3, reason="theft or missing",
                     location_id=back.id)),  # $60: waits for a manager, changes nothing yet
    ]


def snapshot(store, db):
    names = {loc.id: loc.name for loc in store.locations}
    out = {}
    for item in db.session.scalars(select(Item).where(Item.store_id == store.id)):
        db.session.refresh(item)
        for location_id, quantity in levels_for_item(item.id).items():
            out[(item.name, names[location_id])] = quantity
        out[(item.name, "cost")] = item.cost_cents
    po = db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.store_id == store.id))
    out["po"] = (po.status, [ln.received_qty for ln in po.lines])
    return out


def test_offline_and_synced_later_gives_the_same_levels_as_online(make_store, make_item, make_user,
                                                                   login_as, db):
    online_store, offline_store = make_store("Online"), make_store("Offline")
    start = utcnow() - timedelta(hours=3)
    online_po = set_up(online_store, make_item, make_user, db)
    offline_po = set_up(offline_store, make_item, make_user, db)

    clients = {}
    for store in (online_store, offline_store):
        clients[store.id] = {role: login_as(user=make_user(role, store_id=store.id))
                             for role in ("receiver", "staff")}

    # Online: each event reaches the server as it happens.
    for role, event in scenario(online_store, online_po, start):
        sync(clients[online_store.id][role], event)

    # Offline: the phones' clocks run 3 minutes fast, and everything arrives hours later, one
    # batch per phone, the staff phone's first.
    shift = timedelta(minutes=3)
    events = scenario(offline_store, offline_po, start, shift)
    for role in ("staff", "receiver"):
        batch = [e for r, e in events if r == role]
        sync(clients[offline_store.id][role], *batch, device_time=utcnow() + shift)

    online, offline = snapshot(online_store, db), snapshot(offline_store, db)
    assert online == offline
    assert online[("Cola", "Back room")] == 4 and online[("Cola", "Sales floor")] == 6
    assert online[("Soap", "Back room")] == 3
