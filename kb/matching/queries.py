"""Read queries for the Matches page: best open pairs, unmet needs, supply vs demand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from kb import access, codes
from kb.catalogue import eligibility
from kb.extensions import db
from kb.models import Country, Match, MatchSuggestion, Programme, Request
from kb.models.types import has_code
from search.matching import eligibility as rule

#: The overview lists at most this many programmes per request, and no weak pairs.
BEST_PER_REQUEST = 3


@dataclass
class MatchFilters:
    region: str | None = None
    theme: str | None = None
    country: str | None = None
    since: date | None = None

    @classmethod
    def from_args(cls, args: Any) -> MatchFilters:
        region = args.get("region") if args.get("region") in codes.REGIONS else None
        theme = args.get("theme") if args.get("theme") in codes.THEMES else None
        country = (args.get("country") or "").upper() or None
        if country and db.session.get(Country, country) is None:
            country = None
        raw = args.get("since")
        since = raw if isinstance(raw, date) else None
        if isinstance(raw, str):
            try:
                since = date.fromisoformat(raw)
            except ValueError:
                since = None
        return cls(region, theme, country, since)


def best_pairs_query(viewer: Any, filters: MatchFilters) -> Select[Any]:
    """Stored suggestions whose request AND programme the viewer may see, best first."""
    query = (
        select(MatchSuggestion)
        .join(MatchSuggestion.request)
        .join(Request.country)
        .join(Programme, MatchSuggestion.programme_id == Programme.id)
        .where(access.visible_clause(Request, viewer), access.visible_clause(Programme, viewer))
        .where(MatchSuggestion.audience == access.audience(viewer))
        .where(Request.status.in_(("open", "matched")), Programme.status == "open")
        .where(MatchSuggestion.rank <= BEST_PER_REQUEST, MatchSuggestion.quality != "weak")
        .options(
            joinedload(MatchSuggestion.request).joinedload(Request.country),
            joinedload(MatchSuggestion.programme).joinedload(Programme.organisation),
        )
    )
    if filters.region:
        query = query.where(Country.region == filters.region)
    if filters.country:
        query = query.where(Request.country_code == filters.country)
    if filters.theme:
        query = query.where(has_code(Request.themes, filters.theme))
    if filters.since:
        since = datetime.combine(filters.since, datetime.min.time(), tzinfo=UTC)
        query = query.where(or_(Request.created_at >= since, Programme.created_at >= since))
    return query.order_by(MatchSuggestion.score.desc(), MatchSuggestion.id)


def unmet_needs(viewer: Any, filters: MatchFilters) -> list[tuple[Request, float]]:
    """Open requests that no programme covers (``MatchSuggestion.covers``) among those the
    viewer's audience may see, with their best score; visible requests only."""
    audience = access.audience(viewer)
    mine = MatchSuggestion.audience == audience
    covered = select(MatchSuggestion.request_id).where(mine, MatchSuggestion.covers.is_(True))
    best = (
        select(MatchSuggestion.request_id, func.max(MatchSuggestion.score).label("score"))
        .where(mine)
        .group_by(MatchSuggestion.request_id)
        .subquery()
    )
    query = (
        select(Request, best.c.score)
        .join(Request.country)
        .outerjoin(best, best.c.request_id == Request.id)
        .where(Request.status == "open", access.visible_clause(Request, viewer))
        .where(Request.id.not_in(covered))
        .order_by(best.c.score.asc().nulls_first(), Request.id)
    )
    if filters.region:
        query = query.where(Country.region == filters.region)
    if filters.country:
        query = query.where(Request.country_code == filters.country)
    if filters.theme:
        query = query.where(has_code(Request.themes, filters.theme))
    return [(r, s or 0.0) for r, s in db.session.execute(query).all()]


def supply_and_demand(viewer: Any) -> dict[str, dict[str, tuple[int, int]]]:
    """theme → region → (open requests, available programmes open to states there),
    visible ones only. Global programmes count in every region.
    """
    demand: Counter[tuple[str, str]] = Counter()
    supply: Counter[tuple[str, str]] = Counter()
    requests = db.session.scalars(
        select(Request)
        .where(Request.status == "open", access.visible_clause(Request, viewer))
        .options(joinedload(Request.country))
    )
    for r in requests:
        for theme in r.themes:
            demand[(theme, r.country.region)] += 1
    regions_of = eligibility.region_map()
    programmes = db.session.scalars(
        select(Programme).where(
            eligibility.available_clause(date.today()), access.visible_clause(Programme, viewer)
        )
    )
    for p in programmes:
        reached = rule.regions_reached(p.audience(), regions_of)
        regions = list(codes.REGIONS) if reached == [rule.GLOBAL] else reached
        for theme in p.themes:
            for region in regions:
                supply[(theme, region)] += 1
    return {
        theme: {
            region: (demand[(theme, region)], supply[(theme, region)]) for region in codes.REGIONS
        }
        for theme in codes.THEMES
    }


def cases_query(viewer: Any) -> Select[Any]:
    """Workflow matches the viewer takes part in (all of them for the Secretariat)."""
    query = select(Match).options(
        joinedload(Match.request).joinedload(Request.country),
        joinedload(Match.programme).joinedload(Programme.organisation),
    )
    if not access.is_secretariat(viewer):
        own_requests = select(Request.id).where(access.owned_clause(Request, viewer))
        own_programmes = select(Programme.id).where(access.owned_clause(Programme, viewer))
        query = query.where(
            or_(Match.request_id.in_(own_requests), Match.programme_id.in_(own_programmes))
        )
    return query.order_by(Match.updated_at.desc(), Match.id.desc())
