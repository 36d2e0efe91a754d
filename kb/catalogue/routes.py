"""Pages for requests and programmes: lists, details, create, edit and lifecycle actions.

Both kinds share these views; :data:`KINDS` says what differs. Views parse, check access,
call an operation inside the unit of work and render.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from kb import access, codes
from kb.catalogue import operations, queries
from kb.catalogue.forms import CommentForm, ProgrammeForm, RecordForm, RequestForm
from kb.catalogue.status_view import status_change
from kb.errors import DomainError, Invalid
from kb.extensions import db
from kb.formfields import choices
from kb.fragments import lazy
from kb.history import revisions_for
from kb.i18n import country_choices, organisation_choices
from kb.matching.routes import panel_for
from kb.models import CatalogueRecord, Country, Organisation, Programme, Request
from kb.places import eligible as eligible_places
from kb.transfer import export
from kb.uow import unit_of_work
from kb.views import Page, copy_errors, page_arg

bp = Blueprint("catalogue", __name__)


@dataclass(frozen=True)
class Kind:
    kind: str
    plural: str
    model: type[Request] | type[Programme]
    form: type[RecordForm]
    create: Callable[..., CatalogueRecord]
    query: Callable[..., Any]
    statuses: dict[str, str]
    label: str


KINDS = {
    "requests": Kind(
        "request",
        "requests",
        Request,
        RequestForm,
        operations.create_request,
        queries.request_query,
        codes.REQUEST_STATUSES,
        "Request",
    ),
    "programmes": Kind(
        "programme",
        "programmes",
        Programme,
        ProgrammeForm,
        operations.create_programme,
        queries.programme_query,
        codes.PROGRAMME_READ_STATUSES,
        "Programme",
    ),
}
PLURALS = "<any(requests,programmes):plural>"


def _kind(plural: str) -> Kind:
    return KINDS[plural]


def _load_visible(kind: Kind, record_id: int) -> CatalogueRecord:
    """The record, or 404 when it does not exist *or* the viewer may not see it."""
    record = db.session.get(kind.model, record_id)
    if record is None or not access.can_view(current_user, record):
        abort(404)
    return record


def fill_choices(form: RecordForm, record: CatalogueRecord | None = None) -> None:
    """Owners pick only their own state or organisation; the Secretariat picks any."""
    secretariat = access.is_secretariat(current_user)
    if isinstance(form, RequestForm):
        if secretariat:
            countries = db.session.scalars(select(Country).order_by(Country.name))
            form.country_code.choices = choices(country_choices(countries))
        else:
            country = record.country if isinstance(record, Request) else current_user.country
            form.country_code.choices = choices(country_choices([country] if country else []))
    elif isinstance(form, ProgrammeForm):
        if secretariat:
            orgs = db.session.scalars(select(Organisation))
            form.organisation_id.choices = choices(organisation_choices(orgs))
        else:
            org = record.organisation if isinstance(record, Programme) else None
            org = org or current_user.organisation
            form.organisation_id.choices = choices([(org.id, org.display_name)] if org else [])
        countries = db.session.scalars(select(Country).order_by(Country.name))
        form.eligible_countries.choices = choices(country_choices(countries))
        form.eligible_places.choices = [
            SelectChoice(code, name, optgroup=group)
            for group, places in eligible_places.grouped_choices()
            for code, name in places
        ]


@bp.route(f"/{PLURALS}")
def list_records(plural: str) -> str:
    kind = _kind(plural)
    filters = queries.Filters.from_args(request.args, kind.kind)
    shown = Request.country if kind.model is Request else Programme.organisation

    def listed() -> Page:
        query = kind.query(current_user, filters).options(contains_eager(shown))  # one query
        return Page(query, page_arg(), current_app.config["PER_PAGE"])

    page = lazy(listed)
    return render_template(
        "catalogue/list.html",
        kind=kind,
        page=page,
        filters=filters,
        countries=lazy(lambda: db.session.scalars(select(Country).order_by(Country.name)).all()),
        sorts=queries.SORTS,
        no_download=lazy(lambda: export.too_many(page.total, plural)),
    )


@bp.route(f"/{PLURALS}/new", methods=["GET", "POST"])
@login_required
def create(plural: str) -> str | Response:
    kind = _kind(plural)
    allowed = (
        access.can_create_request(current_user)
        if kind.kind == "request"
        else access.can_create_programme(current_user)
    )
    if not allowed:
        abort(403)
    form = kind.form()
    fill_choices(form)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                record = kind.create(current_user, form.to_data())
        except Invalid as err:
            copy_errors(form, err)
        else:
            saved = (
                pgettext(
                    "request",
                    "Saved as a draft. Submit it when it is ready for publication.",
                )
                if kind.kind == "request"
                else pgettext(
                    "programme",
                    "Saved as a draft. Submit it when it is ready for publication.",
                )
            )  # the words agree with the record (la demande, le programme)
            flash(saved, "success")
            return redirect(url_for(".detail", plural=plural, record_id=record.id))
    # Values suggested from an uploaded Word document stay marked if the form comes back.
    suggested = {name for name in request.form.getlist("suggested") if name in form._fields}
    return render_template(
        "catalogue/form.html", kind=kind, form=form, record=None, suggested=suggested
    )


@bp.route(f"/{PLURALS}/<int:record_id>")
def detail(plural: str, record_id: int) -> str:
    kind = _kind(plural)
    record = _load_visible(kind, record_id)
    history = (
        lazy(lambda: revisions_for(record))
        if access.can_see_history(current_user, record)
        else None
    )
    return render_template(
        f"catalogue/{kind.kind}.html",
        kind=kind,
        record=record,
        history=history,
        actions=operations.allowed_actions(current_user, record),
        can_edit=access.can_edit(current_user, record),
        comment_form=CommentForm(),
        matching=lazy(lambda: panel_for(record)),
    )


@bp.route(f"/{PLURALS}/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plural: str, record_id: int) -> str | Response:
    kind = _kind(plural)
    record = _load_visible(kind, record_id)
    if not access.can_edit(current_user, record):
        abort(403)
    form = kind.form(obj=record)
    fill_choices(form, record)
    suggested = _prefill_suggestions(form, record) if request.method == "GET" else set()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                changes = operations.update_record(current_user, record, form.to_data())
        except Invalid as err:
            copy_errors(form, err)
        else:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".detail", plural=plural, record_id=record.id))
    suggested |= {name for name in request.form.getlist("suggested") if name in form._fields}
    return render_template(
        "catalogue/form.html", kind=kind, form=form, record=record, suggested=suggested
    )


def _prefill_suggestions(form: RecordForm, record: CatalogueRecord) -> set[str]:
    """Tick the codes suggested for a need written in prose, marked "suggested"."""
    marked = set()
    for field in ("themes", "support_types"):
        suggestion = getattr(record, f"suggested_{field}", None)
        if suggestion and not getattr(record, field):
            getattr(form, field).data = list(suggestion)
            marked.add(field)
    return marked


@bp.route("/requests/<int:record_id>/suggestions/accept", methods=["POST"])
@login_required
def accept_suggestions(record_id: int) -> Response:
    """One click: the suggested themes and support types become the request's own."""
    record = _load_visible(KINDS["requests"], record_id)
    if not CommentForm().validate():
        abort(400)
    try:
        with unit_of_work():
            operations.accept_suggestions(current_user, record)  # type: ignore[arg-type]
    except DomainError as err:
        if err.status_code == 403:
            raise
        flash(err.message, "error")
    else:
        flash(_("The suggested themes and support types are now the request's own."), "success")
    return redirect(url_for(".detail", plural="requests", record_id=record_id))


@bp.route(f"/{PLURALS}/<int:record_id>/status/<action>", methods=["GET", "POST"])
@login_required
def change_status(plural: str, record_id: int, action: str) -> str | Response:
    """POST applies a status change; a consequential one (withdraw, close) first shows a
    confirmation page (GET), whose button posts back with ``confirmed=yes``."""
    kind = _kind(plural)
    record = _load_visible(kind, record_id)
    return status_change(
        record=record,
        action=action,
        transitions=operations.TRANSITIONS[kind.kind],
        allowed_actions=operations.allowed_actions,
        change_status=operations.change_status,
        statuses=kind.statuses,
        detail_url=url_for(".detail", plural=plural, record_id=record_id),
        action_url=url_for(".change_status", plural=plural, record_id=record_id, action=action),
    )


@bp.route(f"/{PLURALS}/<int:record_id>/confirm", methods=["POST"])
@login_required
def confirm(plural: str, record_id: int) -> Response:
    kind = _kind(plural)
    record = _load_visible(kind, record_id)
    if not CommentForm().validate():
        abort(400)
    with unit_of_work():
        operations.confirm_current(current_user, record)
    flash(_("Thank you: marked as still current."), "success")
    return redirect(url_for(".detail", plural=plural, record_id=record_id))
