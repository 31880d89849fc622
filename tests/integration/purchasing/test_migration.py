"""Migration 0025: the free-text vendors of existing POs become vendor records, linked."""

import sqlite3

from webapp.extensions import db as _db


def test_each_free_text_vendor_becomes_one_vendor_of_its_store_and_its_pos_link_to_it(tmp_path):
    from flask_migrate import downgrade, upgrade

    from webapp import create_app
    from webapp.demo import service as demo

    path = tmp_path / "store.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "DEMO_MODE": True,
                      "AUDIT_TRAIL": False, "LABEL_QUEUE": False})  # their tables come with other migrations
    with app.app_context():
        upgrade(revision="0024_clover17_stock_changes")
        demo.seed()
        _db.session.remove()
        insert = ("INSERT INTO purchase_orders (store_id, reference, vendor, status, note, created_by, "
                  "created_at) SELECT store_id, ?, {vendor}, ?, '', created_by, created_at "
                  "FROM purchase_orders LIMIT 1")
        with sqlite3.connect(path) as conn:  # a second PO from the same vendor, one from a new one
            conn.execute(insert.format(vendor="vendor"), ("OLD-1", "closed"))
            conn.execute(insert.format(vendor="'Corner Supply'"), ("OLD-2", "draft"))
            before = conn.execute("SELECT store_id, vendor, count(*) FROM purchase_orders "
                                  "GROUP BY store_id, vendor ORDER BY vendor").fetchall()
        upgrade()
        with sqlite3.connect(path) as conn:
            vendors = conn.execute("SELECT store_id, name, lead_time_days, order_minimum_cents, currency "
                                   "FROM vendors ORDER BY name").fetchall()
            linked = conn.execute(
                "SELECT v.store_id, v.name, count(*) FROM po_vendors l JOIN vendors v "
                "ON v.id = l.vendor_id GROUP BY v.store_id, v.name ORDER BY v.name").fetchall()
        assert len(before) >= 2 and ("Corner Supply" in {name for _, name, _ in before})
        assert vendors == [(store_id, name, 7, 0, "USD") for store_id, name, _ in before]
        assert linked == before  # every PO linked, to its own store's vendor of its name
        downgrade(revision="0024_clover17_stock_changes")
        upgrade()
        _db.engine.dispose()
