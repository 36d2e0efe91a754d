"""Whole-database dumps: the catalogue (``export-all``/``import-all``) and backups.

A dump is one JSON document ``{"format", "version", "schema", "created_at", "tables"}`` whose
``tables`` map a table name to its rows, ordered by primary key. Values are written by column
type (datetimes and dates as ISO text, code lists as arrays), so a dump loads into SQLite or
PostgreSQL alike, with the same ids; PostgreSQL sequences are moved past the loaded ids.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Integer, Table, func, inspect, select, text

from kb.errors import Conflict, Invalid
from kb.extensions import db
from kb.models import User
from kb.models.types import UTCDateTime

VERSION = 1
CATALOGUE, BACKUP = "capacity-exchange/catalogue", "capacity-exchange/backup"
#: What ``export-all`` carries; users are referred to by email (accounts are not exported).
CATALOGUE_TABLES = ("countries", "organisations", "requests", "programmes", "revisions", "matches")
USER_COLUMNS = {
    "requests": ("created_by_id",),
    "programmes": ("created_by_id",),
    "revisions": ("user_id",),
    "matches": ("proposed_by_id",),
}
#: Not backed up: the search queue is rebuilt after a restore (``flask search reindex``), and
#: the data generations (page-cache keys, ``kb/fragments.py``) change with the restore's own
#: writes, which must invalidate every cached page anyway.
BACKUP_SKIP = frozenset({"search_queue", "data_generations"})
_BATCH = 1000


def _tables(names: tuple[str, ...] | None = None) -> list[Table]:
    """Tables in dependency order (parents first), optionally only ``names``."""
    return [t for t in db.metadata.sorted_tables if names is None or t.name in names]


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _decode(column: Any, value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    if isinstance(column.type, UTCDateTime | DateTime):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def _schema_revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def dump_tables(tables: list[Table]) -> dict[str, list[dict[str, Any]]]:
    result = {}
    for table in tables:
        query = select(table).order_by(*table.primary_key.columns)
        rows = db.session.execute(query).mappings()
        result[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
    return result


def _document(kind: str, tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "format": kind,
        "version": VERSION,
        "schema": _schema_revision(),
        "created_at": datetime.now(UTC).isoformat(),
        "tables": tables,
    }


def catalogue_document() -> dict[str, Any]:
    """Countries, organisations, requests, programmes, revisions and match cases."""
    tables = dump_tables(_tables(CATALOGUE_TABLES))
    emails = {i: e for i, e in db.session.execute(select(User.id, User.email))}
    for name, columns in USER_COLUMNS.items():
        for row in tables.get(name, []):
            for column in columns:
                row[column] = emails.get(row[column])
    return _document(CATALOGUE, tables)


def backup_document() -> dict[str, Any]:
    """Every table but the search queue, users and their password hashes included."""
    tables = [t for t in _tables() if t.name not in BACKUP_SKIP]
    return _document(BACKUP, dump_tables(tables))


def to_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode()


def read_document(data: bytes | str, expected: str) -> dict[str, Any]:
    """Parse a dump and check its format and version. :raise Invalid: not such a dump."""
    try:
        document = json.loads(data)
    except ValueError as err:
        raise Invalid(f"Not a JSON document: {err}") from err
    if not isinstance(document, dict) or document.get("format") != expected:
        raise Invalid(f"Not a {expected} file.")
    if document.get("version") != VERSION or not isinstance(document.get("tables"), dict):
        raise Invalid(f"Unsupported {expected} version {document.get('version')!r}.")
    return document


def _count(table: Table) -> int:
    return db.session.scalar(select(func.count()).select_from(table)) or 0


def _insert(table: Table, rows: list[dict[str, Any]]) -> None:
    columns = {c.name: c for c in table.columns}
    decoded = [{k: _decode(columns[k], v) for k, v in r.items() if k in columns} for r in rows]
    for start in range(0, len(decoded), _BATCH):
        db.session.execute(table.insert(), decoded[start : start + _BATCH])


def _reset_sequences() -> None:
    """PostgreSQL: move each serial sequence past the highest loaded id."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in _tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        name, column = table.name, keys[0].name
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
                f"COALESCE((SELECT MAX({column}) FROM {name}), 0) + 1, false)"
            )
        )


def load_catalogue(document: dict[str, Any]) -> dict[str, int]:
    """Load an ``export-all`` document into an instance whose catalogue is empty.

    Countries already present are kept; users are matched by email (else left empty).
    :raise Conflict: the catalogue is not empty.
    """
    tables = document["tables"]
    busy = [t.name for t in _tables(CATALOGUE_TABLES[1:]) if _count(t)]
    if busy:
        raise Conflict(f"The catalogue is not empty ({', '.join(busy)}); nothing was imported.")
    users = {e: i for e, i in db.session.execute(select(User.email, User.id))}
    counts = {}
    for table in _tables(CATALOGUE_TABLES):
        rows = [dict(r) for r in tables.get(table.name, [])]
        if table.name == "countries":
            present = set(db.session.scalars(select(table.c.iso3)))
            rows = [r for r in rows if r["iso3"] not in present]
        for row in rows:
            for column in USER_COLUMNS.get(table.name, ()):
                row[column] = users.get(row.get(column) or "")
        _insert(table, rows)
        counts[table.name] = len(rows)
    _reset_sequences()
    return counts


def is_empty() -> bool:
    return not any(_count(t) for t in _tables() if t.name not in BACKUP_SKIP)


def restore(document: dict[str, Any], force: bool = False) -> dict[str, int]:
    """Load a backup into an empty database (``force``: empty it first).

    :raise Conflict: the database holds data, or the backup's schema revision differs.
    """
    schema = _schema_revision()
    if document.get("schema") and schema and document["schema"] != schema and not force:
        raise Conflict(
            f"The backup is of schema {document['schema']}, the database is at {schema}."
        )
    if not is_empty():
        if not force:
            raise Conflict("The database is not empty; use --force to replace its content.")
        for table in reversed(_tables()):
            db.session.execute(table.delete())
    counts = {}
    for table in _tables():
        rows = document["tables"].get(table.name, [])
        _insert(table, rows)
        counts[table.name] = len(rows)
    _reset_sequences()
    return counts
