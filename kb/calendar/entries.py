"""What the calendar shows: entries gathered from sessions, events, calls and programmes,
filtered by period, category, theme and place, and only what the viewer may see.

Filters: a theme keeps the entries that carry it (sessions and calls carry none); a place
keeps entries concerning at least one of its states, and entries of concern to every
region (sessions, events without regions, calls to all states).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from kb import access
from kb.catalogue import eligibility
from kb.consultations.visibility import calls_clause
from kb.extensions import db
from kb.models import Call, Event, OewgSession, Programme
from kb.models.types import has_code
from search.places import default_gazetteer

#: The most entries one page or feed carries.
MAX_ENTRIES = 500


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    category: str = ""
    theme: str = ""
    place: str = ""

    def states(self) -> frozenset[str] | None:
        found = default_gazetteer().get(self.place) if self.place else None
        return frozenset(found.members) if found else None

    def args(self) -> dict[str, str]:
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for key in ("category", "theme", "place"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Entry:
    uid: str
    category: str
    title: str
    starts_on: date
    ends_on: date
    path: str
    start_time: time | None = None
    end_time: time | None = None
    timezone: str = "UTC"
    location: str = ""
    virtual: bool = False
    description: str = ""
    themes: tuple[str, ...] = ()
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def entries(user: Any, filters: Filters) -> list[Entry]:
    found: list[Entry] = []
    wanted = filters.category
    if not filters.theme and wanted in ("", "session"):
        found += _sessions(filters)
    if wanted in ("", "informal", "stakeholder", "session", "training", "exercise", "other"):
        found += _events(filters)
    if not filters.theme and wanted in ("", "deadline"):
        found += _call_deadlines(user, filters)
    if wanted in ("", "training", "exercise", "deadline"):
        found += _programme_dates(user, filters)
    found.sort(key=lambda e: (e.starts_on, e.start_time or time(0), e.title))
    return found[:MAX_ENTRIES]


def _overlaps(start_col: Any, end_col: Any, filters: Filters) -> Any:
    return and_(start_col <= filters.end, end_col >= filters.start)


def _sessions(filters: Filters) -> list[Entry]:
    rows = db.session.scalars(
        select(OewgSession).where(_overlaps(OewgSession.start_date, OewgSession.end_date, filters))
    )
    return [
        Entry(
            uid=f"session-{s.id}",
            category="session",
            title=s.name,
            starts_on=s.start_date,
            ends_on=s.end_date,
            path=f"/calendar/sessions/{s.id}",
            location=s.location,
            source=s.source,
        )
        for s in rows
    ]


def _events(filters: Filters) -> list[Entry]:
    query = select(Event).where(_overlaps(Event.starts_on, Event.ends_on, filters))
    if filters.category:
        query = query.where(Event.category == filters.category)
    if filters.theme:
        query = query.where(has_code(Event.themes, filters.theme))
    states = filters.states()
    result = []
    for event in db.session.scalars(query.limit(MAX_ENTRIES)):
        if states is not None and event.regions and not _touches(event.regions, states):
            continue
        result.append(
            Entry(
                uid=f"event-{event.id}",
                category=event.category,
                title=event.title,
                starts_on=event.starts_on,
                ends_on=event.ends_on,
                path=f"/calendar/events/{event.id}",
                start_time=event.start_time,
                end_time=event.end_time,
                timezone=event.timezone,
                location=event.location,
                virtual=event.virtual,
                description=event.description,
                themes=tuple(event.themes),
                source=event.source,
            )
        )
    return result


def _touches(regions: list[str], states: frozenset[str]) -> bool:
    gazetteer = default_gazetteer()
    for code in regions:
        place = gazetteer.get(code)
        if place is not None and place.members & states:
            return True
    return False


def _call_deadlines(user: Any, filters: Filters) -> list[Entry]:
    start = datetime.combine(filters.start, time(0), tzinfo=UTC)
    end = datetime.combine(filters.end + timedelta(days=1), time(0), tzinfo=UTC)
    query = select(Call).where(
        calls_clause(user),
        Call.status != "draft",
        Call.deadline_at >= start,
        Call.deadline_at < end,
    )
    states = filters.states()
    result = []
    for call in db.session.scalars(query):
        day = call.deadline_at.date()
        listed = call.addressed_states == "listed"
        if states is not None and listed and not states & set(call.addressed_countries):
            continue
        result.append(
            Entry(
                uid=f"call-{call.id}",
                category="deadline",
                title=call.title,
                starts_on=day,
                ends_on=day,
                path=f"/calls/{call.id}",
                start_time=call.deadline_at.time(),
                description=call.reference,
                extra={"reference": call.reference, "deadline_at": call.deadline_at},
            )
        )
    return result


def _programme_dates(user: Any, filters: Filters) -> list[Entry]:
    """Open programmes the viewer may see, by their start (trainings, exercises) and their
    application deadline, within the period."""
    today = date.today()
    query = select(Programme).where(
        access.visible_clause(Programme, user),
        eligibility.available_clause(today),
        or_(
            Programme.start_date.between(filters.start, filters.end),
            Programme.application_deadline.between(filters.start, filters.end),
        ),
    )
    if filters.theme:
        query = query.where(has_code(Programme.themes, filters.theme))
    states = filters.states()
    if states is not None:
        query = query.where(eligibility.states_clause(sorted(states)))
    result = []
    query = query.options(joinedload(Programme.organisation))
    for programme in db.session.scalars(query.order_by(Programme.start_date).limit(MAX_ENTRIES)):
        category = "exercise" if "exercise" in programme.support_types else "training"
        start = programme.start_date
        if start and filters.start <= start <= filters.end and filters.category in ("", category):
            result.append(
                Entry(
                    uid=f"programme-{programme.id}-start",
                    category=category,
                    title=programme.title,
                    starts_on=start,
                    ends_on=programme.end_date or start,
                    path=f"/programmes/{programme.id}",
                    location=programme.organisation.display_name,
                    virtual=programme.delivery_mode == "online",
                    themes=tuple(programme.themes),
                )
            )
        deadline = programme.application_deadline
        if (
            deadline
            and filters.start <= deadline <= filters.end
            and filters.category in ("", "deadline")
        ):
            result.append(
                Entry(
                    uid=f"programme-{programme.id}-deadline",
                    category="deadline",
                    title=programme.title,
                    starts_on=deadline,
                    ends_on=deadline,
                    path=f"/programmes/{programme.id}",
                    location=programme.organisation.display_name,
                    themes=tuple(programme.themes),
                    extra={"application": True},
                )
            )
    return result
