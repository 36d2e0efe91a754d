"""Exports of a filtered list: the list page's query (so only what the viewer may see), in the
list page's order. A list longer than :data:`MAX_ROWS` is refused with a reason, never cut."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.catalogue import queries
from kb.errors import DomainError
from kb.extensions import db
from kb.models import Programme
from kb.transfer.formats import to_row, write

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
#: An export is a download of a list, not a backup: cap it (``flask kb export-all`` has no cap).
MAX_ROWS = 20000


class TooManyRows(DomainError):
    """More records match than a download holds."""


def too_many(total: int, plural: str) -> str | None:
    """Why a list of ``total`` records cannot be downloaded (None: it can)."""
    if total <= MAX_ROWS:
        return None
    return (
        f"{total:,} {plural} match: more than the {MAX_ROWS:,} a download holds. Narrow the "
        "filters to download them; the Secretariat can export the whole catalogue with "
        "flask kb export-all."
    )


def export_list(viewer: Any, plural: str, args: Any, fmt: str) -> bytes:
    """The records of ``plural`` the viewer may see, filtered and sorted by ``args`` as on the
    list page, as a ``fmt`` file.

    :raise TooManyRows: more than :data:`MAX_ROWS` match.
    """
    kind = plural[:-1]
    filters = queries.Filters.from_args(args, kind)
    if kind == "request":
        query = queries.request_query(viewer, filters)
    else:
        query = queries.programme_query(viewer, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if (reason := too_many(total or 0, plural)) is not None:
        raise TooManyRows(reason)
    if kind == "programme":
        query = query.options(selectinload(Programme.organisation))
    records = db.session.scalars(query).all()
    return write([to_row(r) for r in records], plural, fmt)
