"""The calendar page, its iCalendar feeds, and a page per event and session."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kb import access, codes
from kb.admin.routes import secretariat_required
from kb.calendar import ics
from kb.calendar.entries import Entry, Filters, entries
from kb.calendar.operations import CATEGORIES, create_event, update_event
from kb.dates import parse_day
from kb.errors import Invalid
from kb.extensions import db
from kb.fragments import lazy
from kb.i18n import sorted_places
from kb.models import Call, Event, OewgSession
from kb.uow import unit_of_work
from search.places import default_gazetteer

bp = Blueprint("calendar", __name__)
#: The longest period a page or feed covers.
MAX_DAYS = 10 * 366


def _filters() -> tuple[Filters, dict[str, str]]:
    """Filters from the query string, and a message per argument that was refused."""
    errors: dict[str, str] = {}
    today = date.today()
    start = today - timedelta(days=31)
    end = today + timedelta(days=365)
    for name in ("from", "to"):
        raw = request.args.get(name, "").strip()
        if not raw:
            continue
        day = parse_day(raw)
        if day is None:
            errors[name] = _("“%(value)s” is not a date; use YYYY-MM-DD.", value=raw[:20])
        elif name == "from":
            start = day
        else:
            end = day
    if end < start:
        errors["to"] = _("The period ends before it starts.")
        end = start
    if (end - start).days > MAX_DAYS:
        errors["to"] = _("Choose a period of ten years at most.")
        end = start + timedelta(days=MAX_DAYS)
    category = request.args.get("category", "").strip()
    if category and category not in codes.EVENT_CATEGORIES:
        errors["category"] = _("Unknown kind of event.")
        category = ""
    theme = request.args.get("theme", "").strip()
    if theme and theme not in codes.THEMES:
        errors["theme"] = _("Unknown theme.")
        theme = ""
    place = request.args.get("place", "").strip()
    if place and default_gazetteer().get(place) is None:
        errors["place"] = _("Unknown place %(code)s.", code=place[:40])
        place = ""
    return Filters(start, end, category, theme, place), errors


@bp.route("/calendar")
def index() -> Any:
    """The entries are read only when the page's cached block (per viewer class, address,
    day and data generation, :mod:`kb.fragments`) is not at hand."""
    filters, errors = _filters()

    def months() -> list[tuple[str, list[Entry]]]:
        found = entries(current_user, filters)
        return [
            (format_date(month, "LLLL y"), list(items))
            for month, items in groupby(found, key=lambda e: e.starts_on.replace(day=1))
        ]

    places = sorted_places(
        p
        for p in default_gazetteer().places()
        if p.kind in ("un_group", "region", "subregion", "organisation")
    )
    page = render_template(
        "calendar/index.html",
        months=lazy(months),
        filters=filters,
        errors=errors,
        places=places,
        feed_url=url_for(".feed", _external=True, **filters.args()),
    )
    return page, 400 if errors else 200


@bp.route("/calendar.ics")
def feed() -> Response:
    filters, errors = _filters()
    if errors:
        return Response(
            "\n".join(f"{k}: {v}" for k, v in errors.items()), status=400, mimetype="text/plain"
        )
    name = _("Capacity Exchange calendar")
    content = ics.feed(entries(current_user, filters), current_app.config["PUBLIC_URL"], name)
    return Response(
        content,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="capacity-exchange.ics"'},
    )


@bp.route("/calendar/events/<int:event_id>")
def event(event_id: int) -> str:
    item = db.session.get(Event, event_id)
    if item is None:
        abort(404)
    return render_template("calendar/event.html", event=item, places=_places(item.regions))


def _places(keys: list[str]) -> list[Any]:
    gazetteer = default_gazetteer()
    return [p for p in (gazetteer.get(k) for k in keys) if p is not None]


@bp.route("/calendar/sessions/<int:session_id>")
def session(session_id: int) -> str:
    item = db.session.get(OewgSession, session_id)
    if item is None:
        abort(404)
    events = db.session.scalars(
        select(Event).where(Event.session_id == item.id).order_by(Event.starts_on)
    ).all()
    calls = db.session.scalars(
        select(Call).where(Call.session_id == item.id, Call.status != "draft")
    ).all()
    return render_template("calendar/session.html", session=item, events=events, calls=calls)


def _event_form(item: Event | None, values: dict[str, Any], errors: dict[str, list[str]]) -> Any:
    sessions = db.session.scalars(select(OewgSession).order_by(OewgSession.start_date.desc())).all()
    page = render_template(
        "calendar/form.html",
        event=item,
        values=values,
        errors=errors,
        categories={c: codes.EVENT_CATEGORIES[c] for c in CATEGORIES},
        sessions=sessions,
        themes=codes.labels(codes.THEMES),
    )
    return page, 422 if errors else 200


def _posted() -> dict[str, Any]:
    data: dict[str, Any] = dict(request.form.items())
    data["themes"] = request.form.getlist("themes")
    data["virtual"] = "virtual" in request.form
    return data


@bp.route("/calendar/events/new", methods=["GET", "POST"])
@secretariat_required
def create() -> Any:
    if request.method == "GET":
        return _event_form(None, {"category": "informal", "timezone": "America/New_York"}, {})
    data = _posted()
    try:
        with unit_of_work():
            item = create_event(current_user, data)
    except Invalid as err:
        return _event_form(None, data, err.fields)
    flash(_("Event added to the calendar."), "success")
    return redirect(url_for(".event", event_id=item.id))


@bp.route("/calendar/events/<int:event_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit(event_id: int) -> Any:
    item = db.session.get(Event, event_id)
    if item is None:
        abort(404)
    if request.method == "GET":
        values = {c.name: getattr(item, c.name) for c in Event.__table__.columns}
        values["regions"] = " ".join(item.regions)
        for key in ("starts_on", "ends_on"):
            values[key] = values[key].isoformat()
        for key in ("start_time", "end_time"):
            values[key] = values[key].strftime("%H:%M") if values[key] else ""
        values["session_id"] = str(item.session_id or "")
        return _event_form(item, values, {})
    data = _posted()
    try:
        with unit_of_work():
            update_event(current_user, item, data)
    except Invalid as err:
        return _event_form(item, data, err.fields)
    flash(_("Event saved."), "success")
    return redirect(url_for(".event", event_id=item.id))


def is_secretariat() -> bool:
    return access.is_secretariat(current_user)
