"""Operations on calls for views: create, edit, publish and close a call; save and submit an
answer; send reminders; turn an answer into a catalogue draft. None commits (``kb.uow``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from kb import access
from kb.consultations import addressees as addr
from kb.consultations.schemas import load_answers, load_call
from kb.errors import Conflict, Forbidden, Invalid, NotFound
from kb.extensions import db
from kb.history import apply_changes, json_safe, record_revision
from kb.models import Call, CallAnswer, CallReminder, Organisation, Programme, Request, User
from kb.models.consultation import (
    ANSWER_DRAFT,
    ANSWER_SUBMITTED,
    CALL_CLOSED,
    CALL_DRAFT,
    CALL_OPEN,
)
from kb.models.types import utcnow
from kb.notifications.operations import notify


def _secretariat(actor: User) -> None:
    if not access.is_secretariat(actor):
        raise Forbidden(_("Only the Secretariat manages calls for views."))


def _unique_reference(reference: str, call_id: int | None = None) -> None:
    query = select(Call.id).where(Call.reference == reference)
    if call_id is not None:
        query = query.where(Call.id != call_id)
    if db.session.scalar(query) is not None:
        message = _("Reference: a call with this reference exists.")
        raise Invalid(message, {"reference": [message]})


def create_call(actor: User | None, data: dict[str, Any]) -> Call:
    """A new call, as a draft (``actor`` None is the trusted loader: seed files).

    :raise Forbidden: not the Secretariat. :raise Invalid: bad fields."""
    if actor is not None:
        _secretariat(actor)
    values = load_call(data)
    _unique_reference(values["reference"])
    call = Call(**values, status=CALL_DRAFT)
    db.session.add(call)
    db.session.flush()
    record_revision(call, actor, "created", {k: [None, json_safe(v)] for k, v in values.items()})
    return call


def update_call(actor: User, call: Call, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Edit a call. Once published, its questions keep their number (answers follow them)."""
    _secretariat(actor)
    values = load_call(data)
    _unique_reference(values["reference"], call.id)
    if call.status != CALL_DRAFT and len(values["questions"]) != len(call.questions):
        message = _(
            "Guiding questions: a published call keeps its %(num)d questions.",
            num=len(call.questions),
        )
        raise Invalid(message, {"questions": [message]})
    changes = apply_changes(call, values)  # type: ignore[arg-type]
    if changes:
        call.updated_at = utcnow()
        db.session.flush()
        record_revision(call, actor, "edited", changes)
    return changes


def publish_call(actor: User, call: Call) -> int:
    """Open the call and notify its addressees' focal points and providers; return how many
    people were notified."""
    _secretariat(actor)
    if call.status != CALL_DRAFT:
        raise Conflict(_("Only a draft call can be published."))
    if call.deadline_at <= utcnow():
        raise Conflict(_("The deadline has passed: change it before publishing."))
    call.status = CALL_OPEN
    call.published_at = call.updated_at = utcnow()
    db.session.flush()
    record_revision(call, actor, "call_published", {"status": [CALL_DRAFT, CALL_OPEN]})
    users = [u for a in addr.addressees(call) for u in addr.users_of(a)]

    def text() -> str:
        return _(
            "Call for views %(reference)s: %(title)s. Answers are due by %(deadline)s.",
            reference=call.reference,
            title=call.title,
            deadline=deadline_text(call),
        )

    notify(users, text, f"/calls/{call.id}")
    return len(users)


def close_call(actor: User, call: Call) -> None:
    _secretariat(actor)
    if call.status != CALL_OPEN:
        raise Conflict(_("Only an open call can be closed."))
    call.status = CALL_CLOSED
    call.updated_at = utcnow()
    db.session.flush()
    record_revision(call, actor, "call_closed", {"status": [CALL_OPEN, CALL_CLOSED]})


def deadline_text(call: Call) -> str:
    """The deadline in the call's own time zone, e.g. ``2023-11-10 23:59 (America/New_York)``."""
    from zoneinfo import ZoneInfo

    local = call.deadline_at.astimezone(ZoneInfo(call.deadline_tz))
    return f"{local:%Y-%m-%d %H:%M} ({call.deadline_tz})"


def answer_of(
    call: Call, country_code: str | None, organisation_id: int | None
) -> CallAnswer | None:
    query = select(CallAnswer).where(CallAnswer.call_id == call.id)
    if country_code:
        query = query.where(CallAnswer.country_code == country_code)
    else:
        query = query.where(
            CallAnswer.organisation_id == organisation_id, CallAnswer.country_code.is_(None)
        )
    return db.session.scalar(query)


def save_answer(
    actor: User, call: Call, data: dict[str, Any], submit: bool, source: str = "web"
) -> CallAnswer:
    """Save the actor's answer as a draft, or submit it (a submitted answer can be revised:
    each version is a revision). After the deadline an answer is accepted and marked late,
    or refused when the call says so.

    :raise Forbidden: not an addressee. :raise Conflict: call not open. :raise Invalid: bad text.
    """
    if not addr.may_answer(actor, call):
        raise Forbidden(_("This call is not addressed to the state or organisation you represent."))
    if call.status != CALL_OPEN:
        raise Conflict(_("This call is not open for answers."))
    now = utcnow()
    if call.opens_on > now.date():
        raise Conflict(_("This call opens on %(day)s.", day=call.opens_on.isoformat()))
    late = now > call.deadline_at
    if late and submit and not call.accept_late:
        raise Conflict(_("The deadline has passed and this call does not accept late answers."))
    texts = load_answers(call.questions, data)
    if submit and not any(texts):
        message = _("Answer at least one question before submitting.")
        raise Invalid(message, {"answer_1": [message]})
    country_code, organisation_id = addr.acting_for(actor)
    answer = answer_of(call, country_code, organisation_id)
    publishable = data.get("publishable", call.publish_by_default if answer is None else None)
    if isinstance(publishable, str):
        publishable = publishable.strip().lower() in {"1", "true", "on", "yes", "y"}
    if answer is None:
        answer = CallAnswer(
            call_id=call.id,
            country_code=country_code,
            organisation_id=None if country_code else organisation_id,
            answers=[""] * len(call.questions),
            status=ANSWER_DRAFT,
            publishable=bool(publishable),
            drafts=[],
        )
        db.session.add(answer)
        db.session.flush()
    elif answer.status == ANSWER_SUBMITTED and not submit:
        raise Conflict(_("This answer was submitted: save your changes by submitting a revision."))
    values: dict[str, Any] = {"answers": texts, "source": source}
    if publishable is not None:
        values["publishable"] = bool(publishable)
    if submit:
        values["status"] = ANSWER_SUBMITTED
        values["late"] = answer.late or late
    changes = apply_changes(answer, values)  # type: ignore[arg-type]
    if submit:
        answer.submitted_at = now
    if changes or submit:
        answer.updated_at = now
        db.session.flush()
        action = "answer_submitted" if submit else "answer_saved"
        record_revision(answer, actor, action, changes)  # type: ignore[arg-type]
    return answer


def set_publishable(actor: User, answer: CallAnswer, publishable: bool) -> None:
    """The addressee (or the Secretariat on its behalf) allows or withdraws publication."""
    from kb.consultations.visibility import is_own

    if not (access.is_secretariat(actor) or is_own(actor, answer)):
        raise Forbidden(_("Only the answering state or organisation decides on publication."))
    changes = apply_changes(answer, {"publishable": publishable})  # type: ignore[arg-type]
    if changes:
        answer.updated_at = utcnow()
        db.session.flush()
        record_revision(answer, actor, "edited", changes)  # type: ignore[arg-type]


def _submitted_keys(call: Call) -> set[str]:
    rows = db.session.execute(
        select(CallAnswer.country_code, CallAnswer.organisation_id).where(
            CallAnswer.call_id == call.id, CallAnswer.status == ANSWER_SUBMITTED
        )
    )
    return {code or f"org:{org}" for code, org in rows}


def remind(actor: User | None, call: Call, keys: list[str] | None = None) -> tuple[int, int]:
    """Remind addressees that have not submitted (those of ``keys``, or all of them); log each
    reminder. ``actor`` None is the scheduled, automatic reminder, sent once per addressee.
    Return (addressees reminded, people notified)."""
    if actor is not None:
        _secretariat(actor)
    if call.status != CALL_OPEN:
        raise Conflict(_("Reminders go only for an open call."))
    done = _submitted_keys(call)
    wanted = set(keys) if keys is not None else None
    already = set()
    if actor is None:
        rows = db.session.execute(
            select(CallReminder.country_code, CallReminder.organisation_id).where(
                CallReminder.call_id == call.id, CallReminder.automatic.is_(True)
            )
        )
        already = {code or f"org:{org}" for code, org in rows}

    def text() -> str:
        return _(
            "Reminder: call for views %(reference)s (%(title)s) closes on %(deadline)s.",
            reference=call.reference,
            title=call.title,
            deadline=deadline_text(call),
        )

    reminded = people = 0
    for addressee in addr.addressees(call):
        key = addressee.key
        if key in done or key in already or (wanted is not None and key not in wanted):
            continue
        users = addr.users_of(addressee)
        notify(users, text, f"/calls/{call.id}")
        db.session.add(
            CallReminder(
                call_id=call.id,
                country_code=addressee.country_code,
                organisation_id=addressee.organisation_id,
                sent_by_id=actor.id if actor is not None else None,
                automatic=actor is None,
                recipients=len(users),
            )
        )
        reminded += 1
        people += len(users)
    db.session.flush()
    return reminded, people


def due_for_reminder(now: datetime | None = None) -> list[Call]:
    """Open calls whose automatic reminder is due: within ``remind_days`` of the deadline."""
    now = now or utcnow()
    calls = db.session.scalars(
        select(Call).where(Call.status == CALL_OPEN, Call.remind_days > 0, Call.deadline_at > now)
    )
    return [c for c in calls if c.deadline_at - timedelta(days=c.remind_days) <= now]


def draft_from_answer(
    actor: User, answer: CallAnswer, question: int, organisation_id: int | None = None
) -> Request | Programme:
    """Turn the answer to question ``question`` (1-based) into a catalogue draft, linked both
    ways: a request of the answering state, a programme of the answering organisation, or — the
    Secretariat choosing ``organisation_id`` — a programme of an organisation the answer names
    (a state describing a programme it runs with a partner)."""
    from kb.catalogue.operations import create_programme, create_request
    from kb.consultations.visibility import is_own
    from search.matching.suggest import suggest_codes
    from search.text.detect import detect_language

    if not (access.is_secretariat(actor) or is_own(actor, answer)):
        raise Forbidden(
            _("Only the Secretariat or the answering state or organisation can do this.")
        )
    if not 1 <= question <= len(answer.answers) or not answer.answers[question - 1].strip():
        raise NotFound(_("This answer has no text for that question."))
    text = answer.answers[question - 1].strip()
    if len(text) < 20:
        message = _("The answer is too short to become a catalogue record (20 characters or more).")
        raise Invalid(message, {"question": [message]})
    first = text.split("\n", 1)[0]
    title = first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "…"
    if len(title) < 5:
        title = f"{answer.call.reference}: {answer.addressee_name}"[:200]
    language = detect_language(text) or "en"
    data: dict[str, Any] = {
        "title": title,
        "description": text,
        "text_language": language if len(language) == 2 else "en",
        "languages": [language] if language in {"ar", "zh", "en", "fr", "ru", "es"} else ["en"],
    }
    owner_org = answer.organisation_id
    if organisation_id is not None:
        if not access.is_secretariat(actor):
            raise Forbidden(_("Only the Secretariat chooses another owner for a draft."))
        if db.session.get(Organisation, organisation_id) is None:
            message = _("Organisation: unknown organisation.")
            raise Invalid(message, {"organisation_id": [message]})
        owner_org = organisation_id
    if answer.country_code and organisation_id is None:
        record: Request | Programme = create_request(
            actor, {**data, "country_code": answer.country_code}
        )
    else:
        codes = suggest_codes(title, text, data["text_language"])
        data |= {
            "organisation_id": owner_org,
            "themes": codes["themes"][:3] or ["technical_skills"],
            "support_types": codes["support_types"][:2] or ["training"],
        }
        record = create_programme(actor, data)
    link = f"/calls/{answer.call_id}/answers/{answer.id}"
    comment = _(
        "From the answer of %(who)s to call %(reference)s, question %(num)d: %(link)s",
        who=answer.addressee_name,
        reference=answer.call.reference,
        num=question,
        link=link,
    )
    record_revision(record, actor, "drafted_from_answer", comment=comment)
    answer.drafts = [*answer.drafts, [record.kind, record.id, question]]
    db.session.flush()
    return record
