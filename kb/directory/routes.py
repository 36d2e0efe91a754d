"""Country and organisation pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from kb import access, codes
from kb.admin.routes import secretariat_required
from kb.catalogue import eligibility
from kb.directory import counts as directory_counts
from kb.directory import operations
from kb.directory.forms import OrganisationForm
from kb.errors import DomainError
from kb.extensions import db
from kb.formfields import choices
from kb.fragments import lazy
from kb.history import revisions_for
from kb.i18n import country_choices
from kb.matching import state_map
from kb.matching.service import match_service
from kb.models import Country, Organisation, Programme, Request
from kb.uow import unit_of_work
from kb.views import Page, copy_errors, page_arg

bp = Blueprint("directory", __name__)

#: Records a country page lists (most recently updated first); the rest are a link away.
LISTED = 20
#: Organisations listed per page of ``/organisations``.
ORGANISATIONS_PER_PAGE = 50


@bp.route("/countries")
def countries() -> str:
    """The states by regional group, each with the stored count of the requests the viewer
    may see; a cached fragment (computed only when the cache does not hold it)."""

    def listed() -> dict[str, Any]:
        by_region: dict[str, list[Country]] = {region: [] for region in codes.REGIONS}
        observers: list[Country] = []
        for country in db.session.scalars(select(Country).order_by(Country.name)):
            if country.is_observer:
                observers.append(country)
            else:
                by_region.setdefault(country.region, []).append(country)
        counts = directory_counts.visible(current_user, directory_counts.REQUESTS)
        return {"by_region": by_region, "observers": observers, "counts": counts}

    return render_template("directory/countries.html", listed=lazy(listed))


@bp.route("/countries/<iso3>")
def country(iso3: str) -> str:
    record = db.session.get(Country, iso3.upper())
    if record is None:
        abort(404)

    def listed() -> dict[str, Any]:
        return _country_records(record)

    return render_template("directory/country.html", country=record, listed=lazy(listed))


def _country_records(record: Country) -> dict[str, Any]:
    """The newest requests of the state and programmes open to it, with their totals: the
    stored counts (the directory's requests per state; the map's available programmes open
    to the state), never a count of the catalogue."""
    requests = (
        select(Request)
        .where(Request.country_code == record.iso3, access.visible_clause(Request, current_user))
        .options(joinedload(Request.country))
    )
    programmes = (
        select(Programme)
        .where(
            eligibility.eligible_clause(record, date.today()),
            access.visible_clause(Programme, current_user),
        )
        .options(joinedload(Programme.organisation))
    )
    stored = directory_counts.visible(current_user, directory_counts.REQUESTS, [record.iso3])
    requests_total = stored.get(record.iso3, 0)
    threshold = match_service().config.unmet_threshold
    figures = state_map.figures(current_user, threshold).get(record.iso3)
    offers = figures.offers if figures else 0
    return {
        "requests": _newest(Request, requests),
        "programmes": _newest(Programme, programmes),
        "totals": {"requests": requests_total, "programmes": offers},
    }


def _newest(model: type[Request] | type[Programme], query: Select[Any]) -> list[Any]:
    """The ``LISTED`` most recently updated rows; the full list is the catalogue's."""
    return list(db.session.scalars(query.order_by(model.updated_at.desc()).limit(LISTED)))


@bp.route("/organisations")
def organisations() -> str:
    """Organisations by name, ``PER_PAGE`` at a time, filtered by type and by words of the
    name or acronym, each with the number of its programmes the viewer may see (stored)."""
    org_type = request.args.get("type")
    query = select(Organisation)
    if org_type in codes.ORGANISATION_TYPES:
        query = query.where(Organisation.type == org_type)
    else:
        org_type = None
    words = " ".join(request.args.get("q", "").split())[:100]
    for word in words.split()[:8]:
        pattern = "%" + word.replace("\\", "").replace("%", "").replace("_", "").lower() + "%"
        query = query.where(
            or_(
                func.lower(Organisation.name).like(pattern),
                func.lower(func.coalesce(Organisation.acronym, "")).like(pattern),
            )
        )
    query = query.order_by(func.lower(Organisation.name), Organisation.id)

    def listed() -> dict[str, Any]:
        page = Page(query, page_arg(), ORGANISATIONS_PER_PAGE)
        keys = [str(o.id) for o in page.items]
        counts = directory_counts.visible(current_user, directory_counts.PROGRAMMES, keys)
        return {"page": page, "counts": {int(key): n for key, n in counts.items()}}

    return render_template(
        "directory/organisations.html", listed=lazy(listed), org_type=org_type, words=words
    )


def _org_form(org: Organisation | None = None) -> OrganisationForm:
    form = OrganisationForm(obj=org)
    countries = db.session.scalars(select(Country))
    form.country_code.choices = choices([("", "—"), *country_choices(countries)])
    return form


@bp.route("/organisations/new", methods=["GET", "POST"])
@secretariat_required
def organisation_new() -> str | Response:
    """``?name=`` prefills the name; ``?back=queue`` returns to the Secretariat queue, where
    an account waiting for this organisation can then be approved."""
    form = _org_form()
    back_to_queue = request.args.get("back") == "queue"
    if request.method == "GET" and request.args.get("name"):
        form.name.data = request.args["name"][:200]
    if form.validate_on_submit():
        try:
            with unit_of_work():
                org = operations.create_organisation(current_user, form.to_data())
        except DomainError as err:
            copy_errors(form, err)
        else:
            if back_to_queue:
                flash(
                    _("%(name)s added: you can now approve the account.", name=org.display_name),
                    "success",
                )
                return redirect(url_for("admin.queue"))
            flash(_("Organisation added."), "success")
            return redirect(url_for(".organisation", org_id=org.id))
    return render_template(
        "directory/organisation_form.html", form=form, org=None, back_to_queue=back_to_queue
    )


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@secretariat_required
def organisation_edit(org_id: int) -> str | Response:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    form = _org_form(org)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                changes = operations.update_organisation(current_user, org, form.to_data())
        except DomainError as err:
            copy_errors(form, err)
        else:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".organisation", org_id=org.id))
    return render_template("directory/organisation_form.html", form=form, org=org)


@bp.route("/organisations/<int:org_id>")
def organisation(org_id: int) -> str:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)

    def programmes() -> Page:
        """Its programmes the viewer may see, newest first, ``LISTED`` a page (the total is
        the stored count)."""
        query = (
            select(Programme)
            .where(
                Programme.organisation_id == org.id, access.visible_clause(Programme, current_user)
            )
            .options(joinedload(Programme.organisation))
            .order_by(Programme.updated_at.desc(), Programme.id.desc())
        )
        key = str(org.id)
        total = directory_counts.visible(current_user, directory_counts.PROGRAMMES, [key])
        return Page(query, page_arg(), LISTED, total=total.get(key, 0))

    history = lazy(lambda: revisions_for(org) if access.is_secretariat(current_user) else None)
    return render_template(
        "directory/organisation.html", org=org, programmes=lazy(programmes), history=history
    )
