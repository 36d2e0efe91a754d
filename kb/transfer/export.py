"""Exports of a filtered list: the list page's query (so only what the viewer may see)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload

from kb.catalogue import queries
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


def export_list(viewer: Any, plural: str, args: Any, fmt: str) -> bytes:
    """The records of ``plural`` the viewer may see, filtered by ``args``, as a ``fmt`` file."""
    kind = plural[:-1]
    filters = queries.Filters.from_args(args, kind)
    if kind == "request":
        query = queries.request_query(viewer, filters)
    else:
        query = queries.programme_query(viewer, filters).options(
            selectinload(Programme.organisation)
        )
    records = db.session.scalars(query.limit(MAX_ROWS)).all()
    return write([to_row(r) for r in records], plural, fmt)
