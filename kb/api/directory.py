"""Countries and organisations, with counts of the records the caller may see."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import func, select

from kb import access
from kb.api import schemas
from kb.api.common import PAGE_HEADERS, ApiPage, get_or_404, per_page
from kb.api.docs import errors
from kb.errors import NotFound
from kb.extensions import db
from kb.i18n import sort_countries
from kb.models import Country, Organisation, Programme, Request

blp = Blueprint(
    "api_directory",
    __name__,
    url_prefix="",
    description="Member states and organisations (public; counts follow your visibility).",
)


def _visible_counts(model: type[Request] | type[Programme], column: Any) -> dict[Any, int]:
    rows = db.session.execute(
        select(column, func.count())
        .where(access.visible_clause(model, current_user))
        .group_by(column)
    )
    return {key: count for key, count in rows.all()}


def _with_count(obj: Any, attr: str, counts: dict[Any, int], key: Any) -> Any:
    setattr(obj, attr, counts.get(key, 0))
    return obj


@blp.route("/countries", endpoint="countries")
@blp.arguments(schemas.CountryArgsSchema, location="query")
@blp.response(200, schemas.CountryListSchema)
@errors(blp, 422)
def countries(args: dict[str, Any]) -> Any:
    """All member states (and the observer States) by name in the client's `Accept-Language`,
    in its alphabetical order, each with the number of its requests that you may see."""
    query = select(Country)
    if args.get("region"):
        query = query.where(Country.region == args["region"])
    counts = _visible_counts(Request, Request.country_code)
    found = sort_countries(db.session.scalars(query))
    items = [_with_count(c, "visible_requests", counts, c.iso3) for c in found]
    return {"total": len(items), "items": items}


@blp.route("/countries/<string(length=3):iso3>", endpoint="country")
@blp.response(200, schemas.CountrySchema)
@errors(blp, 404)
def country(iso3: str) -> Any:
    """One member state (ISO 3166-1 alpha-3 code, any case)."""
    record = db.session.get(Country, iso3.upper()) if iso3.isalpha() and iso3.isascii() else None
    if record is None:
        raise NotFound(_l("No such country."))
    counts = _visible_counts(Request, Request.country_code)
    return _with_count(record, "visible_requests", counts, record.iso3)


@blp.route("/organisations", endpoint="organisations")
@blp.arguments(schemas.OrganisationArgsSchema, location="query")
@blp.response(200, schemas.OrganisationPageSchema, headers=PAGE_HEADERS)
@errors(blp, 422)
def organisations(args: dict[str, Any]) -> Any:
    """Organisations by name, each with the number of its programmes that you may see."""
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    if args.get("type"):
        query = query.where(Organisation.type == args["type"])
    page = ApiPage(query, args["page"], per_page(args))
    counts = _visible_counts(Programme, Programme.organisation_id)
    page.items = [_with_count(o, "visible_programmes", counts, o.id) for o in page.items]
    return page.envelope(), 200, page.headers()


@blp.route("/organisations/<int(min=1, max=2147483647):org_id>", endpoint="organisation")
@blp.response(200, schemas.OrganisationSchema)
@errors(blp, 404)
def organisation(org_id: int) -> Any:
    """One organisation."""
    org = get_or_404(Organisation, org_id)
    counts = _visible_counts(Programme, Programme.organisation_id)
    return _with_count(org, "visible_programmes", counts, org.id)
