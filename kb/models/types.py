"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, TypeDecorator, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class CodeList(TypeDecorator[list[str]]):
    """A list of canonical codes stored as ``|a|b|`` text.

    Portable across SQLite and PostgreSQL and filterable with a plain ``LIKE '%|code|%'``
    (see :func:`has_code`); codes never contain ``|``.
    """

    impl = String(1000)
    cache_ok = True

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> str:
        codes = [c for c in (value or []) if c]
        return "|" + "|".join(codes) + "|" if codes else ""

    def process_result_value(self, value: str | None, dialect: Dialect) -> list[str]:
        return [c for c in (value or "").split("|") if c]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        # SQLite keeps the wall time and drops the zone: store every instant in UTC.
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def has_code(column: Any, code: str) -> ColumnElement[bool]:
    """SQL condition: the :class:`CodeList` ``column`` contains ``code``."""
    return type_coerce(column, String).like(f"%|{code}|%")


def no_codes(column: Any) -> ColumnElement[bool]:
    """SQL condition: the :class:`CodeList` ``column`` is empty."""
    return type_coerce(column, String) == ""
