"""Home page and "My work"."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from kb import access
from kb.alerts import operations as alerts
from kb.alerts.searches import FREQUENCIES
from kb.catalogue import queries
from kb.catalogue.eligibility import available_clause
from kb.consultations.queries import awaiting_answer
from kb.extensions import db
from kb.fragments import lazy
from kb.main import inbox
from kb.models import Country, Organisation, Programme, Request
from kb.models.types import utcnow
from kb.notifications import operations as notifications

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> str:
    """Counts and the latest records, computed only when the page's cached block (per viewer
    class and data generation, :mod:`kb.fragments`) is not at hand."""
    return render_template(
        "home.html",
        stats=lazy(_home_stats),
        latest_requests=lazy(lambda: queries.latest(Request, current_user)),
        latest_programmes=lazy(lambda: queries.latest(Programme, current_user)),
    )


def _home_stats() -> dict[str, int]:
    open_requests = db.session.scalar(
        select(func.count())
        .select_from(Request)
        .where(Request.status == "open", access.visible_clause(Request, current_user))
    )
    open_programmes = db.session.scalar(
        select(func.count())
        .select_from(Programme)
        .where(available_clause(date.today()), access.visible_clause(Programme, current_user))
    )
    stats = {
        "open_requests": open_requests or 0,
        "open_programmes": open_programmes or 0,
        "countries": db.session.scalar(
            select(func.count(func.distinct(Request.country_code))).where(
                access.visible_clause(Request, current_user)
            )
        )
        or 0,
        "organisations": db.session.scalar(select(func.count()).select_from(Organisation)) or 0,
    }
    return stats


def _mine(model: type[Request] | type[Programme]) -> list:
    return list(
        db.session.scalars(
            select(model)
            .where(access.owned_clause(model, current_user))
            .order_by(model.updated_at.desc())
        )
    )


@bp.route("/my")
@login_required
def my_work() -> str:
    records = _mine(Request) + _mine(Programme)
    stale_before = utcnow() - timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    live = {"open", "matched", "in_progress"}
    groups = {
        "returned": [r for r in records if r.status == "draft" and r.return_comment],
        "drafts": [r for r in records if r.status == "draft" and not r.return_comment],
        "submitted": [r for r in records if r.status == "submitted"],
        "stale": [r for r in records if r.status in live and r.last_confirmed_at < stale_before],
        "live": [r for r in records if r.status in live],
        "ended": [r for r in records if r.status not in live | {"draft", "submitted"}],
    }
    return render_template(
        "my_work.html",
        groups=groups,
        country=_country(),
        matches=inbox.match_items(current_user),
        calls=awaiting_answer(current_user),
        saved_searches=alerts.searches_of(current_user),
        alert_counts=alerts.recent_counts(current_user),
        frequencies=FREQUENCIES,
    )


def _country() -> Country | None:
    return current_user.country if current_user.role == "focal_point" else None


@bp.route("/login")
@bp.route("/register")
def account_shortcut() -> Response:
    """``/login`` and ``/register`` are what people type: lead to the account pages."""
    endpoint = "accounts.login" if request.path == "/login" else "accounts.register"
    return redirect(url_for(endpoint, **request.args.to_dict()))


@bp.app_context_processor
def waiting() -> dict[str, int]:
    """The count beside "My work" in the header."""
    if current_user and current_user.is_authenticated and current_user.is_active:
        return {"waiting_count": inbox.waiting_count(current_user)}
    return {"waiting_count": 0}


@bp.before_app_request
def read_notifications_on_open() -> None:
    """Opening the page a notification points to marks it read (and acting there does too,
    since acting starts from that page)."""
    if (
        request.method != "GET"
        or not current_user.is_authenticated
        or request.blueprint == "static"
    ):
        return
    if notifications.mark_read_for(current_user, request.path):
        db.session.commit()
