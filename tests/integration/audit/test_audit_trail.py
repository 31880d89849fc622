"""The audit trail: what it records, who may read it, and that tampering shows."""

import csv
import io
import json

from sqlalchemy import select, text

from webapp.audit import chain
from webapp.audit.context import acting_as
from webapp.audit.models import AuditEntry
from webapp.auth.service import set_role


def entries(db, store_id, entity=None):
    db.session.expire_all()
    query = select(AuditEntry).where(AuditEntry.store_id == store_id).order_by(AuditEntry.seq)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return db.session.scalars(query).all()


def test_a_price_and_cost_edit_is_recorded_with_who_when_and_the_address_it_came_from(manager, make_item, db,
                                                                                       store):
    item = make_item("Oat Milk", price_cents=100, cost_cents=50)
    response = manager.post_form(f"/items/{item.id}", {
        "name": "Oat Milk", "category": "", "price": "4.49", "cost": "2.10", "reorder_point": "",
        "active": "1"},
        headers={"X-Device-Id": "till-2"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302
    (edit,) = [e for e in entries(db, store.id, "item") if e.action == "update"]
    assert (edit.actor, edit.actor_id, edit.address, edit.device) == (
        manager.user.username, manager.user.id, "10.1.2.3", "till-2")
    assert (edit.entity_id, edit.summary) == (str(item.id), "Oat Milk")
    assert json.loads(edit.changes) == {"price_cents": [100, 449], "cost_cents": [50, 210]}


def test_a_role_change_is_recorded_and_a_new_password_is_recorded_without_its_hash(make_user, db, store):
    user = make_user("staff", username="sam")
    with acting_as("owner at the CLI"):
        set_role("sam", "manager")
    rows = entries(db, store.id, "user")
    create, role = rows[0], rows[-1]
    assert create.action == "create" and json.loads(create.changes)["password_hash"] == [None, "(set)"]
    assert (role.actor, role.entity_id, json.loads(role.changes)) == (
        "owner at the CLI", str(user.id), {"role": ["staff", "manager"]})


def test_store_settings_changes_are_recorded(db, store):
    store.tolerance_units = 3
    db.session.commit()
    (row,) = [e for e in entries(db, store.id, "store_settings") if e.action == "update"]
    assert json.loads(row.changes) == {"tolerance_units": [1, 3]} and row.actor == "system"


def test_a_rolled_back_change_leaves_no_trail(db, store, make_item):
    item = make_item("Tea")
    before = len(entries(db, store.id))
    item.price_cents = 999
    db.session.flush()
    db.session.rollback()
    assert len(entries(db, store.id)) == before
    assert chain.verify(store.id).ok


def test_the_chain_verifies_and_each_row_links_to_the_one_before(db, store, make_item):
    for n in range(3):
        make_item(f"Item {n}")
    rows = entries(db, store.id)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    report = chain.verify(store.id)
    assert report.ok and report.checked == len(rows)


def _tamper(db, sql, **params):
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_an_edited_row_shows_on_verification(db, store, make_item):
    make_item("Tea", price_cents=100)
    make_item("Coffee")
    target = entries(db, store.id)[1]
    _tamper(db, "UPDATE audit_entries SET actor = 'nobody' WHERE id = :i", i=target.id)
    report = chain.verify(store.id)
    assert not report.ok
    assert (target.seq, f"row {target.seq} was edited after it was written") in report.problems


def test_an_edited_row_whose_hash_was_recomputed_breaks_the_next_link(db, store, make_item):
    make_item("Tea")
    make_item("Coffee")
    rows = entries(db, store.id)
    target = rows[1]
    forged = {c: getattr(target, c) for c in chain.FIELDS} | {"changes": "{}"}
    _tamper(db, "UPDATE audit_entries SET changes = '{}', hash = :h WHERE id = :i",
            h=chain.row_hash(target.prev_hash, forged), i=target.id)
    report = chain.verify(store.id)
    assert [seq for seq, _ in report.problems] == [target.seq + 1]


def test_a_deleted_row_shows_on_verification(db, store, make_item):
    make_item("Tea")
    make_item("Coffee")
    seq, row_id = entries(db, store.id)[1].seq, entries(db, store.id)[1].id
    _tamper(db, "DELETE FROM audit_entries WHERE id = :i", i=row_id)
    report = chain.verify(store.id)
    assert report.problems == [(seq, f"row {seq} missing: deleted from the trail")]


def test_rows_deleted_from_the_end_show_against_the_chain_head(db, store, make_item):
    make_item("Tea")
    last = entries(db, store.id)[-1]
    seq, row_id = last.seq, last.id
    _tamper(db, "DELETE FROM audit_entries WHERE id = :i", i=row_id)
    report = chain.verify(store.id)
    assert [s for s, _ in report.problems] == [seq]


def test_the_verify_page_and_command_show_a_tampered_trail(db, store, make_item, login_as, app):
    manager = login_as("manager")
    make_item("Tea")
    assert "chain-ok" in manager.get("/audit/verify").get_data(as_text=True)
    target = entries(db, store.id)[0]
    _tamper(db, "UPDATE audit_entries SET summary = 'x' WHERE id = :i", i=target.id)
    page = manager.get("/audit/verify")
    assert page.status_code == 409 and f"row {target.seq} was edited" in page.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--store", str(store.id)])
    assert result.exit_code == 1 and f"row {target.seq} was edited" in result.output


def test_managers_read_and_export_the_trail_and_staff_cannot(db, store, make_item, login_as, manager):
    make_item("=SUM(A1)")
    page = manager.get("/audit/").get_data(as_text=True)
    assert "=SUM(A1)" in page and "create item" in page
    exported = manager.get("/audit/export.csv?entity=item")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert rows and {r["entity"] for r in rows} == {"item"}
    assert rows[0]["summary"] == "'=SUM(A1)"  # defused for spreadsheets
    assert login_as("staff").get("/audit/").status_code == 403
    assert manager.get("/audit/?before=abc").status_code == 400


def test_a_manager_sees_only_their_own_stores_trail(db, store, make_item, manager, other_store_manager,
                                                      make_store):
    rival = db.session.get(type(store), other_store_manager.store_id)
    make_item("Rival secret", store_id=rival.id)
    assert "Rival secret" not in manager.get("/audit/").get_data(as_text=True)


def test_the_trail_has_no_route_that_changes_it(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/audit")]
    assert rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)
