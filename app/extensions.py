"""Unbound extensions; bound to the app in ``create_app``. Imports nothing from ``app``."""
from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations are stable on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite, the embedded default, set up like a server database:

    * foreign keys enforced: SQLite ignores ON DELETE CASCADE / SET NULL unless asked;
    * the WAL journal: readers never wait for a writer, nor a writer for readers. In
      the default rollback journal a long write (an import, a reindex, an operator's
      upload) locks every reader of every village out of the file, and after the
      driver's five-second wait a visitor got an error page. The mode is stored in the
      database file, so only the first connection actually changes it (it needs the
      file to itself: if another process holds it, a later connection does it).
    """
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # "memory" for an in-memory database
        except sqlite3.OperationalError:
            pass
        cursor.close()
