"""Small helpers shared by the blueprints' views."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import request
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select

from kb.errors import DomainError
from kb.extensions import db


def copy_errors(form: FlaskForm, err: DomainError) -> None:
    """Show an operation's field errors next to the form's fields."""
    placed = False
    for name, messages in err.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
            placed = True
    if not placed:
        form.form_errors.append(err.message)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


class Rows(Protocol):
    """A list a page can be cut from without a single query (e.g. merged from several)."""

    def count(self) -> int: ...

    def fetch(self, offset: int, limit: int) -> list[Any]: ...


class QueryRows:
    """A single query as :class:`Rows`: counted with a count query, cut with limit/offset."""

    def __init__(self, query: Select[Any]) -> None:
        self.query = query

    def count(self, limit: int | None = None) -> int:
        counted = self.query.order_by(None)
        if limit is not None:
            counted = counted.limit(limit)
        return db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0

    def fetch(self, offset: int, limit: int) -> list[Any]:
        return list(db.session.scalars(self.query.limit(limit).offset(offset)))


def as_rows(query: Select[Any] | Rows) -> Rows:
    return QueryRows(query) if isinstance(query, Select) else query


class Page:
    """One page of a query, with the total (a count query, never ``len()`` of all rows).

    ``total``: known already (a stored count), not counted again. ``count_limit``: count at
    most that many rows (bounded work); when there are more, ``more_than`` is that number and
    ``total`` stops there (for the first page of a preview, not for paging through)."""

    def __init__(
        self,
        query: Select[Any] | Rows,
        page: int,
        per_page: int,
        total: int | None = None,
        count_limit: int | None = None,
    ) -> None:
        self.page = max(page, 1)
        self.per_page = per_page
        self.more_than: int | None = None
        rows = as_rows(query)
        if total is None and count_limit is not None and isinstance(rows, QueryRows):
            total = rows.count(count_limit + 1)
            if total > count_limit:
                self.more_than = total = count_limit
        elif total is None:
            total = rows.count()
        self.total = total
        self.pages = max((self.total + per_page - 1) // per_page, 1)
        if self.page > self.pages:
            self.page = self.pages
        offset = (self.page - 1) * per_page
        self.items = rows.fetch(offset, per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_arg() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 100000 else 1
