"""The migrations are the schema: a model change without a migration fails here."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from webapp.extensions import db as _db


def test_models_and_migrations_describe_the_same_schema(db):
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, _db.metadata)
    assert diff == [], f"models and migrations disagree; run `flask db migrate`: {diff}"


def test_the_migrated_schema_names_every_constraint(db):
    unnamed = [
        (table.name, type(constraint).__name__)
        for table in _db.metadata.sorted_tables
        for constraint in table.constraints
        if not constraint.name
    ]
    assert unnamed == []


def test_upgrading_a_sqlite_store_with_data_keeps_every_row(tmp_path):
    """SQLite changes a table by copying it and dropping the old one; with foreign keys on, the
    drop deleted the rows that cascade from it (the barcodes of items) or failed half way. A
    store that already holds data (here the demo store, made at migration 0012) must come
    through every later migration whole, and back down and up again."""
    import sqlite3

    from flask_migrate import downgrade, upgrade

    from webapp import create_app
    from webapp.demo import service as demo

    path = tmp_path / "store.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "DEMO_MODE": True,
                      # the seed writes at 0012: no audit trail or label queue tables yet
                      "AUDIT_TRAIL": False, "LABEL_QUEUE": False})
    tables = ("items", "barcodes", "locations", "users", "stock_events", "stock_levels", "alert_states",
              "purchase_orders", "level_snapshots", "level_snapshot_rows")

    def counts() -> dict[str, int]:
        with sqlite3.connect(path) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608

    with app.app_context():
        upgrade(revision="0012_webhook_code_text")
        demo.seed()
        _db.session.remove()
        with sqlite3.connect(path) as conn:  # a past valuation's snapshot, as reports keep them
            conn.execute("INSERT INTO level_snapshots (id, store_id, at, events, max_event_id, built_at) "
                         "SELECT 1, id, '2026-11-01 05:00:00.000000', 0, 0, '2026-11-02 05:00:00.000000' "
                         "FROM stores LIMIT 1")
            conn.execute("INSERT INTO level_snapshot_rows (snapshot_id, item_id, location_id, quantity) "
                         "SELECT 1, item_id, location_id, quantity FROM stock_levels")
        before = counts()
        assert before["barcodes"] > 0 and before["level_snapshot_rows"] > 0
        upgrade()
        assert counts() == before
        downgrade(revision="0012_webhook_code_text")
        upgrade()
        assert counts() == before
        _db.engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
