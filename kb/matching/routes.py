"""Matches: the delegates' overview, match cases (the workflow) and notifications."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb import access, codes, i18n
from kb.errors import DomainError
from kb.extensions import db
from kb.fragments import lazy
from kb.history import revisions_for
from kb.matching import operations, queries
from kb.matching.service import LISTED_REQUEST_STATUSES, match_service
from kb.models import Country, Programme, Request
from kb.notifications import operations as notifications
from kb.reports import world_map
from kb.uow import unit_of_work
from kb.views import Page, page_arg
from search.matching import MatchConfig

bp = Blueprint("matching", __name__)

#: Unmet needs listed on the Matches page (the count covers all of them).
UNMET_SHOWN = 30


class ProposeForm(FlaskForm):
    request_id = IntegerField(validators=[DataRequired()])
    programme_id = IntegerField(validators=[DataRequired()])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=4000)])


class StepForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])


@bp.route("/matches")
def overview() -> str:
    """Every figure is read when the page's cached block (per viewer class and data
    generation, :mod:`kb.fragments`) is not at hand."""
    filters = queries.MatchFilters.from_args(request.args)
    threshold = match_service().config.unmet_threshold

    def pairs() -> Page:
        page = Page(queries.best_pairs(current_user, filters), page_arg(), 20)
        page.items = queries.load_pairs(page.items)
        return page

    def unmet() -> dict[str, Any]:
        return {
            "listed": queries.unmet_needs(current_user, filters, threshold, limit=UNMET_SHOWN),
            "total": queries.unmet_count(current_user, filters, threshold),
        }

    return render_template(
        "matching/overview.html",
        page=lazy(pairs),
        filters=filters,
        unmet=lazy(unmet),
        computed_at=lazy(lambda: [queries.latest_computed()]),
        updating_since=lazy(lambda: [queries.updating_since(current_user)]),
        table=lazy(lambda: queries.supply_and_demand(current_user)),
        threshold=threshold,
        countries=lazy(lambda: db.session.scalars(db.select(Country).order_by(Country.name)).all()),
        regions=list(codes.REGIONS),
        world=lazy(lambda: world_map.build(current_user, threshold)),
    )


@bp.route("/matches/cases")
@login_required
def cases() -> str:
    page = Page(queries.cases_query(current_user), page_arg(), 30)
    return render_template("matching/cases.html", page=page)


@bp.route("/matches/<int:match_id>")
@login_required
def match_detail(match_id: int) -> str:
    match = operations.get_match(current_user, match_id)
    return render_template(
        "matching/case.html",
        match=match,
        steps=operations.allowed_steps(current_user, match),
        labels=operations.STEP_LABELS,
        history=revisions_for(match),
        form=StepForm(),
        side=operations.side_of(current_user, match),
    )


@bp.route("/matches/propose", methods=["POST"])
@login_required
def propose() -> Response:
    form = ProposeForm()
    if not form.validate():
        abort(400)
    req = db.session.get(Request, form.request_id.data)
    programme = db.session.get(Programme, form.programme_id.data)
    if req is None or programme is None or not access.can_view(current_user, req):
        abort(404)
    if not access.can_view(current_user, programme):
        abort(404)
    try:
        with unit_of_work():
            match = operations.propose(current_user, req, programme, form.message.data or "")
    except DomainError as err:
        if err.status_code == 403:
            raise
        flash(err.message, "error")
        return redirect(request.referrer or url_for("matching.overview"))
    flash(_("Sent. The other side is notified and will accept or decline."), "success")
    return redirect(url_for("matching.match_detail", match_id=match.id))


@bp.route("/matches/<int:match_id>/<action>", methods=["POST"])
@login_required
def step(match_id: int, action: str) -> Response:
    match = operations.get_match(current_user, match_id)
    form = StepForm()
    if not form.validate():
        abort(400)
    try:
        with unit_of_work():
            status = operations.step(current_user, match, action, form.note.data)
    except DomainError as err:
        if err.status_code == 403:
            raise
        flash(err.message, "error")
    else:
        flash(
            _("Match is now: %(status)s.", status=codes.label(codes.MATCH_STATUSES, status)),
            "success",
        )
    return redirect(url_for("matching.match_detail", match_id=match_id))


@bp.route("/notifications")
@login_required
def notifications_page() -> str:
    items = notifications.recent(current_user)
    return render_template("notifications.html", items=items, form=StepForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read() -> Response:
    if not StepForm().validate():
        abort(400)
    with unit_of_work():
        notifications.mark_all_read(current_user)
    return redirect(url_for("matching.notifications_page"))


@bp.app_context_processor
def unread() -> dict[str, int]:
    if current_user and current_user.is_authenticated and current_user.is_active:
        return {"unread_notifications": notifications.unread_count(current_user)}
    return {"unread_notifications": 0}


def split_by_label(pairs: list[tuple[Any, Any]], config: MatchConfig) -> tuple[list, list]:
    """``(shown, weaker)``: strong/good pairs, and the folded weaker ones; near-zero matches
    are dropped (``MatchConfig.listed``)."""
    listed = [(r, m) for r, m in pairs if config.listed(m.score)]
    shown = [(r, m) for r, m in listed if config.shown(m.quality)]
    return shown, [(r, m) for r, m in listed if not config.shown(m.quality)]


def panel_for(record: Request | Programme) -> dict[str, object]:
    """What a record page shows about matching: stored rows only, filtered for the viewer
    (used by the catalogue detail view). ``lag`` says why the list may be about to change
    (:class:`kb.matching.queries.ListLag`: the refresh after a commit has not run yet)."""
    try:
        if isinstance(record, Request):
            if record.status not in LISTED_REQUEST_STATUSES:
                return {}
            if queries.awaiting_first_list(record):
                return {"programmes": [], "weaker": [], "pending": True}
            pairs = queries.programmes_for(record, current_user)
            owner = access.owns(current_user, record) or access.is_secretariat(current_user)
            inferred = match_service().infer_codes(record) if owner else {}
            config = match_service().config
            # "listed among unmet needs" only of what that list can hold (not a draft)
            need = (
                queries.need_of(record, pairs, config.unmet_threshold)
                if record.status in queries.UNMET_LISTED_STATUSES
                else None
            )
            lists = queries.request_lists(pairs, config, unmet=bool(need and need.unmet))
            return {
                "programmes": lists.shown,
                "weaker": lists.weaker,
                "general": lists.general,
                "need": need,
                "inferred": inferred,
                "lag": queries.list_lag(record, pairs, current_user),
                "score_meaning": i18n.score_meaning(config.strong_threshold, config.good_threshold),
                "good_from": config.good_threshold,
            }
        if record.status != "open":
            return {}
        config = match_service().config
        pairs = queries.requests_for(record, current_user)
        shown, weaker = split_by_label(pairs, config)
        return {
            "requests": shown,
            "weaker": weaker,
            "lag": queries.list_lag(record, pairs, current_user),
            "score_meaning": i18n.score_meaning(config.strong_threshold, config.good_threshold),
            "good_from": config.good_threshold,
        }
    except Exception:  # matching must never break a record page
        current_app.logger.exception("Matching failed for %s", record.ref)
        return {"error": True}
