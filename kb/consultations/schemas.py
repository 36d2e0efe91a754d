"""The one definition of valid call input (web form and API), with messages in the reader's
language that name the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _

from kb import codes
from kb.dates import EXPECTED, parse_day
from kb.errors import Invalid
from kb.extensions import db
from kb.models import Country, OewgSession

FORMATS = codes.CALL_FORMATS
STATE_AUDIENCES = {
    "all": codes.N_("All Member States"),
    "listed": codes.N_("Only the states listed"),
    "none": codes.N_("No states (stakeholders only)"),
}
MAX_QUESTIONS = 20


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _list(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name) or []
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split()]
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def _flag(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes", "y"}
    return bool(value)


def questions_from(value: Any) -> list[str]:
    """Questions from a list, or from text with one question per line."""
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        return []
    return [" ".join(str(q).split()) for q in value if str(q).strip()]


def load_call(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a call's fields; :raise Invalid: with a message for every field at fault."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def need(name: str, label: str, max_length: int) -> None:
        value = _text(data, name)
        if not value:
            errors[name] = [_("%(field)s is required.", field=label)]
        elif len(value) > max_length:
            errors[name] = [
                _("%(field)s: at most %(num)d characters.", field=label, num=max_length)
            ]
        out[name] = value

    need("reference", _("Reference"), 80)
    need("title", _("Title"), 300)
    out["mandate"] = _text(data, "mandate")[:20000]
    questions = questions_from(data.get("questions"))
    if not questions:
        errors["questions"] = [_("Guiding questions: write at least one, one per line.")]
    elif len(questions) > MAX_QUESTIONS:
        errors["questions"] = [_("Guiding questions: at most %(num)d.", num=MAX_QUESTIONS)]
    elif any(len(q) > 2000 for q in questions):
        errors["questions"] = [_("Guiding questions: each at most 2,000 characters.")]
    out["questions"] = questions

    audience = _text(data, "addressed_states") or "all"
    if audience not in STATE_AUDIENCES:
        errors["addressed_states"] = [_("States addressed: choose all, listed or none.")]
    out["addressed_states"] = audience
    countries = [c.upper() for c in _list(data, "addressed_countries")]
    unknown = [c for c in countries if not c.isascii() or db.session.get(Country, c) is None]
    if unknown:
        errors["addressed_countries"] = [
            _("States listed: unknown code(s) %(codes)s.", codes=", ".join(unknown[:10]))
        ]
    elif audience == "listed" and not countries:
        errors["addressed_countries"] = [_("States listed: name at least one state.")]
    out["addressed_countries"] = sorted(set(countries)) if audience == "listed" else []
    org_types = _list(data, "addressed_org_types")
    bad_types = [t for t in org_types if t not in codes.ORGANISATION_TYPES]
    if bad_types:
        errors["addressed_org_types"] = [
            _("Stakeholders addressed: unknown type(s) %(codes)s.", codes=", ".join(bad_types))
        ]
    out["addressed_org_types"] = sorted(set(org_types))
    out["addressed_observers"] = _flag(data, "addressed_observers", False)
    if (
        audience == "none"
        and not org_types
        and not out["addressed_observers"]
        and "addressed_org_types" not in errors
    ):
        errors["addressed_states"] = [
            _("Addressees: the call must address states or stakeholders.")
        ]

    opens_on = _day(data, "opens_on", _("Opens on"), errors, default=date.today())
    deadline_day = _day(data, "deadline_date", _("Deadline"), errors)
    deadline_time = _time(data, "deadline_time", errors)
    zone_name = _text(data, "deadline_tz") or "UTC"
    zone = _zone(zone_name)
    if zone is None:
        errors["deadline_tz"] = [
            _(
                "Time zone: unknown zone %(zone)s (use a name such as America/New_York).",
                zone=zone_name[:60],
            )
        ]
    out["deadline_tz"] = zone_name
    out["opens_on"] = opens_on
    if deadline_day and zone is not None and deadline_time is not None:
        local = datetime.combine(deadline_day, deadline_time, tzinfo=zone)
        out["deadline_at"] = local.astimezone(UTC)
        if opens_on and deadline_day < opens_on:
            errors["deadline_date"] = [_("Deadline: the call closes before it opens.")]

    formats = _list(data, "formats") or ["web", "docx"]
    if any(f not in FORMATS for f in formats):
        errors["formats"] = [_("Accepted formats: choose web form and/or Word document.")]
    out["formats"] = [f for f in FORMATS if f in formats]

    out["session_id"] = session_of(data.get("session_id"), errors)
    out["publish_by_default"] = _flag(data, "publish_by_default", True)
    out["accept_late"] = _flag(data, "accept_late", True)
    try:
        remind = int(data.get("remind_days", 7) or 0)
    except (TypeError, ValueError):
        remind = -1
    if not 0 <= remind <= 90:
        errors["remind_days"] = [_("Reminder: a number of days from 0 to 90.")]
    out["remind_days"] = remind
    if errors:
        raise Invalid(_("Please correct the fields marked."), errors)
    return out


def session_of(value: Any, errors: dict[str, list[str]]) -> int | None:
    """The id of an existing OEWG session from a form or JSON value (empty: none); an unknown
    one is reported under ``session_id``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        session_id = int(value)
    except (TypeError, ValueError):
        session_id = -1
    if not 0 < session_id < 2**31 or db.session.get(OewgSession, session_id) is None:
        errors["session_id"] = [_("Session: unknown session.")]
        return None
    return session_id


def _day(
    data: dict[str, Any],
    name: str,
    label: str,
    errors: dict[str, list[str]],
    default: date | None = None,
) -> date | None:
    raw = data.get(name)
    if isinstance(raw, date):
        return raw
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        if default is None:
            errors[name] = [_("%(field)s is required.", field=label)]
        return default
    day = parse_day(text)
    if day is None:
        errors[name] = [
            _(
                "%(field)s: “%(value)s” is not a date; use %(format)s.",
                field=label,
                value=text[:40],
                format=_(EXPECTED),
            )
        ]
    return day


def _time(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> time | None:
    raw = data.get(name)
    if isinstance(raw, time):
        return raw
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return time(23, 59)
    try:
        return time.fromisoformat(text)
    except ValueError:
        errors[name] = [_("Deadline time: “%(value)s” is not a time; use HH:MM.", value=text[:20])]
        return None


def _zone(name: str) -> ZoneInfo | None:
    if not name or len(name) > 64 or name not in available_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


_ZONES: frozenset[str] | None = None


def available_zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def load_answers(call_questions: list[str], data: dict[str, Any]) -> list[str]:
    """One text per question from ``answer_1`` … (form) or ``answers`` (a list, API)."""
    given = data.get("answers")
    if isinstance(given, list):
        texts = [str(v) if v is not None else "" for v in given]
        if len(texts) > len(call_questions):
            raise Invalid(
                _("Answers: the call has %(num)d questions.", num=len(call_questions)),
                {
                    "answers": [
                        _("Answers: the call has %(num)d questions.", num=len(call_questions))
                    ]
                },
            )
    else:
        texts = [data.get(f"answer_{i}", "") or "" for i in range(1, len(call_questions) + 1)]
        texts = [t if isinstance(t, str) else "" for t in texts]
    texts = [t.strip() for t in texts] + [""] * (len(call_questions) - len(texts))
    too_long = [i + 1 for i, t in enumerate(texts) if len(t) > 20000]
    if too_long:
        message = _("Answer %(num)d: at most 20,000 characters.", num=too_long[0])
        raise Invalid(message, {f"answer_{too_long[0]}": [message]})
    return texts
