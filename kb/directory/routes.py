"""Country and organisation pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from kb import access, codes
from kb.catalogue import queries
from kb.extensions import db
from kb.models import Country, Organisation, Programme, Request

bp = Blueprint("directory", __name__)


@bp.route("/countries")
def countries() -> str:
    counts = dict(
        db.session.execute(
            select(Request.country_code, func.count())
            .where(access.visible_clause(Request, current_user))
            .group_by(Request.country_code)
        ).all()
    )
    by_region: dict[str, list[Country]] = {region: [] for region in codes.REGIONS}
    for country in db.session.scalars(select(Country).order_by(Country.name)):
        by_region.setdefault(country.region, []).append(country)
    return render_template("directory/countries.html", by_region=by_region, counts=counts)


@bp.route("/countries/<iso3>")
def country(iso3: str) -> str:
    record = db.session.get(Country, iso3.upper())
    if record is None:
        abort(404)
    requests = db.session.scalars(
        select(Request)
        .where(Request.country_code == record.iso3, access.visible_clause(Request, current_user))
        .order_by(Request.updated_at.desc())
    ).all()
    programmes = db.session.scalars(
        select(Programme)
        .where(
            Programme.status == "open",
            queries.eligible_clause(record),
            access.visible_clause(Programme, current_user),
        )
        .order_by(Programme.updated_at.desc())
    ).all()
    return render_template(
        "directory/country.html", country=record, requests=requests, programmes=programmes
    )


@bp.route("/organisations")
def organisations() -> str:
    org_type = request.args.get("type")
    query = select(Organisation).order_by(Organisation.name)
    if org_type in codes.ORGANISATION_TYPES:
        query = query.where(Organisation.type == org_type)
    else:
        org_type = None
    counts = dict(
        db.session.execute(
            select(Programme.organisation_id, func.count())
            .where(access.visible_clause(Programme, current_user))
            .group_by(Programme.organisation_id)
        ).all()
    )
    return render_template(
        "directory/organisations.html",
        organisations=db.session.scalars(query).all(),
        counts=counts,
        org_type=org_type,
    )


@bp.route("/organisations/<int:org_id>")
def organisation(org_id: int) -> str:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    programmes = db.session.scalars(
        select(Programme)
        .where(Programme.organisation_id == org.id, access.visible_clause(Programme, current_user))
        .order_by(Programme.updated_at.desc())
    ).all()
    return render_template("directory/organisation.html", org=org, programmes=programmes)
