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
