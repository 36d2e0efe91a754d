"""Flask extensions, created unbound here and bound to the app in the factory."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

#: Constraint names that Alembic can rely on, on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
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


#: How long a SQLite connection waits for another's write to finish (ms).
SQLITE_BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite databases in a file run in write-ahead-log mode: pages keep reading while a
    large write (an import, a match refresh) is under way, instead of failing with
    "database is locked"; a writer waits up to :data:`SQLITE_BUSY_TIMEOUT_MS` for another."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
        if mode != "memory":  # in-memory databases keep their own mode
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()
