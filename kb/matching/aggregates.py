"""Supply and demand by theme and region, stored per visibility level.

Each live record adds facts (:class:`~kb.models.MatchFact`): an open request one per theme
in its state's region, an available programme one per theme and region it is open to, at
the record's visibility level. ``match_aggregates`` holds their counts per cell and level,
recomputed after each commit for the cells the changed records touch. A viewer's table adds
the levels they may see, plus, for an owner, their own confidential records (few rows) — so
a record the viewer may not see never changes a number they see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select, tuple_

from kb import access, codes
from kb.extensions import db
from kb.models import Country, MatchAggregate, MatchFact, Programme, Request
from search.matching import eligibility as rule

LEVELS = ("public", "verified", "secretariat")
Cell = tuple[str, str, str, str]  # level, kind, theme, region


def _available(programme: Programme, today: date) -> bool:
    """Open and not past its end date or application deadline (the day itself counts)."""
    return rule.available(
        {"status": programme.status, "end_date": programme.end_date,
         "application_deadline": programme.application_deadline},
        today,
    )  # fmt: skip


def _regions(programme: Programme, regions_of: dict[str, str]) -> list[str]:
    """UN regional groups with a state the programme is open to (all for global ones)."""
    reached = rule.regions_reached(programme.audience(), regions_of)
    return list(codes.REGIONS) if reached == [rule.GLOBAL] else reached


def _level(record: Request | Programme) -> str:
    return record.visibility if record.visibility in LEVELS else "secretariat"


def _request_facts(request: Request) -> list[dict[str, Any]]:
    if request.status != "open":
        return []
    return [
        {"kind": "request", "record_id": request.id, "level": _level(request), "theme": t,
         "region": request.country.region, "available_until": None}
        for t in request.themes
    ]  # fmt: skip


def until(programme: Programme) -> date | None:
    """The programme's last available day, by the one rule (``eligibility.AVAILABLE``)."""
    return rule.available_until(
        {"end_date": programme.end_date, "application_deadline": programme.application_deadline}
    )


def lapsed(column: Any, today: date | None = None) -> Any:
    """Facts of programmes whose last available day has passed: stored counts include them
    until the next refresh (after the daily expiry job, or the nightly one), so readers
    subtract them — a page never counts on a day a programme that lapsed the day before."""
    return column < (today or date.today())


def lapsed_facts(model: Any, today: date | None = None) -> Any:
    """The facts of ``model`` (:class:`MatchFact`, :class:`StateFact`) that :func:`lapsed`,
    found through their date index: a subquery on ``available_until`` alone. Given the date
    and a level together, SQLite's planner (no histogram of dates) walked every fact of the
    level to find the few that lapsed: 420 ms at 100,000 programmes, for none."""
    return model.id.in_(select(model.id).where(lapsed(model.available_until, today)))


def _programme_facts(
    programme: Programme, regions_of: dict[str, str], today: date
) -> list[dict[str, Any]]:
    if not _available(programme, today):
        return []
    level, last_day = _level(programme), until(programme)
    return [
        {"kind": "programme", "record_id": programme.id, "level": level, "theme": t,
         "region": r, "available_until": last_day}
        for t in programme.themes
        for r in _regions(programme, regions_of)
    ]  # fmt: skip


def _regions_of() -> dict[str, str]:
    return dict(db.session.execute(select(Country.iso3, Country.region)).all())


def update_records(request_ids: Iterable[int], programme_ids: Iterable[int]) -> None:
    """Replace the facts of these records and recount the cells they touch."""
    request_ids, programme_ids = list(request_ids), list(programme_ids)
    old = db.session.execute(
        select(MatchFact.level, MatchFact.kind, MatchFact.theme, MatchFact.region).where(
            ((MatchFact.kind == "request") & MatchFact.record_id.in_(request_ids))
            | ((MatchFact.kind == "programme") & MatchFact.record_id.in_(programme_ids))
        )
    ).all()
    cells: set[Cell] = set(old)
    for kind, ids in (("request", request_ids), ("programme", programme_ids)):
        if ids:
            db.session.execute(
                delete(MatchFact).where(MatchFact.kind == kind, MatchFact.record_id.in_(ids))
            )
    facts: list[dict[str, Any]] = []
    if request_ids:
        for r in db.session.scalars(select(Request).where(Request.id.in_(request_ids))):
            facts += _request_facts(r)
    if programme_ids:
        regions_of, today = _regions_of(), date.today()
        for p in db.session.scalars(select(Programme).where(Programme.id.in_(programme_ids))):
            facts += _programme_facts(p, regions_of, today)
    if facts:
        db.session.execute(MatchFact.__table__.insert(), facts)
    cells |= {(f["level"], f["kind"], f["theme"], f["region"]) for f in facts}
    _recount(cells)


def _recount(cells: set[Cell]) -> None:
    if not cells:
        return
    keys = [MatchFact.level, MatchFact.kind, MatchFact.theme, MatchFact.region]
    counts = dict.fromkeys(cells, 0)
    rows = db.session.execute(
        select(*keys, func.count()).where(tuple_(*keys).in_(list(cells))).group_by(*keys)
    )
    for level, kind, theme, region, n in rows:
        counts[(level, kind, theme, region)] = n
    agg = [MatchAggregate.level, MatchAggregate.kind, MatchAggregate.theme, MatchAggregate.region]
    db.session.execute(delete(MatchAggregate).where(tuple_(*agg).in_(list(cells))))
    rows_out = [
        {"level": c[0], "kind": c[1], "theme": c[2], "region": c[3], "count": n}
        for c, n in counts.items()
        if n
    ]
    if rows_out:
        db.session.execute(MatchAggregate.__table__.insert(), rows_out)


def rebuild() -> None:
    """Recompute every fact and count (``flask match refresh``)."""
    db.session.execute(delete(MatchFact))
    db.session.execute(delete(MatchAggregate))
    regions_of, today = _regions_of(), date.today()
    for requests in in_chunks(Request, Request.status == "open"):
        _insert_facts([f for r in requests for f in _request_facts(r)])
    for programmes in in_chunks(Programme, Programme.status == "open"):
        _insert_facts([f for p in programmes for f in _programme_facts(p, regions_of, today)])
    keys = [MatchFact.level, MatchFact.kind, MatchFact.theme, MatchFact.region]
    rows = db.session.execute(select(*keys, func.count()).group_by(*keys))
    counts = [
        {"level": lv, "kind": k, "theme": t, "region": rg, "count": n} for lv, k, t, rg, n in rows
    ]
    if counts:
        db.session.execute(MatchAggregate.__table__.insert(), counts)


def _insert_facts(facts: list[dict[str, Any]]) -> None:
    for start in range(0, len(facts), 5000):
        db.session.execute(MatchFact.__table__.insert(), facts[start : start + 5000])


#: Records loaded at once when facts are rebuilt: memory bounded by this, not the catalogue.
REBUILD_CHUNK = 2000


def in_chunks(model: Any, where: Any, size: int = REBUILD_CHUNK) -> Iterator[list[Any]]:
    """The records of ``model`` matching ``where``, ``size`` at a time (ids read first)."""
    ids = list(db.session.scalars(select(model.id).where(where).order_by(model.id)))
    for start in range(0, len(ids), size):
        yield list(db.session.scalars(select(model).where(model.id.in_(ids[start : start + size]))))


def viewer_levels(viewer: Any) -> tuple[str, ...]:
    if access.is_secretariat(viewer):
        return LEVELS
    if access.viewer_tokens(viewer) >= {"verified"}:
        return ("public", "verified")
    return ("public",)


def supply_and_demand(
    viewer: Any, today: date | None = None
) -> dict[str, dict[str, tuple[int, int]]]:
    """theme → region → (open requests, available programmes open to states there) on
    ``today``, from the records the viewer may see. Global programmes count in every
    region."""
    levels = viewer_levels(viewer)
    counts: dict[tuple[str, str, str], int] = {}
    rows = db.session.execute(
        select(
            MatchAggregate.kind, MatchAggregate.theme, MatchAggregate.region, MatchAggregate.count
        ).where(MatchAggregate.level.in_(levels))
    )
    for kind, theme, region, n in rows:
        counts[(kind, theme, region)] = counts.get((kind, theme, region), 0) + n
    gone = db.session.execute(  # lapsed since the counts were stored (few rows, indexed)
        select(MatchFact.kind, MatchFact.theme, MatchFact.region, func.count())
        .where(lapsed_facts(MatchFact, today), MatchFact.level.in_(levels))
        .group_by(MatchFact.kind, MatchFact.theme, MatchFact.region)
    )
    for kind, theme, region, n in gone:
        counts[(kind, theme, region)] = counts.get((kind, theme, region), 0) - n
    if "secretariat" not in levels:
        for kind, theme, region, n in _own_confidential(viewer, today):
            counts[(kind, theme, region)] = counts.get((kind, theme, region), 0) + n
    return {
        theme: {
            region: (counts.get(("request", theme, region), 0),
                     counts.get(("programme", theme, region), 0))
            for region in codes.REGIONS
        }
        for theme in codes.THEMES
    }  # fmt: skip


def _own_confidential(viewer: Any, today: date | None) -> list[tuple[str, str, str, int]]:
    """Cells of the viewer's own records at the ``secretariat`` level (owners see them)."""
    out: list[tuple[str, str, str, int]] = []
    for kind, model in (("request", Request), ("programme", Programme)):
        own = access.owned_clause(model, viewer)
        rows = db.session.execute(
            select(MatchFact.theme, MatchFact.region, func.count())
            .join(model, model.id == MatchFact.record_id)
            .where(MatchFact.kind == kind, MatchFact.level == "secretariat", own)
            .where(~lapsed(MatchFact.available_until, today) | MatchFact.available_until.is_(None))
            .group_by(MatchFact.theme, MatchFact.region)
        )
        out += [(kind, t, r, n) for t, r, n in rows]
    return out
