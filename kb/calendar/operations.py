"""Creating and editing calendar events (the Secretariat), with validation and history."""

from __future__ import annotations

from datetime import time
from typing import Any
from urllib.parse import urlparse

from flask_babel import gettext as _

from kb import access, codes
from kb.consultations.schemas import _day, _list, _text, _zone, session_of
from kb.errors import Forbidden, Invalid
from kb.extensions import db
from kb.history import apply_changes, json_safe, record_revision
from kb.models import Event, User
from kb.models.types import utcnow
from search.places import default_gazetteer

CATEGORIES = tuple(c for c in codes.EVENT_CATEGORIES if c != "deadline")


def _url(value: str) -> bool:
    parts = urlparse(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and len(value) <= 500


def load_event(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    out["title"] = _text(data, "title")
    if not out["title"]:
        errors["title"] = [_("%(field)s is required.", field=_("Title"))]
    elif len(out["title"]) > 300:
        errors["title"] = [_("%(field)s: at most %(num)d characters.", field=_("Title"), num=300)]
    out["category"] = _text(data, "category") or "informal"
    if out["category"] not in CATEGORIES:
        errors["category"] = [_("Kind of event: choose one of the list.")]
    out["starts_on"] = _day(data, "starts_on", _("Starts on"), errors)
    out["ends_on"] = (
        _day(data, "ends_on", _("Ends on"), errors, default=out["starts_on"]) or out["starts_on"]
    )
    if out["starts_on"] and out["ends_on"] and out["ends_on"] < out["starts_on"]:
        errors["ends_on"] = [_("Ends on: the event ends before it starts.")]
    for name, label in (("start_time", _("Start time")), ("end_time", _("End time"))):
        raw = _text(data, name) if not isinstance(data.get(name), time) else data[name]
        if isinstance(raw, time) or not raw:
            out[name] = raw or None
            continue
        try:
            out[name] = time.fromisoformat(raw)
        except ValueError:
            errors[name] = [
                _("%(field)s: “%(value)s” is not a time; use HH:MM.", field=label, value=raw[:20])
            ]
    out["timezone"] = _text(data, "timezone") or "UTC"
    if _zone(out["timezone"]) is None:
        errors["timezone"] = [
            _(
                "Time zone: unknown zone %(zone)s (use a name such as America/New_York).",
                zone=out["timezone"][:60],
            )
        ]
    out["location"] = _text(data, "location")[:200]
    virtual = data.get("virtual", False)
    out["virtual"] = (
        virtual.strip().lower() in {"1", "true", "on", "yes"}
        if isinstance(virtual, str)
        else bool(virtual)
    )
    out["description"] = _text(data, "description")[:20000]
    out["guiding_questions"] = _text(data, "guiding_questions")[:20000]
    out["agenda_url"] = _text(data, "agenda_url") or None
    if out["agenda_url"] and not _url(out["agenda_url"]):
        errors["agenda_url"] = [_("Agenda: use a full web address starting with https://.")]
    documents = [line.strip() for line in _text(data, "documents").splitlines() if line.strip()]
    if any(not _url(d) for d in documents):
        errors["documents"] = [_("Documents: one full web address (https://…) per line.")]
    out["documents"] = "\n".join(documents)
    out["themes"] = _list(data, "themes")
    if any(t not in codes.THEMES for t in out["themes"]):
        errors["themes"] = [_("Themes: unknown code.")]
    regions = _list(data, "regions")
    unknown = [r for r in regions if default_gazetteer().get(r) is None]
    if unknown:
        errors["regions"] = [
            _("Regions: unknown place(s) %(codes)s.", codes=", ".join(unknown[:5]))
        ]
    out["regions"] = regions
    out["session_id"] = session_of(data.get("session_id"), errors)
    out["source"] = _text(data, "source")[:500]
    if errors:
        raise Invalid(_("Please correct the fields marked."), errors)
    return out


def create_event(actor: User | None, data: dict[str, Any]) -> Event:
    """``actor`` None is the trusted loader (seed)."""
    if actor is not None and not access.is_secretariat(actor):
        raise Forbidden(_("Only the Secretariat edits the calendar."))
    values = load_event(data)
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    record_revision(event, actor, "created", {k: [None, json_safe(v)] for k, v in values.items()})  # type: ignore[arg-type]
    return event


def update_event(actor: User, event: Event, data: dict[str, Any]) -> dict[str, list[Any]]:
    if not access.is_secretariat(actor):
        raise Forbidden(_("Only the Secretariat edits the calendar."))
    changes = apply_changes(event, load_event(data))  # type: ignore[arg-type]
    if changes:
        event.updated_at = utcnow()
        db.session.flush()
        record_revision(event, actor, "edited", changes)  # type: ignore[arg-type]
    return changes
