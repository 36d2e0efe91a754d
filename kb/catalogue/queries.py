"""Read queries for requests and programmes; every one is filtered by what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload

from kb import access, codes
from kb.catalogue import eligibility
from kb.extensions import db
from kb.models import Country, Organisation, Programme, Request
from kb.models.types import has_code
from search.places import default_gazetteer

SORTS = {"updated": "Recently updated", "newest": "Newest", "title": "Title"}
DEFAULT_SORT = "updated"


@dataclass
class Filters:
    """List filters from the query string; unknown codes are dropped, not errors."""

    theme: str | None = None
    support_type: str | None = None
    region: str | None = None
    country: str | None = None
    place: str | None = None
    organisation_type: str | None = None
    language: str | None = None
    status: str | None = None
    q: str | None = None
    sort: str = DEFAULT_SORT
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any, kind: str) -> Filters:
        statuses = codes.REQUEST_STATUSES if kind == "request" else codes.PROGRAMME_READ_STATUSES
        allowed = {
            "theme": codes.THEMES,
            "support_type": codes.SUPPORT_TYPES,
            "region": codes.REGIONS,
            "organisation_type": codes.ORGANISATION_TYPES,
            "language": codes.LANGUAGES,
            "status": statuses,
            "sort": SORTS,
        }
        result = cls()
        for name, table in allowed.items():
            value = (args.get(name) or "").strip()
            if value and value in table:
                setattr(result, name, value)
            elif value:
                result.ignored.append(name)
        country = (args.get("country") or "").strip().upper()
        if country and db.session.get(Country, country) is not None:
            result.country = country
        elif country:
            result.ignored.append("country")
        place = (args.get("place") or "").strip()
        found = default_gazetteer().get(place) if place else None
        if found is not None:
            result.place = found.code
        elif place:
            result.ignored.append("place")
        q = (args.get("q") or "").strip()
        result.q = q[:200] or None
        return result

    def active(self) -> dict[str, str]:
        names = (
            "theme",
            "support_type",
            "region",
            "country",
            "place",
            "organisation_type",
            "language",
        )
        extra = ("status", "q")
        return {n: getattr(self, n) for n in names + extra if getattr(self, n)}

    def link_args(self) -> dict[str, str]:
        """The query string that gives this list again: the filters, and the sort if not the
        default (exports are linked with it, so that a download is in the list's order)."""
        args = self.active()
        if self.sort != DEFAULT_SORT:
            args["sort"] = self.sort
        return args


def place_states(code: str) -> list[str]:
    """The member states of a gazetteer place (none for an unknown code)."""
    place = default_gazetteer().get(code)
    return sorted(place.members) if place else []


def programme_place_clause(code: str) -> ColumnElement[bool]:
    """Programmes of a place: open to at least one of its states (the eligibility rule),
    or offered by an organisation based in one of them."""
    states = place_states(code)
    return or_(eligibility.states_clause(states), Organisation.country_code.in_(states))


def request_query(user: Any, filters: Filters) -> Select[Any]:
    query = select(Request).join(Request.country).where(access.visible_clause(Request, user))
    if filters.theme:
        query = query.where(has_code(Request.themes, filters.theme))
    if filters.support_type:
        query = query.where(has_code(Request.support_types, filters.support_type))
    if filters.language:
        query = query.where(has_code(Request.languages, filters.language))
    if filters.region:
        query = query.where(Country.region == filters.region)
    if filters.country:
        query = query.where(Request.country_code == filters.country)
    if filters.place:
        query = query.where(Request.country_code.in_(place_states(filters.place)))
    if filters.organisation_type and filters.organisation_type != "member_state":
        query = query.where(false())  # requests always come from member states
    if filters.status:
        query = query.where(Request.status == filters.status)
    if filters.q:
        query = query.where(_text_clause(Request, filters.q))
    return query.order_by(*_order(Request, filters.sort))


def programme_query(user: Any, filters: Filters) -> Select[Any]:
    query = (
        select(Programme).join(Programme.organisation).where(access.visible_clause(Programme, user))
    )
    if filters.theme:
        query = query.where(has_code(Programme.themes, filters.theme))
    if filters.support_type:
        query = query.where(has_code(Programme.support_types, filters.support_type))
    if filters.language:
        query = query.where(has_code(Programme.languages, filters.language))
    if filters.region:
        query = query.where(eligibility.region_clause(filters.region))
    if filters.country:
        country = db.session.get(Country, filters.country)
        assert country is not None  # checked in Filters.from_args
        query = query.where(eligibility.open_to_clause(country))
    if filters.place:
        query = query.where(programme_place_clause(filters.place))
    if filters.organisation_type:
        query = query.where(Organisation.type == filters.organisation_type)
    if filters.status:
        query = query.where(eligibility.status_clause(filters.status, date.today()))
    if filters.q:
        query = query.where(_text_clause(Programme, filters.q))
    return query.order_by(*_order(Programme, filters.sort))


def _text_clause(model: type[Request] | type[Programme], text: str) -> ColumnElement[bool]:
    """Every word must appear in the title or description (case-insensitive)."""
    words = [w for w in text.split() if w][:8]
    clauses = []
    for word in words:
        pattern = "%" + word.replace("\\", "").replace("%", "").replace("_", "").lower() + "%"
        clauses.append(
            or_(func.lower(model.title).like(pattern), func.lower(model.description).like(pattern))
        )
    return and_(*clauses)


def _order(model: type[Request] | type[Programme], sort: str) -> list[Any]:
    if sort == "newest":
        return [model.created_at.desc(), model.id.desc()]
    if sort == "title":
        return [model.title.asc(), model.id.asc()]
    return [model.updated_at.desc(), model.id.desc()]


def latest(model: type[Request] | type[Programme], user: Any, limit: int = 5) -> list[Any]:
    shown = Request.country if model is Request else Programme.organisation
    query = (
        select(model)
        .where(access.visible_clause(model, user))
        .options(joinedload(shown))  # the cards show it
        .order_by(model.updated_at.desc(), model.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
