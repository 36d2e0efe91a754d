"""Initiative pages: the list with facets, one initiative, the form (create, edit) and its
moderation actions, possible overlaps, IATI import."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from kb import access, codes
from kb.admin.routes import secretariat_required
from kb.catalogue.status_view import status_change
from kb.errors import Invalid
from kb.extensions import db
from kb.formfields import choices
from kb.history import revisions_for
from kb.i18n import country_choices, country_name, organisation_choices, sort_key
from kb.initiatives import operations, queries
from kb.initiatives.forms import InitiativeForm
from kb.models import Country, Organisation
from kb.models.initiative import Initiative, InitiativeOverlap, InitiativePartner
from kb.uow import unit_of_work
from kb.uploads.safety import UnsafeFile, check_size, too_large_message, upload_limit
from kb.uploads.too_large import form_page_for
from kb.views import copy_errors

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")
PER_PAGE = 50


def _facet(role: str, base: Any) -> list[tuple[Organisation, int]]:
    ids = base.with_only_columns(Initiative.id).order_by(None).subquery()
    rows = db.session.execute(
        select(Organisation, func.count())
        .join(InitiativePartner, InitiativePartner.organisation_id == Organisation.id)
        .where(InitiativePartner.role == role, InitiativePartner.initiative_id.in_(select(ids)))
        .group_by(Organisation.id)
        .order_by(func.count().desc(), Organisation.name)
        .limit(30)
    )
    pairs = [(org, count) for org, count in rows]
    return sorted(pairs, key=lambda pair: (-pair[1], sort_key(pair[0].display_name)))


def _beneficiary_facet(base: Any, countries: dict[str, Country]) -> list[tuple[Country, int]]:
    """The listed initiatives' beneficiary states, most frequent first (at most 30), states with
    the same count by name in the interface language."""
    lists = db.session.scalars(base.with_only_columns(Initiative.beneficiary_countries))
    counts = Counter(code for codes_ in lists for code in set(codes_ or []) if code in countries)
    rows = [(countries[code], n) for code, n in counts.items()]
    return sorted(rows, key=lambda row: (-row[1], sort_key(country_name(row[0]))))[:30]


@bp.route("")
def index() -> str:
    filters = queries.Filters.from_args(request.args)
    base = queries.initiative_query(current_user, filters)
    total = db.session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    page = max(
        int(request.args.get("page", "1")) if request.args.get("page", "1").isdigit() else 1, 1
    )
    items = db.session.scalars(base.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    countries = {c.iso3: c for c in db.session.scalars(select(Country))}
    return render_template(
        "initiatives/index.html",
        items=items,
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        filters=filters,
        funders=_facet("funder", base),
        implementers=_facet("implementer", base),
        beneficiaries=_beneficiary_facet(base, countries),
        countries=countries,
        work_statuses=codes.labels(codes.WORK_STATUSES),
        can_create=queries.can_create(current_user),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


def _download(data: bytes, name: str, fmt: str) -> Response:
    from kb.transfer.export import MIMETYPES

    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.route("/export.<any(csv,xlsx):fmt>")
def export(fmt: str) -> Response | tuple[str, int]:
    """The list's initiatives (same filters), in the template's columns plus readable ones."""
    from datetime import date

    from kb.transfer.export import TooManyRows, export_initiatives

    try:
        data = export_initiatives(current_user, request.args, fmt)
    except TooManyRows as err:
        back = url_for(".index", **request.args)
        page = render_template(
            "transfer/too_many.html", plural="initiatives", message=err.message, back=back
        )
        return page, 400
    return _download(data, f"initiatives-{date.today().isoformat()}", fmt)


@bp.route("/template.<any(csv,xlsx):fmt>")
def template(fmt: str) -> Response:
    """The empty template to fill in and import (``flask kb import FILE --kind initiatives``
    or the Secretariat's import page)."""
    from kb.transfer.export import initiative_template

    return _download(initiative_template(fmt), "initiatives-template", fmt)


@bp.route("/<int:initiative_id>")
def detail(initiative_id: int) -> str:
    item = db.session.get(Initiative, initiative_id)
    if item is None or not queries.can_view(current_user, item):
        abort(404)
    overlaps = db.session.scalars(
        queries.overlaps_query(current_user, verdict="").where(
            (InitiativeOverlap.first_id == item.id) | (InitiativeOverlap.second_id == item.id)
        )
    ).all()
    countries = {c.iso3: c for c in db.session.scalars(select(Country))}
    history = revisions_for(item) if queries.can_see_history(current_user, item) else None  # type: ignore[arg-type]
    return render_template(
        "initiatives/detail.html",
        item=item,
        budget=queries.budget_visible(current_user, item),
        overlaps=overlaps,
        countries=countries,
        history=history,
        can_edit=queries.can_edit(current_user, item),
        actions=operations.allowed_actions(current_user, item),
    )


def _fill_choices(form: InitiativeForm) -> None:
    orgs = organisation_choices(db.session.scalars(select(Organisation)))
    for name in ("funders", "implementers", "partners"):
        getattr(form, name).choices = choices(orgs)
    states = db.session.scalars(select(Country).order_by(Country.name))
    form.beneficiary_countries.choices = choices(country_choices(states))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> str | Response:
    if not queries.can_create(current_user):
        abort(403)
    form = InitiativeForm()
    _fill_choices(form)
    if request.method == "GET" and current_user.organisation_id:
        form.implementers.data = [current_user.organisation_id]
    if form.validate_on_submit():
        try:
            with unit_of_work():
                item = operations.create_initiative(current_user, form.to_data())
        except Invalid as err:
            copy_errors(form, err)
        else:
            flash(
                pgettext(
                    "initiative",
                    "Saved as a draft. Submit it when it is ready for publication.",
                ),
                "success",
            )
            return redirect(url_for(".detail", initiative_id=item.id))
    return render_template("initiatives/form.html", form=form, item=None), (
        400 if form.errors else 200
    )


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int) -> str | Response:
    item = db.session.get(Initiative, initiative_id)
    if item is None or not queries.can_view(current_user, item):
        abort(404)
    if not queries.can_edit(current_user, item):
        abort(403)
    form = InitiativeForm(obj=item)
    _fill_choices(form)
    if request.method == "GET":
        form.fill(item)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                changes = operations.update_initiative(current_user, item, form.to_data())
        except Invalid as err:
            copy_errors(form, err)
        else:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".detail", initiative_id=item.id))
    return render_template("initiatives/form.html", form=form, item=item), (
        400 if form.errors else 200
    )


@bp.route("/<int:initiative_id>/status/<action>", methods=["GET", "POST"])
@login_required
def change_status(initiative_id: int, action: str) -> str | Response:
    """POST applies a moderation action; withdrawing first shows a confirmation page (GET),
    whose button posts back with ``confirmed=yes``."""
    item = db.session.get(Initiative, initiative_id)
    if item is None or not queries.can_view(current_user, item):
        abort(404)
    return status_change(
        record=item,
        action=action,
        transitions=operations.TRANSITIONS,
        allowed_actions=operations.allowed_actions,
        change_status=operations.change_status,
        statuses=codes.INITIATIVE_STATUSES,
        detail_url=url_for(".detail", initiative_id=initiative_id),
        action_url=url_for(".change_status", initiative_id=initiative_id, action=action),
    )


@bp.route("/overlaps", methods=["GET", "POST"])
def overlaps() -> Any:
    if request.method == "POST":
        if not access.is_secretariat(current_user):
            abort(403)
        try:
            overlap_id = int(request.form.get("overlap", ""))
        except ValueError:
            abort(400)
        with unit_of_work():
            operations.decide_overlap(current_user, overlap_id, request.form.get("verdict", ""))
        flash(_("Verdict saved."), "success")
        return redirect(url_for(".overlaps", **request.args))
    state = request.args.get("state", "").strip().upper()[:3]
    verdict = request.args.get("verdict", "open")
    if verdict not in ("open", "coordinated", "not_overlap", ""):
        verdict = "open"
    organisation = request.args.get("organisation", "")
    org_id = int(organisation) if organisation.isdigit() and len(organisation) < 10 else None
    query = queries.overlaps_query(current_user, state, verdict, organisation=org_id)
    rows = db.session.scalars(query.limit(200)).all()
    countries = {c.iso3: c for c in db.session.scalars(select(Country))}
    return render_template(
        "initiatives/overlaps.html", rows=rows, state=state, verdict=verdict, countries=countries
    )


@bp.route("/import", methods=["GET", "POST"])
@secretariat_required
def import_page() -> Any:
    if request.method == "GET":
        return render_template("initiatives/import.html", report=None, error=None)
    upload = request.files.get("file")
    dry_run = request.form.get("dry_run") == "1"
    if upload is None or not upload.filename:
        return render_template(
            "initiatives/import.html", report=None, error=_("Choose a file.")
        ), 400
    data = upload.read(upload_limit() + 1)
    try:
        check_size(data)
        with unit_of_work():
            report = operations.import_iati(data, current_user, dry_run=dry_run)
            if dry_run:
                raise _DryRun(report)
            operations.refresh_derived(operations.changed_initiatives())
    except _DryRun as done:
        return render_template("initiatives/import.html", report=done.report, error=None)
    except (Invalid, UnsafeFile) as err:
        return render_template("initiatives/import.html", report=None, error=err.message), 400
    # the page words the report (what was kept, added, updated)
    return render_template("initiatives/import.html", report=report, error=None)


@form_page_for("initiatives.import_page")
@secretariat_required
def _import_too_large() -> tuple[str, int]:
    """The upload form again after a body over the one upload limit, saying the limit."""
    page = render_template("initiatives/import.html", report=None, error=too_large_message())
    return page, 413


class _DryRun(Exception):
    """Raised inside the unit of work so that a dry run writes nothing."""

    def __init__(self, report: operations.IatiReport) -> None:
        super().__init__("dry run")
        self.report = report


@bp.app_template_global()
def initiatives_in(
    iso3: str, statuses: tuple[str, ...] = (), limit: int = 20
) -> tuple[list[Initiative], int]:
    """Initiatives the viewer may see that take place in ``iso3`` (country pages), of these
    work ``statuses`` (all when empty): the ``limit`` latest, and how many there are."""
    query = queries.initiative_query(current_user, queries.Filters(beneficiary=iso3))
    if statuses:
        query = query.where(Initiative.work_status.in_(statuses))
    return _some(query, limit)


@bp.app_template_global()
def initiatives_of(org_id: int, role: str, limit: int = 20) -> tuple[list[Initiative], int]:
    """Initiatives the viewer may see that ``org_id`` funds, implements or partners in
    (organisation pages): the ``limit`` latest, and how many there are."""
    if role == "funder":
        filters = queries.Filters(funder=org_id)
    elif role == "implementer":
        filters = queries.Filters(implementer=org_id)
    else:
        filters = queries.Filters(partner=org_id)
    return _some(queries.initiative_query(current_user, filters), limit)


def _some(query: Any, limit: int) -> tuple[list[Initiative], int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return list(db.session.scalars(query.limit(limit))), total or 0


@bp.app_template_global()
def overlaps_of(org_id: int, limit: int = 10) -> tuple[list[InitiativeOverlap], int]:
    """Possible overlaps the viewer may see of initiatives ``org_id`` funds or implements
    (organisation pages, "My work"), and how many there are."""
    return queries.overlap_list(current_user, limit, organisation=org_id)


@bp.app_template_filter("overlap_reasons")
def overlap_reasons(reasons: dict[str, Any]) -> list[str]:
    return queries.reason_phrases(reasons)
