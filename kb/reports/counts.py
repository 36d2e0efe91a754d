"""The landscape report's counts, stored per day of creation and visibility level.

Each record adds facts (:class:`~kb.models.ReportFact`): one ``total``, one per theme, support
type and language, one per region (a request's state's group; the groups a programme is open
to, or ``global``; the groups of an initiative's beneficiary states) and a programme's provider
type and provider (``implementer``), on the day it was created, at its level. An initiative
(kind ``initiative``) adds one fact per funder, implementer and beneficiary state and its work
status. ``report_counts`` holds their counts per cell, recounted after each commit for the
cells the changed records touch (the ``match.refresh`` job; for initiatives
``initiatives.refresh``) and rebuilt by ``flask match refresh``. A viewer's report sums the
levels they may see over the period's days, plus, for an owner, their own records at the
``secretariat`` level (few rows) — so a record the viewer may not see never changes a number
they see, and the page reads a few hundred rows whatever the size of the catalogue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select

from kb import access, stamps, stored_counts
from kb.extensions import db
from kb.models import (
    Country,
    Organisation,
    Programme,
    ReportCount,
    ReportFact,
    Request,
)
from kb.models.initiative import Initiative, InitiativePartner
from search.matching import eligibility as rule

LEVELS = ("public", "verified", "secretariat")
#: Records whose facts are computed at once by :func:`rebuild`.
REBUILD_CHUNK = 2000
STAMP = "report_counts"
Cell = tuple[str, str, date, str, str]  # level, kind, day, dimension, code
#: (kind, dimension, code) → count
Totals = Counter[tuple[str, str, str]]


#: Statuses in which each kind is published (initiatives: kb.initiatives.queries).
PUBLISHED = {**access.PUBLISHED, "initiative": frozenset({"published"})}


def level_of(kind: str, status: str, visibility: str) -> str:
    """Who sees the record: ``public`` / ``verified`` when published at that visibility,
    ``secretariat`` otherwise (its owner sees it too: added per viewer)."""
    if status in PUBLISHED[kind] and visibility in ("public", "verified"):
        return visibility
    return "secretariat"


def viewer_levels(viewer: Any) -> tuple[str, ...]:
    """The levels ``viewer`` sees (as :func:`kb.access.visible_clause`)."""
    if access.is_secretariat(viewer):
        return LEVELS
    if access.viewer_tokens(viewer) >= {"verified"}:
        return ("public", "verified")
    return ("public",)


def _facts(
    kind: str, record_id: int, level: str, created: datetime, pairs: Iterable[tuple[str, str]]
) -> list[dict[str, Any]]:
    day = created.date()
    return [
        {"kind": kind, "record_id": record_id, "level": level, "day": day, "dimension": d,
         "code": c}
        for d, c in [("total", ""), *pairs]
    ]  # fmt: skip


def _request_rows(ids: list[int] | None) -> Any:
    query = select(
        Request.id, Request.status, Request.visibility, Request.created_at, Request.themes,
        Request.support_types, Request.languages, Country.region,
    ).join(Country, Request.country_code == Country.iso3)  # fmt: skip
    return db.session.execute(query if ids is None else query.where(Request.id.in_(ids)))


def _programme_rows(ids: list[int] | None) -> Any:
    query = select(
        Programme.id, Programme.status, Programme.visibility, Programme.created_at,
        Programme.themes, Programme.support_types, Programme.languages, Organisation.type,
        Programme.eligible_regions, Programme.eligible_countries, Programme.organisation_id,
    ).join(Organisation, Programme.organisation_id == Organisation.id)  # fmt: skip
    return db.session.execute(query if ids is None else query.where(Programme.id.in_(ids)))


def _codes(themes: list[str], supports: list[str], languages: list[str]) -> list[tuple[str, str]]:
    return (
        [("theme", t) for t in themes]
        + [("support_type", s) for s in supports]
        + [("language", lg) for lg in languages]
    )


def _initiative_facts(ids: list[int] | None, regions_of: dict[str, str]) -> list[dict]:
    query = select(
        Initiative.id, Initiative.status, Initiative.visibility, Initiative.created_at,
        Initiative.themes, Initiative.support_types, Initiative.beneficiary_countries,
        Initiative.work_status,
    )  # fmt: skip
    partners = select(
        InitiativePartner.initiative_id, InitiativePartner.role, InitiativePartner.organisation_id
    )
    if ids is not None:
        query = query.where(Initiative.id.in_(ids))
        partners = partners.where(InitiativePartner.initiative_id.in_(ids))
    roles: dict[int, list[tuple[str, str]]] = {}
    for initiative_id, role, org_id in db.session.execute(partners):
        if role in ("funder", "implementer"):
            roles.setdefault(initiative_id, []).append((role, str(org_id)))
    facts: list[dict[str, Any]] = []
    for iid, status, vis, created, themes, supports, states, work in db.session.execute(query):
        regions = sorted({regions_of[s] for s in states if s in regions_of})
        pairs = [
            *_codes(themes, supports, []),
            *(("region", r) for r in regions),
            *(("beneficiary", s) for s in states),
            *sorted(set(roles.get(iid, []))),
            ("work_status", work),
        ]
        facts += _facts("initiative", iid, level_of("initiative", status, vis), created, pairs)
    return facts


def _facts_for(
    request_ids: list[int] | None,
    programme_ids: list[int] | None,
    initiative_ids: list[int] | None = (),  # type: ignore[assignment]
) -> list[dict]:
    facts: list[dict[str, Any]] = []
    if request_ids is None or request_ids:
        for rid, status, vis, created, themes, supports, langs, region in _request_rows(
            request_ids
        ):
            pairs = [*_codes(themes, supports, langs), ("region", region)]
            facts += _facts("request", rid, level_of("request", status, vis), created, pairs)
    if programme_ids is None or programme_ids:
        regions_of = dict(db.session.execute(select(Country.iso3, Country.region)).all())
        for row in _programme_rows(programme_ids):
            pid, status, vis, created, themes, supports, langs, org_type, er, ec, org = row
            audience = {"eligible_regions": er, "eligible_countries": ec}
            reached = rule.regions_reached(audience, regions_of)
            pairs = [
                *_codes(themes, supports, langs),
                *(("region", r) for r in reached),
                ("org_type", org_type),
                ("implementer", str(org)),
            ]
            facts += _facts("programme", pid, level_of("programme", status, vis), created, pairs)
    if initiative_ids is None or initiative_ids:
        regions_of = dict(db.session.execute(select(Country.iso3, Country.region)).all())
        facts += _initiative_facts(initiative_ids, regions_of)
    return facts


def _cell(fact: dict[str, Any]) -> Cell:
    return (fact["level"], fact["kind"], fact["day"], fact["dimension"], fact["code"])


def update_records(
    request_ids: Iterable[int], programme_ids: Iterable[int], initiative_ids: Iterable[int] = ()
) -> None:
    """Replace the facts of these records and recount the cells they touch."""
    request_ids, programme_ids = sorted(set(request_ids)), sorted(set(programme_ids))
    initiative_ids = sorted(set(initiative_ids))
    if not request_ids and not programme_ids and not initiative_ids:
        return
    keys = [ReportFact.level, ReportFact.kind, ReportFact.day, ReportFact.dimension]
    mine = (
        ((ReportFact.kind == "request") & ReportFact.record_id.in_(request_ids))
        | ((ReportFact.kind == "programme") & ReportFact.record_id.in_(programme_ids))
        | ((ReportFact.kind == "initiative") & ReportFact.record_id.in_(initiative_ids))
    )
    cells: set[Cell] = set(db.session.execute(select(*keys, ReportFact.code).where(mine)).all())
    db.session.execute(delete(ReportFact).where(mine))
    facts = _facts_for(request_ids, programme_ids, initiative_ids)
    if facts:
        db.session.execute(ReportFact.__table__.insert(), facts)
    cells |= {_cell(f) for f in facts}
    _recount(cells)
    _stamp()


def _recount(cells: set[Cell]) -> None:
    names = ("level", "kind", "day", "dimension", "code")
    stored_counts.recount(ReportFact, ReportCount, names, cells)


def rebuild() -> None:
    """Recompute every fact and count (``flask match refresh``, imports)."""
    db.session.execute(delete(ReportFact))
    db.session.execute(delete(ReportCount))
    for model, kind in ((Request, "request"), (Programme, "programme")):
        ids = list(db.session.scalars(select(model.id).order_by(model.id)))
        for start in range(0, len(ids), REBUILD_CHUNK):  # memory bounded by the chunk
            chunk = ids[start : start + REBUILD_CHUNK]
            facts = _facts_for(chunk, []) if kind == "request" else _facts_for([], chunk)
            for part in range(0, len(facts), 5000):
                db.session.execute(ReportFact.__table__.insert(), facts[part : part + 5000])
    facts = _facts_for([], [], None)  # initiatives (few)
    for start in range(0, len(facts), 5000):
        db.session.execute(ReportFact.__table__.insert(), facts[start : start + 5000])
    keys = [ReportFact.level, ReportFact.kind, ReportFact.day, ReportFact.dimension,
            ReportFact.code]  # fmt: skip
    rows = [
        {"level": lv, "kind": k, "day": d, "dimension": dim, "code": c, "count": n}
        for lv, k, d, dim, c, n in db.session.execute(select(*keys, func.count()).group_by(*keys))
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(ReportCount.__table__.insert(), rows[start : start + 5000])
    _stamp()


def _stamp() -> None:
    stamps.stamp(STAMP)


def computed_at() -> datetime | None:
    """When the counts were last brought up to date (None: never)."""
    return stamps.stamped(STAMP)


def lag(viewer: Any) -> datetime | None:
    """``computed_at`` when a record ``viewer`` may see changed after it (the refresh has not
    caught up yet); a change to a record they may not see is not theirs to know of."""
    from kb.initiatives.queries import visible_clause as initiative_visible

    computed = computed_at()
    changed = [
        db.session.scalar(
            select(model.updated_at)
            .where(access.visible_clause(model, viewer))
            .order_by(model.updated_at.desc())
            .limit(1)
        )
        for model in (Request, Programme)
    ]
    changed.append(
        db.session.scalar(
            select(Initiative.updated_at)
            .where(initiative_visible(viewer))
            .order_by(Initiative.updated_at.desc())
            .limit(1)
        )
    )
    latest = max((t for t in changed if t is not None), default=None)
    if computed is None or latest is None or latest <= computed:
        return None
    return computed


def totals(viewer: Any, start: date, end: date) -> Totals:
    """(kind, dimension, code) → records created from ``start`` to ``end`` (days included)
    that ``viewer`` may see; dimension ``day`` gives the count per day (code: ISO date)."""
    out: Totals = Counter()
    rows = db.session.execute(
        select(ReportCount.kind, ReportCount.day, ReportCount.dimension, ReportCount.code,
               func.sum(ReportCount.count))
        .where(ReportCount.level.in_(viewer_levels(viewer)))
        .where(ReportCount.day >= start, ReportCount.day <= end)
        .group_by(ReportCount.kind, ReportCount.day, ReportCount.dimension, ReportCount.code)
    )  # fmt: skip
    for kind, day, dimension, code, n in rows:
        _add(out, kind, day, dimension, code, int(n))
    if not access.is_secretariat(viewer):
        for kind, day, dimension, code, n in _own_hidden(viewer, start, end):
            _add(out, kind, day, dimension, code, n)
    return out


def _add(out: Totals, kind: str, day: date, dimension: str, code: str, n: int) -> None:
    out[(kind, dimension, code)] += n
    if dimension == "total":
        out[(kind, "day", day.isoformat())] += n


def _own_hidden(viewer: Any, start: date, end: date) -> list[tuple[str, date, str, str, int]]:
    """Facts of the viewer's own records at the ``secretariat`` level (owners see them)."""
    out: list[tuple[str, date, str, str, int]] = []
    for kind, model in (("request", Request), ("programme", Programme)):
        own = access.owned_clause(model, viewer)
        rows = db.session.execute(
            select(ReportFact.day, ReportFact.dimension, ReportFact.code, func.count())
            .join(model, model.id == ReportFact.record_id)
            .where(ReportFact.kind == kind, ReportFact.level == "secretariat", own)
            .where(ReportFact.day >= start, ReportFact.day <= end)
            .group_by(ReportFact.day, ReportFact.dimension, ReportFact.code)
        )
        out += [(kind, d, dim, c, n) for d, dim, c, n in rows]
    from kb.initiatives.queries import own_organisation

    org = own_organisation(viewer)
    if org is not None:  # the partners' providers own their initiatives
        theirs = select(InitiativePartner.initiative_id).where(
            InitiativePartner.organisation_id == org
        )
        rows = db.session.execute(
            select(ReportFact.day, ReportFact.dimension, ReportFact.code, func.count())
            .where(ReportFact.kind == "initiative", ReportFact.level == "secretariat")
            .where(ReportFact.record_id.in_(theirs))
            .where(ReportFact.day >= start, ReportFact.day <= end)
            .group_by(ReportFact.day, ReportFact.dimension, ReportFact.code)
        )
        out += [("initiative", d, dim, c, n) for d, dim, c, n in rows]
    return out
