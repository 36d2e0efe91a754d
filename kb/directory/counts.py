"""The directory's counts: requests per state and programmes per organisation, stored per
visibility level.

Each request adds one fact (:class:`~kb.models.DirectoryFact`) for its state, each programme
one for its organisation, at the record's level (``public`` / ``verified`` when published at
that visibility, ``secretariat`` otherwise: :func:`kb.reports.counts.level_of`, the one rule).
``directory_counts`` holds their counts per state or organisation and level, recounted after
each commit for the cells the changed records touch (the ``match.refresh`` job) and rebuilt by
``flask match refresh``. A viewer's count adds the levels they may see and, for an owner, the
``secretariat`` level of their own state or organisation (an owner owns every record there),
so a record the viewer may not see never changes a number they see, and a list reads one row
per state or organisation and level, whatever the size of the catalogue.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import delete, func, select

from kb import access, stored_counts
from kb.extensions import db
from kb.models import DirectoryCount, DirectoryFact, Programme, Request
from kb.reports.counts import level_of, viewer_levels

#: Fact kinds: what is counted, and the column that keys it.
REQUESTS, PROGRAMMES = "request", "programme"
Cell = tuple[str, str, str]  # kind, key, level
#: Records read at once by :func:`rebuild` (memory bounded by this, not the catalogue).
CHUNK = 5000


def _facts(kind: str, ids: list[int] | None) -> list[dict[str, Any]]:
    """The facts of these records (``None``: of every record of ``kind``)."""
    model: Any = Request if kind == REQUESTS else Programme
    key = Request.country_code if kind == REQUESTS else Programme.organisation_id
    query = select(model.id, model.status, model.visibility, key)
    rows = db.session.execute(query if ids is None else query.where(model.id.in_(ids)))
    return [
        {"kind": kind, "record_id": rid, "key": str(k), "level": level_of(kind, status, vis)}
        for rid, status, vis, k in rows
    ]


def update_records(request_ids: Iterable[int], programme_ids: Iterable[int]) -> None:
    """Replace the facts of these records and recount the cells they touch (the cells they
    left included: a record moved to another state or organisation, or deleted)."""
    cells: set[Cell] = set()
    for kind, ids in (
        (REQUESTS, sorted(set(request_ids))),
        (PROGRAMMES, sorted(set(programme_ids))),
    ):
        if not ids:
            continue
        mine = (DirectoryFact.kind == kind) & DirectoryFact.record_id.in_(ids)
        cells |= set(
            db.session.execute(
                select(DirectoryFact.kind, DirectoryFact.key, DirectoryFact.level).where(mine)
            ).all()
        )
        db.session.execute(delete(DirectoryFact).where(mine))
        facts = _facts(kind, ids)
        if facts:
            db.session.execute(DirectoryFact.__table__.insert(), facts)
        cells |= {(f["kind"], f["key"], f["level"]) for f in facts}
    _recount(cells)


def _recount(cells: set[Cell]) -> None:
    stored_counts.recount(DirectoryFact, DirectoryCount, ("kind", "key", "level"), cells)


def rebuild() -> None:
    """Recompute every fact and count (``flask match refresh``)."""
    db.session.execute(delete(DirectoryFact))
    db.session.execute(delete(DirectoryCount))
    for kind in (REQUESTS, PROGRAMMES):
        facts = _facts(kind, None)
        for start in range(0, len(facts), CHUNK):
            db.session.execute(DirectoryFact.__table__.insert(), facts[start : start + CHUNK])
    keys = [DirectoryFact.kind, DirectoryFact.key, DirectoryFact.level]
    out = [
        {"kind": kind, "key": key, "level": level, "count": n}
        for kind, key, level, n in db.session.execute(select(*keys, func.count()).group_by(*keys))
    ]
    for start in range(0, len(out), CHUNK):
        db.session.execute(DirectoryCount.__table__.insert(), out[start : start + CHUNK])


def _own_key(viewer: Any, kind: str) -> str | None:
    """The state (requests) or organisation (programmes) whose every record ``viewer`` owns."""
    prefix = "owner:country:" if kind == REQUESTS else "owner:org:"
    for token in access.viewer_tokens(viewer):
        if token.startswith(prefix):
            return token[len(prefix) :]
    return None


def visible(viewer: Any, kind: str, keys: Collection[str] | None = None) -> dict[str, int]:
    """State ISO3 (``request``) or organisation id as text (``programme``) → the records of
    ``kind`` there that ``viewer`` may see (``keys``: only those; absent: none)."""
    levels = viewer_levels(viewer)
    seen = DirectoryCount.level.in_(levels)
    own = None if "secretariat" in levels else _own_key(viewer, kind)
    if own is not None and (keys is None or own in keys):
        seen = seen | ((DirectoryCount.level == "secretariat") & (DirectoryCount.key == own))
    query = select(DirectoryCount.key, DirectoryCount.count).where(
        DirectoryCount.kind == kind, seen
    )
    if keys is not None:
        query = query.where(DirectoryCount.key.in_(list(keys)))
    out: dict[str, int] = {}
    for key, n in db.session.execute(query):
        out[key] = out.get(key, 0) + n
    return out
