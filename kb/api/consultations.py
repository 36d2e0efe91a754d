"""Calls for views, their answers, and the calendar, with the pages' access rules."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from kb.api.common import get_or_404, json_body
from kb.api.docs import body_doc, errors
from kb.calendar.entries import Filters, entries
from kb.calendar.operations import CATEGORIES, create_event, update_event
from kb.calendar.routes import MAX_DAYS
from kb.codes import EVENT_CATEGORIES, N_, THEMES
from kb.consultations import operations, queries, visibility
from kb.errors import Invalid, NotFound
from kb.extensions import db
from kb.models import Call, CallAnswer, Event, OewgSession
from kb.uow import unit_of_work

blp = Blueprint(
    "api_calls",
    __name__,
    url_prefix="",
    description="Calls for views, answers (as their addressees allow) and the calendar.",
)


class CallSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    title = fields.String()
    mandate = fields.String()
    questions = fields.List(fields.String())
    addressed_states = fields.String()
    addressed_countries = fields.List(fields.String())
    addressed_org_types = fields.List(fields.String())
    addressed_observers = fields.Boolean(
        metadata={"description": "whether the non-member observer States are addressed"}
    )
    opens_on = fields.Date()
    deadline_at = fields.DateTime()
    deadline_tz = fields.String()
    formats = fields.List(fields.String())
    session_id = fields.Integer(allow_none=True)
    accept_late = fields.Boolean()
    status = fields.String()


class CallListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(CallSchema))


class AnswerSchema(Schema):
    id = fields.Integer()
    call_id = fields.Integer()
    country_code = fields.String(allow_none=True)
    organisation_id = fields.Integer(allow_none=True)
    addressee_name = fields.String()
    answers = fields.List(fields.String())
    status = fields.String()
    publishable = fields.Boolean()
    late = fields.Boolean()
    submitted_at = fields.DateTime(allow_none=True)


class AnswerListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(AnswerSchema))


class AnswerBodySchema(Schema):
    answers = fields.List(fields.String(), required=True)
    publishable = fields.Boolean()
    submit = fields.Boolean(metadata={"description": "true: submit; false: save a draft."})


class CalendarArgsSchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    category = fields.String(validate=validate.OneOf(list(EVENT_CATEGORIES)))
    theme = fields.String(validate=validate.OneOf(list(THEMES)))
    place = fields.String(validate=validate.Length(max=40))


class EntrySchema(Schema):
    uid = fields.String()
    category = fields.String()
    title = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    path = fields.String()
    location = fields.String()
    virtual = fields.Boolean()
    themes = fields.List(fields.String())


class EntryListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(EntrySchema))


def _visible_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id) if 0 < call_id <= 2**31 - 1 else None
    if call is None or not visibility.can_view_call(current_user, call):
        raise NotFound(N_("No such call, or you may not see it."))
    return call


@blp.route("/calls", endpoint="calls")
@blp.response(200, CallListSchema)
def calls() -> Any:
    """Calls for views you may see (published ones; drafts too for the Secretariat)."""
    items = queries.visible_calls(current_user)
    return {"total": len(items), "items": items}


@blp.route("/calls/<int:call_id>", endpoint="call")
@blp.response(200, CallSchema)
@errors(blp, 404)
def call(call_id: int) -> Any:
    """One call for views."""
    return _visible_call(call_id)


@blp.route("/calls/<int:call_id>/answers", endpoint="call_answers")
@blp.response(200, AnswerListSchema)
@errors(blp, 404)
def answers(call_id: int) -> Any:
    """Answers you may read: published, submitted ones; your own; all for the Secretariat."""
    found = _visible_call(call_id)
    query = (
        select(CallAnswer)
        .where(CallAnswer.call_id == found.id, visibility.answers_clause(current_user))
        .order_by(CallAnswer.id)
    )
    items = list(db.session.scalars(query))
    return {"total": len(items), "items": items}


@blp.route("/calls/<int:call_id>/answer", methods=["PUT"], endpoint="call_answer")
@body_doc(blp, AnswerBodySchema)
@blp.response(200, AnswerSchema)
@errors(blp, 400, 401, 403, 404, 409, 415, 422)
def save_answer(call_id: int) -> Any:
    """Save (``submit: false``) or submit your state's or organisation's answer, one text
    per guiding question; a submitted answer is revised by submitting again."""
    found = _visible_call(call_id)
    body = json_body()
    data: dict[str, Any] = {"answers": body.get("answers")}
    if not isinstance(data["answers"], list) or not all(
        isinstance(a, str) for a in data["answers"]
    ):
        raise Invalid(N_("answers must be a list of texts."), {"answers": [N_("A list of texts.")]})
    if "publishable" in body:
        data["publishable"] = bool(body["publishable"])
    with unit_of_work():
        saved = operations.save_answer(
            current_user, found, data, submit=bool(body.get("submit", False))
        )
    return saved


@blp.route("/calendar", endpoint="calendar")
@blp.arguments(CalendarArgsSchema, location="query")
@blp.response(200, EntryListSchema)
@errors(blp, 422)
def calendar(args: dict[str, Any]) -> Any:
    """Sessions, meetings, call deadlines and programme dates (default: from a month ago to a
    year ahead), filtered as on the calendar page."""
    start = args.get("from_") or date.today() - timedelta(days=31)
    end = args.get("to") or start + timedelta(days=396)
    if end < start or (end - start).days > MAX_DAYS:
        message = N_("Choose a period of ten years at most, ending after it starts.")
        raise Invalid(message, {"to": [message]})
    filters = Filters(start, end, args.get("category", ""), args.get("theme", ""), "")
    place = args.get("place", "")
    if place:
        from search.places import default_gazetteer

        if default_gazetteer().get(place) is None:
            raise Invalid(N_("Unknown place."), {"place": [N_("Unknown place.")]})
        filters = Filters(start, end, filters.category, filters.theme, place)
    items = entries(current_user, filters)
    return {"total": len(items), "items": items}


class CallBodySchema(Schema):
    reference = fields.String(required=True)
    title = fields.String(required=True)
    mandate = fields.String()
    questions = fields.List(fields.String(), required=True)
    addressed_states = fields.String(metadata={"description": "all, listed or none"})
    addressed_countries = fields.List(fields.String())
    addressed_org_types = fields.List(fields.String())
    addressed_observers = fields.Boolean(
        metadata={"description": "also address the non-member observer States (default false)"}
    )
    opens_on = fields.String(metadata={"description": "YYYY-MM-DD (default: today)"})
    deadline_date = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    deadline_time = fields.String(metadata={"description": "HH:MM (default 23:59)"})
    deadline_tz = fields.String(metadata={"description": "IANA time zone (default UTC)"})
    formats = fields.List(fields.String())
    session_id = fields.Integer(allow_none=True)
    publish_by_default = fields.Boolean()
    accept_late = fields.Boolean()
    remind_days = fields.Integer()


@blp.route("/calls", methods=["POST"], endpoint="create_call")
@body_doc(blp, CallBodySchema)
@blp.response(201, CallSchema)
@errors(blp, 400, 401, 403, 415, 422)
def create_call() -> Any:
    """Write a call as a draft (Secretariat)."""
    with unit_of_work():
        created = operations.create_call(current_user, json_body())
    return created, 201


@blp.route("/calls/<int:call_id>/publish", methods=["POST"], endpoint="publish_call")
@blp.response(200, CallSchema)
@errors(blp, 401, 403, 404, 409)
def publish_call(call_id: int) -> Any:
    """Publish a draft call and notify its addressees (Secretariat)."""
    found = _visible_call(call_id)
    with unit_of_work():
        operations.publish_call(current_user, found)
    return found


# -- events and sessions ---------------------------------------------------------------------


class EventSchema(Schema):
    id = fields.Integer()
    category = fields.String()
    title = fields.String()
    description = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    start_time = fields.Time(allow_none=True)
    end_time = fields.Time(allow_none=True)
    timezone = fields.String()
    location = fields.String()
    virtual = fields.Boolean()
    agenda_url = fields.String(allow_none=True)
    documents = fields.Method("_documents")
    guiding_questions = fields.String()
    themes = fields.List(fields.String())
    regions = fields.List(fields.String())
    session_id = fields.Integer(allow_none=True)
    source = fields.String()
    updated_at = fields.DateTime()

    def _documents(self, event: Event) -> list[str]:
        return [line for line in event.documents.splitlines() if line]


class EventListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(EventSchema))


class EventArgsSchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    category = fields.String(validate=validate.OneOf(list(CATEGORIES)))


class EventBodySchema(Schema):
    title = fields.String(required=True)
    category = fields.String(metadata={"description": ", ".join(CATEGORIES)})
    description = fields.String()
    starts_on = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    ends_on = fields.String(metadata={"description": "YYYY-MM-DD (default: starts_on)"})
    start_time = fields.String(metadata={"description": "HH:MM, local time"})
    end_time = fields.String(metadata={"description": "HH:MM, local time"})
    timezone = fields.String(metadata={"description": "IANA time zone (default UTC)"})
    location = fields.String()
    virtual = fields.Boolean()
    agenda_url = fields.String(metadata={"description": "https://…"})
    documents = fields.List(fields.String(), metadata={"description": "https://… links"})
    guiding_questions = fields.String()
    themes = fields.List(fields.String())
    regions = fields.List(fields.String(), metadata={"description": "gazetteer place codes"})
    session_id = fields.Integer(allow_none=True)
    source = fields.String()


class SessionSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    location = fields.String()
    agenda_url = fields.String(allow_none=True)
    source = fields.String()
    events = fields.Method("_events")
    calls = fields.Method("_calls")

    def _events(self, session: OewgSession) -> list[int]:
        query = select(Event.id).where(Event.session_id == session.id).order_by(Event.starts_on)
        return list(db.session.scalars(query))

    def _calls(self, session: OewgSession) -> list[int]:
        clause = visibility.calls_clause(current_user)
        query = select(Call.id).where(Call.session_id == session.id, clause).order_by(Call.id)
        return list(db.session.scalars(query))


class SessionListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(SessionSchema))


def _event(event_id: int) -> Event:
    return get_or_404(Event, event_id, N_("No such event."))


def _event_body() -> dict[str, Any]:
    """The JSON body as the event operations read it (lists of links as lines)."""
    body = json_body()
    documents = body.get("documents")
    if isinstance(documents, list):
        body["documents"] = "\n".join(str(d) for d in documents)
    return body


@blp.route("/events", endpoint="events")
@blp.arguments(EventArgsSchema, location="query")
@blp.response(200, EventListSchema)
@errors(blp, 422)
def events(args: dict[str, Any]) -> Any:
    """Meetings and other events of the calendar (default: from a month ago on), by date."""
    start = args.get("from_") or date.today() - timedelta(days=31)
    query = select(Event).where(Event.ends_on >= start)
    if args.get("to"):
        query = query.where(Event.starts_on <= args["to"])
    if args.get("category"):
        query = query.where(Event.category == args["category"])
    items = list(db.session.scalars(query.order_by(Event.starts_on, Event.id).limit(1000)))
    return {"total": len(items), "items": items}


@blp.route("/events/<int:event_id>", endpoint="event")
@blp.response(200, EventSchema)
@errors(blp, 404)
def event(event_id: int) -> Any:
    """One event of the calendar."""
    return _event(event_id)


@blp.route("/events", methods=["POST"], endpoint="create_event")
@body_doc(blp, EventBodySchema)
@blp.response(201, EventSchema)
@errors(blp, 400, 401, 403, 415, 422)
def create_event_api() -> Any:
    """Add an event to the calendar (Secretariat)."""
    with unit_of_work():
        created = create_event(current_user, _event_body())
    return created, 201


@blp.route("/events/<int:event_id>", methods=["PATCH"], endpoint="update_event")
@body_doc(blp, EventBodySchema)
@blp.response(200, EventSchema)
@errors(blp, 400, 401, 403, 404, 415, 422)
def update_event_api(event_id: int) -> Any:
    """Change some fields of an event (Secretariat); the others keep their values."""
    found = _event(event_id)
    current = EventSchema().dump(found)
    current["documents"] = found.documents
    for key in ("start_time", "end_time"):
        current[key] = (current[key] or "")[:5]
    data = {**current, **_event_body()}
    with unit_of_work():
        update_event(current_user, found, data)
    return found


@blp.route("/sessions", endpoint="sessions")
@blp.response(200, SessionListSchema)
def sessions() -> Any:
    """OEWG sessions and those of its successor, newest first, with their events and calls."""
    query = select(OewgSession).order_by(OewgSession.start_date.desc())
    items = list(db.session.scalars(query))
    return {"total": len(items), "items": items}


@blp.route("/sessions/<int:session_id>", endpoint="session")
@blp.response(200, SessionSchema)
@errors(blp, 404)
def session(session_id: int) -> Any:
    """One session, with its events and the calls for views that feed it."""
    return get_or_404(OewgSession, session_id, N_("No such session."))
