"""The landscape report (the mapping exercise) and OEWG briefing packs, as HTML and .docx."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from kb import access
from kb.admin.routes import secretariat_required
from kb.extensions import db
from kb.fragments import lazy
from kb.i18n import country_name, place_name
from kb.matching.service import match_service
from kb.models import Country, OewgSession
from kb.reports import data, world_map
from kb.reports.docx_writer import briefing_docx, landscape_docx
from kb.uow import unit_of_work
from search.places import default_gazetteer

bp = Blueprint("reports", __name__, url_prefix="/reports")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class SessionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    start_date = DateField(_l("Starts"), validators=[DataRequired()])
    end_date = DateField(_l("Ends"), validators=[DataRequired()])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])

    def validate_end_date(self, field: DateField) -> None:
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_("The session ends before it starts."))


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _period() -> data.Period:
    end = _date_arg("to") or date.today()
    start = _date_arg("from") or end - timedelta(days=365)
    if start > end:
        start, end = end, start
    return data.Period(start, end)


def _audience() -> str:
    if access.is_secretariat(current_user):
        return _("Prepared for the Secretariat: includes records that are not public.")
    if current_user.is_authenticated and current_user.is_active:
        return _("Includes records visible to approved users and your own records.")
    return _("Public records only.")


def _docx(content: bytes, name: str) -> Response:
    return Response(
        content,
        mimetype=DOCX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/landscape")
def landscape() -> str:
    """Read when the page's cached block (per viewer class and data generation,
    :mod:`kb.fragments`) is not at hand."""
    threshold = match_service().config.unmet_threshold
    period = _period()
    return render_template(
        "reports/landscape.html",
        report=lazy(lambda: data.landscape(current_user, period, threshold)),
        audience=_audience(),
        world=lazy(lambda: world_map.build(current_user, threshold)),
    )


@bp.route("/landscape.docx")
def landscape_word() -> Response:
    threshold = match_service().config.unmet_threshold
    report = data.landscape(current_user, _period(), threshold)
    name = f"landscape-{report.period.start}-{report.period.end}.docx"
    world = world_map.build(current_user, threshold)
    return _docx(landscape_docx(report, _audience(), world), name)


@dataclass(frozen=True)
class Scope:
    """A briefing pack's scope: one state or one gazetteer place, and its states."""

    code: str
    name: str
    states: frozenset[str]


class ScopeError(ValueError):
    """A ``state`` or ``place`` argument that names nothing known (the message says which)."""


def _scope() -> Scope | None:
    """The ``?state=`` or ``?place=`` of the request (``None``: every state)."""
    state = request.args.get("state", "").strip()
    place = request.args.get("place", "").strip()
    if state and place:
        raise ScopeError(_("Choose a state or a place, not both."))
    if state:
        country = db.session.get(Country, state.upper()) if state.isascii() else None
        if country is None:
            raise ScopeError(
                _(
                    "State: unknown code %(code)s (use an ISO 3166 alpha-3 code such as KEN).",
                    code=state[:40],
                )
            )
        return Scope(country.iso3, country_name(country), frozenset({country.iso3}))
    if place:
        found = default_gazetteer().get(place)
        if found is None or not found.members:
            raise ScopeError(
                _("Place: unknown code %(code)s (see the list of places).", code=place[:40])
            )
        return Scope(found.code, place_name(found), frozenset(found.members))
    return None


def _pack_title(scope: Scope | None) -> data.PackTitle:
    """The pack's period (``?session=`` or ``?from=``/``?to=``) and its title."""
    sessions = db.session.scalars(select(OewgSession).order_by(OewgSession.start_date)).all()
    chosen = request.args.get("session", "")
    title_html = None
    if chosen == "last" and sessions:
        last = max((s for s in sessions if s.end_date <= date.today()), default=sessions[-1],
                   key=lambda s: s.end_date)  # fmt: skip
        period = data.Period(last.end_date, date.today())
        title = _("since %(session)s", session=last.name)
    elif (
        chosen.isascii()
        and chosen.isdigit()
        and (session := db.session.get(OewgSession, int(chosen)))
    ):
        before = [s for s in sessions if s.end_date < session.start_date]
        start = before[-1].end_date if before else session.start_date - timedelta(days=180)
        period = data.Period(start, session.start_date)
        title = _("for %(session)s", session=session.name)
    else:
        period = _period()
        title, title_html = period.label(), period.html()
    if scope is None:
        return data.PackTitle(title, period, title_html)
    scoped = _("%(place)s, %(period)s", place=scope.name, period=title)
    if title_html is not None:
        title_html = Markup(_("%(place)s, %(period)s", place=escape(scope.name), period=title_html))
    return data.PackTitle(scoped, period, title_html)


def _briefing(scope: Scope | None, head: data.PackTitle) -> data.Briefing:
    threshold = match_service().config.unmet_threshold
    states = scope.states if scope is not None else None
    return data.briefing(current_user, head.title, head.period, threshold, states, head.title_html)


@bp.route("/briefing")
def briefing() -> tuple[str, int]:
    """The pack's records and figures are read only when the page's cached block (per
    viewer class, address and data generation, :mod:`kb.fragments`) is not at hand."""
    sessions = db.session.scalars(select(OewgSession).order_by(OewgSession.start_date.desc()))
    try:
        scope, error, status = _scope(), None, 200
    except ScopeError as exc:
        scope, error, status = None, str(exc), 400
    head = _pack_title(scope)
    page = render_template(
        "reports/briefing.html",
        head=head,
        pack=lazy(lambda: _briefing(scope, head)),
        scope=scope,
        scope_error=error,
        sessions=sessions.all(),
        countries=db.session.scalars(select(Country).order_by(Country.name)).all(),
        audience=_audience(),
    )
    return page, status


@bp.route("/briefing.docx")
def briefing_word() -> Response:
    try:
        scope = _scope()
    except ScopeError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    pack = _briefing(scope, _pack_title(scope))
    slug = "".join(c if c.isalnum() else "-" for c in scope.code) + "-" if scope else ""
    return _docx(briefing_docx(pack, _audience()), f"briefing-{slug}{pack.period.end}.docx")


@bp.route("/sessions", methods=["GET", "POST"])
@secretariat_required
def sessions() -> str | WerkzeugResponse:
    form = SessionForm()
    if form.validate_on_submit():
        exists = db.session.scalar(select(OewgSession).where(OewgSession.name == form.name.data))
        if exists:
            form.name.errors = [*form.name.errors, _("A session with this name exists.")]
        else:
            with unit_of_work():
                db.session.add(
                    OewgSession(
                        name=form.name.data.strip(),
                        start_date=form.start_date.data,
                        end_date=form.end_date.data,
                        location=(form.location.data or "").strip(),
                    )
                )
            flash(_("Session added."), "success")
            return redirect(url_for(".sessions"))
    rows = db.session.scalars(select(OewgSession).order_by(OewgSession.start_date.desc())).all()
    return render_template("reports/sessions.html", form=form, sessions=rows)
