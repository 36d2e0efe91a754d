"""Changes whose match refresh has not run yet, so that a list about to change says so.

A committed change to a request or programme can move lists that do not hold it yet (a
programme edited to cover a need joins that request's list), but only the refresh after the
commit (the ``match.refresh`` job) knows which: a page may not run the engine. So the change
leaves a row in ``match_pending`` in its own transaction (:func:`note`, called by
:func:`kb.uow.unit_of_work` for every changed request and programme), and the refresh that
covers it deletes it in the transaction that writes the new lists (:func:`claim` before it
reads the records, :func:`clear` after): a row is there exactly while its change may not be
in the lists yet. Pages compare those rows with when their list was computed
(:func:`joining_since`, :func:`catalogue_since`), reading this small table and the changed
records only, and count only changes to records the viewer may see that their list could
take: a hidden programme's refresh never shows on a public page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, true

from kb import access
from kb.catalogue import eligibility
from kb.extensions import db
from kb.models import Country, MatchPending, Programme, Request
from kb.models.types import utcnow

#: The kinds of records whose changes move match lists.
KINDS = ("request", "programme")
#: The request statuses a programme's list holds (``queries.requests_for``).
LISTED_REQUESTS = ("open", "matched")
_CHUNK = 500


def note(refs: Iterable[tuple[str, int]]) -> None:
    """In the changing transaction: these records' refresh is pending from now."""
    now = utcnow()
    rows = [
        {"kind": kind, "record_id": record_id, "at": now}
        for kind, record_id in sorted(set(refs))
        if kind in KINDS
    ]
    for start in range(0, len(rows), 5000):  # an import: a few multi-row inserts
        db.session.execute(insert(MatchPending), rows[start : start + 5000])


def claim(refs: Iterable[tuple[str, int]] | None = None) -> list[int]:
    """Before a refresh reads the records: the pending rows it covers (those of ``refs``;
    every row for a full refresh, ``None``). Only rows committed by now are seen, so a change
    committed while the refresh runs keeps its row for its own refresh."""
    if refs is None:
        return list(db.session.scalars(select(MatchPending.id)))
    by_kind: dict[str, list[int]] = {}
    for kind, record_id in refs:
        if kind in KINDS:
            by_kind.setdefault(kind, []).append(int(record_id))
    ids: list[int] = []
    for kind, record_ids in by_kind.items():
        record_ids = sorted(set(record_ids))
        for start in range(0, len(record_ids), _CHUNK):
            ids += db.session.scalars(
                select(MatchPending.id).where(
                    MatchPending.kind == kind,
                    MatchPending.record_id.in_(record_ids[start : start + _CHUNK]),
                )
            )
    return ids


def clear(ids: list[int]) -> None:
    """In the refresh's transaction: the claimed changes are in the lists now."""
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        db.session.execute(delete(MatchPending).where(MatchPending.id.in_(part)))


def _earliest(model: Any, after: datetime | None, *where: ColumnElement[bool]) -> datetime | None:
    query = (
        select(func.min(MatchPending.at))
        .join(model, model.id == MatchPending.record_id)
        .where(MatchPending.kind == model.__name__.lower(), *where)
    )
    if after is not None:
        query = query.where(MatchPending.at > after)
    return db.session.scalar(query)


def joining_since(
    record: Request | Programme, viewer: Any, computed: datetime | None
) -> datetime | None:
    """When a record the viewer may see changed (after ``computed``, when the record's list
    was computed; ``None``: never or empty) whose refresh is pending and that may join this
    record's list: for a request, an open programme open to its state; for a programme, an
    open request of a state it is open to. ``None`` when there is none."""
    if isinstance(record, Request):
        where = [Programme.status == "open", access.visible_clause(Programme, viewer)]
        country = db.session.get(Country, record.country_code) if record.country_code else None
        if country is not None:
            where.append(eligibility.open_to_clause(country))
        return _earliest(Programme, computed, *where)
    where = [Request.status.in_(LISTED_REQUESTS), access.visible_clause(Request, viewer)]
    states = list(
        db.session.scalars(
            select(Request.country_code)
            .join(MatchPending, MatchPending.record_id == Request.id)
            .where(MatchPending.kind == "request", *where)
            .where(MatchPending.at > computed if computed is not None else true())
            .distinct()
        )
    )
    open_to = [s for s in states if s and _open_to(record, s)]
    if not open_to:
        return None
    return _earliest(Request, computed, *where, Request.country_code.in_(open_to))


def _open_to(programme: Programme, state: str) -> bool:
    country = db.session.get(Country, state)
    if country is None:
        return False
    query = select(Programme.id).where(
        Programme.id == programme.id, eligibility.open_to_clause(country)
    )
    return db.session.scalar(query) is not None


def catalogue_since(viewer: Any) -> datetime | None:
    """When the earliest change the viewer may see to a record the Matches page can list
    (an open programme, an open or matched request) was committed, while its refresh is
    pending: the page's pairs and unmet needs may change."""
    found = [
        _earliest(
            Programme, None, Programme.status == "open", access.visible_clause(Programme, viewer)
        ),
        _earliest(
            Request,
            None,
            Request.status.in_(LISTED_REQUESTS),
            access.visible_clause(Request, viewer),
        ),
    ]
    return min((t for t in found if t is not None), default=None)
