"""Stored counts kept beside their facts (the directory's and the reports' tables): one
recount, shared, for the cells a commit touched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, tuple_

from kb.extensions import db

#: Cells recounted per statement (a bounded ``IN`` list of key tuples).
CHUNK = 500


def recount(fact: type[Any], count: type[Any], names: Sequence[str], cells: set[tuple]) -> None:
    """Count ``fact`` rows again for each of ``cells`` (values of the columns ``names``, in
    that order) and store them in ``count``: a cell with no fact left has no row."""
    keys = [getattr(fact, name) for name in names]
    counted = [getattr(count, name) for name in names]
    listed = sorted(cells)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        counts = dict.fromkeys(chunk, 0)
        rows = db.session.execute(
            select(*keys, func.count()).where(tuple_(*keys).in_(chunk)).group_by(*keys)
        )
        for *cell, n in rows:
            counts[tuple(cell)] = n
        db.session.execute(delete(count).where(tuple_(*counted).in_(chunk)))
        out = [
            {**dict(zip(names, cell, strict=True)), "count": n} for cell, n in counts.items() if n
        ]
        if out:
            db.session.execute(count.__table__.insert(), out)
