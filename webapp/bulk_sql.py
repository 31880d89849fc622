"""Bulk SQL for the hot paths: INSERT ... ON CONFLICT DO NOTHING, one statement for many rows.

Written against table names in ``db.metadata`` so that any capability (the ledger, the sync
receipts, transfers, alerts) can use them without importing another's models; the same text
runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import TextClause

from webapp.extensions import db


def insert_for(table):
    """An INSERT that can say ON CONFLICT DO NOTHING on the engine in use."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@functools.cache
def insert_ignoring(table_name: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                    returning: str | None = None) -> TextClause:
    """INSERT ... ON CONFLICT (...) DO NOTHING [RETURNING], as one cached statement.

    The same text runs on SQLite and PostgreSQL. Written as text because SQLAlchemy cannot
    cache the dialects' ``on_conflict_do_nothing`` constructs, and compiling one per event
    cost more than the insert itself; the columns' types still process the values.
    """
    table = db.metadata.tables[table_name]
    for name in (*columns, *conflict, *([returning] if returning else [])):
        table.c[name]  # noqa: B018  (a KeyError unless every name is a column of the table)
    values = ", ".join(":" + c for c in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({values})"  # noqa: S608  (metadata names)
    sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    stmt = text(sql + (f" RETURNING {returning}" if returning else ""))
    stmt = stmt.bindparams(*[bindparam(c, type_=table.c[c].type) for c in columns])
    return stmt.columns(table.c[returning]) if returning else stmt


def insert_many_ignoring(table_name: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                         rows: list[dict], *, returning: str | tuple[str, ...] | None = None,
                         chunk: int = 500) -> list:
    """INSERT many rows ... ON CONFLICT DO NOTHING [RETURNING], a few statements in all.

    Returns, for the rows inserted (not those whose conflict key existed), the ``returning``
    column's values as the driver gives them (keys and ids: no result types apply), or rows of
    the columns when ``returning`` is a tuple.

    The hot path of every sync batch, so the statement goes to the driver as written
    (``exec_driver_sql``: SQLAlchemy's events, errors and transaction still apply, but not its
    per-parameter compiling, which cost more than the insert). Each value still passes its
    column type's bind processor. On PostgreSQL the rows travel as one array per column, in
    psycopg's binary format (``%b``; the text format quotes every string of an array through a
    regular expression); SQLite gets multi-row VALUES of at most ``chunk`` rows (its parameter
    limit).
    """
    if not rows:
        return []
    names = (returning,) if isinstance(returning, str) else (returning or ())
    connection = db.session.connection()
    dialect = connection.dialect
    processors = _processors(table_name, columns, dialect)
    results = []
    if dialect.name == "postgresql":
        sql = _unnest_insert(table_name, columns, conflict, names)
        for start in range(0, len(rows), 5000):
            part = rows[start:start + 5000]
            params = tuple([process(row[c]) for row in part] if process else [row[c] for row in part]
                           for c, process in zip(columns, processors, strict=True))
            results.append(connection.exec_driver_sql(sql, params))
    else:
        chunk = max(1, chunk)
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            params = tuple(process(row[c]) if process else row[c]
                           for row in part for c, process in zip(columns, processors, strict=True))
            results.append(connection.exec_driver_sql(
                _multi_insert(table_name, columns, conflict, names, len(part)), params))
    if not names:
        return []
    if isinstance(returning, str):
        return [row[0] for result in results for row in result]
    return [tuple(row) for result in results for row in result]


@functools.lru_cache(maxsize=256)
def _processors(table_name: str, columns: tuple[str, ...], dialect) -> tuple:
    table = db.metadata.tables[table_name]
    return tuple(table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns)


@functools.lru_cache(maxsize=1024)
def _multi_insert(table_name: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                  returning: tuple[str, ...], n: int) -> str:
    table = db.metadata.tables[table_name]
    for name in (*columns, *conflict, *returning):
        table.c[name]  # noqa: B018  (a KeyError unless every name is a column of the table)
    row = "(" + ", ".join("?" for _ in columns) + ")"
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {', '.join([row] * n)}"  # noqa: S608
           f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING")
    return sql + (f" RETURNING {', '.join(returning)}" if returning else "")


@functools.lru_cache(maxsize=64)
def _unnest_insert(table_name: str, columns: tuple[str, ...], conflict: tuple[str, ...],
                   returning: tuple[str, ...]) -> str:
    table = db.metadata.tables[table_name]
    dialect = postgresql.dialect()
    for name in (*conflict, *returning):
        table.c[name]  # noqa: B018
    arrays = ", ".join(f"CAST(%b AS {table.c[c].type.compile(dialect=dialect)}[])" for c in columns)
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"  # noqa: S608
           f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING")
    return sql + (f" RETURNING {', '.join(returning)}" if returning else "")
