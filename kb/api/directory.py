"""Countries and organisations, with counts of the records the caller may see (stored per
visibility level: :mod:`kb.directory.counts`)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from kb import fragments
from kb.api import schemas
from kb.api.common import PAGE_HEADERS, ApiPage, get_or_404, per_page
from kb.api.docs import errors
from kb.directory import counts as directory_counts
from kb.errors import NotFound
from kb.extensions import db
from kb.i18n import sort_countries
from kb.models import Country, Organisation

blp = Blueprint(
    "api_directory",
    __name__,
    url_prefix="",
    description="Member states and organisations (public; counts follow your visibility).",
)

COUNTRY_LIST = schemas.CountryListSchema()


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

    def render() -> Response:
        counts = directory_counts.visible(current_user, directory_counts.REQUESTS)
        found = sort_countries(db.session.scalars(query))
        items = [_with_count(c, "visible_requests", counts, c.iso3) for c in found]
        return current_app.json.response(COUNTRY_LIST.dump({"total": len(items), "items": items}))

    return fragments.json_response("api-countries", render)


@blp.route("/countries/<string(length=3):iso3>", endpoint="country")
@blp.response(200, schemas.CountrySchema)
@errors(blp, 404)
def country(iso3: str) -> Any:
    """One member state (ISO 3166-1 alpha-3 code, any case)."""
    record = db.session.get(Country, iso3.upper()) if iso3.isalpha() and iso3.isascii() else None
    if record is None:
        raise NotFound(_l("No such country."))
    counts = directory_counts.visible(current_user, directory_counts.REQUESTS, [record.iso3])
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
    counts = directory_counts.visible(
        current_user, directory_counts.PROGRAMMES, [str(o.id) for o in page.items]
    )
    page.items = [_with_count(o, "visible_programmes", counts, str(o.id)) for o in page.items]
    return page.envelope(), 200, page.headers()


@blp.route("/organisations/<int(min=1, max=2147483647):org_id>", endpoint="organisation")
@blp.response(200, schemas.OrganisationSchema)
@errors(blp, 404)
def organisation(org_id: int) -> Any:
    """One organisation."""
    org = get_or_404(Organisation, org_id)
    counts = directory_counts.visible(current_user, directory_counts.PROGRAMMES, [str(org.id)])
    return _with_count(org, "visible_programmes", counts, str(org.id))
