"""Reading calls: the list, the tracker of who has answered, and the compilation of views."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from kb.consultations import visibility
from kb.consultations.addressees import Addressee, acting_for, addressees
from kb.extensions import db
from kb.models import Call, CallAnswer, CallReminder
from kb.models.consultation import ANSWER_SUBMITTED

#: Tracker statuses, in the order the tracker sorts them.
TRACKER_STATUSES = ("not_started", "draft", "submitted", "late")


def visible_calls(user: Any) -> list[Call]:
    query = select(Call).where(visibility.calls_clause(user))
    return list(db.session.scalars(query.order_by(Call.deadline_at.desc())))


def own_answer(user: Any, call: Call) -> CallAnswer | None:
    country_code, organisation_id = acting_for(user)
    if not country_code and organisation_id is None:
        return None
    from kb.consultations.operations import answer_of

    return answer_of(call, country_code, organisation_id)


@dataclass(frozen=True)
class TrackerRow:
    addressee: Addressee
    status: str
    answer: CallAnswer | None
    reminders: int
    last_reminder: datetime | None


def tracker(
    call: Call, group: str = "", states: frozenset[str] | None = None, status: str = ""
) -> list[TrackerRow]:
    """Every addressee of ``call`` with its status, filtered by regional group (or
    organisation type), by a set of states (a gazetteer place) and by status."""
    answers = {
        (a.country_code or f"org:{a.organisation_id}"): a
        for a in db.session.scalars(select(CallAnswer).where(CallAnswer.call_id == call.id))
    }
    reminders: dict[str, tuple[int, datetime | None]] = {}
    rows = db.session.execute(
        select(
            CallReminder.country_code,
            CallReminder.organisation_id,
            func.count(),
            func.max(CallReminder.sent_at),
        )
        .where(CallReminder.call_id == call.id)
        .group_by(CallReminder.country_code, CallReminder.organisation_id)
    )
    for code, org, count, last in rows:
        reminders[code or f"org:{org}"] = (count, last)
    result = []
    for addressee in addressees(call):
        if group and addressee.group != group:
            continue
        if states is not None and addressee.country_code not in states:
            continue
        answer = answers.get(addressee.key)
        row_status = _status(answer)
        if status and row_status != status:
            continue
        count, last = reminders.get(addressee.key, (0, None))
        result.append(TrackerRow(addressee, row_status, answer, count, last))
    return result


def _status(answer: CallAnswer | None) -> str:
    if answer is None:
        return "not_started"
    if answer.status != ANSWER_SUBMITTED:
        return "draft"
    return "late" if answer.late else "submitted"


def status_counts(rows: list[TrackerRow]) -> dict[str, int]:
    counts = Counter(row.status for row in rows)
    return {status: counts.get(status, 0) for status in TRACKER_STATUSES}


@dataclass
class Compilation:
    call: Call
    answers: list[CallAnswer]
    #: Per question (0-based): [(answer, text)] of non-empty texts.
    by_question: list[list[tuple[CallAnswer, str]]]
    #: Theme code → answers whose text speaks of it.
    by_theme: dict[str, list[CallAnswer]] = field(default_factory=dict)
    #: Contributors per regional group (states) or organisation type (stakeholders).
    by_group: dict[str, int] = field(default_factory=dict)
    addressed: int = 0
    submitted: int = 0
    late: int = 0


def compilation(call: Call, user: Any) -> Compilation:
    """The views the reader may see (submitted answers; published ones only unless the
    reader is the Secretariat), grouped by question, by theme and by region."""
    from search.matching.suggest import suggest_codes

    query = (
        select(CallAnswer)
        .where(
            CallAnswer.call_id == call.id,
            CallAnswer.status == ANSWER_SUBMITTED,
            visibility.answers_clause(user),
        )
        .order_by(CallAnswer.submitted_at)
    )
    answers = list(db.session.scalars(query))
    by_question: list[list[tuple[CallAnswer, str]]] = [[] for _ in call.questions]
    by_theme: dict[str, list[CallAnswer]] = defaultdict(list)
    groups: Counter[str] = Counter()
    for answer in answers:
        for index, text in enumerate(answer.answers[: len(call.questions)]):
            if text.strip():
                by_question[index].append((answer, text.strip()))
        whole = "\n".join(answer.answers)
        for theme in suggest_codes(call.title, whole)["themes"]:
            by_theme[theme].append(answer)
        if answer.country is not None:
            groups[answer.country.region] += 1
        elif answer.organisation is not None:
            groups[answer.organisation.type] += 1
    return Compilation(
        call=call,
        answers=answers,
        by_question=by_question,
        by_theme=dict(sorted(by_theme.items(), key=lambda kv: -len(kv[1]))),
        by_group=dict(groups.most_common()),
        addressed=len(addressees(call)),
        submitted=len(answers),
        late=sum(1 for a in answers if a.late),
    )


def awaiting_answer(user: Any) -> list[tuple[Call, CallAnswer | None]]:
    """Open calls addressed to the user's state or organisation that it has not submitted an
    answer to, soonest deadline first (the inbox). Bounded by the few open calls."""
    from kb.consultations.addressees import is_addressed

    country_code, organisation_id = acting_for(user)
    if not country_code and organisation_id is None:
        return []
    calls = db.session.scalars(select(Call).where(Call.status == "open").order_by(Call.deadline_at))
    waiting = []
    for call in calls:
        if not is_addressed(call, country_code, organisation_id):
            continue
        answer = own_answer(user, call)
        if answer is None or answer.status != ANSWER_SUBMITTED:
            waiting.append((call, answer))
    return waiting
