"""Extensions, created unbound here and bound to an app in ``create_app``.

The metadata naming convention is set before the first model exists: SQLite's batch
migrations can only drop or alter constraints that have names, and Alembic's autogenerate
only produces stable scripts when every constraint is named the same way on every engine.
"""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # noqa: ARG001
    """WAL lets readers work while a sync batch writes; foreign keys are off by default in SQLite."""
    module = type(dbapi_connection).__module__
    if not module.startswith(("sqlite3", "pysqlite")):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(conn, name):  # noqa: ARG001
    """Open a real transaction before the first SAVEPOINT on SQLite.

    pysqlite begins transactions only before INSERT/UPDATE/DELETE, so a SAVEPOINT issued
    first becomes the outermost transaction and its RELEASE commits: a sync batch whose
    events each run in a savepoint would then commit event by event, and a process killed
    mid-batch would leave events in the ledger whose levels were never settled. IMMEDIATE
    takes the write lock now (waiting up to busy_timeout), so the batch cannot fail later
    on a stale read snapshot when another worker committed in between.
    """
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")
