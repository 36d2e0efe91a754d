"""Who may read calls and answers: the one definition, as a Python predicate and as SQL.

A call is public once published (open or closed); drafts are the Secretariat's. An answer is
read by the Secretariat and by the addressee that wrote it (its focal points or providers);
anyone else reads it only when it is *submitted*, its addressee allowed publication, and its
call is published. Both forms below are built from the same three conditions, and a test
checks that they agree on random answers and viewers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from kb import access
from kb.consultations.addressees import acting_for
from kb.models import Call, CallAnswer
from kb.models.consultation import ANSWER_SUBMITTED, CALL_DRAFT

#: An answer is public when all of these hold.
PUBLIC_ANSWER_STATUS = ANSWER_SUBMITTED
PUBLISHED_CALL = frozenset({"open", "closed"})


def can_view_call(user: Any, call: Call) -> bool:
    return access.is_secretariat(user) or call.status != CALL_DRAFT


def calls_clause(user: Any) -> ColumnElement[bool]:
    return true() if access.is_secretariat(user) else Call.status.in_(PUBLISHED_CALL)


def is_own(user: Any, answer: CallAnswer) -> bool:
    country_code, organisation_id = acting_for(user)
    if country_code:
        return answer.country_code == country_code
    return organisation_id is not None and answer.organisation_id == organisation_id


def can_read_answer(user: Any, answer: CallAnswer) -> bool:
    if access.is_secretariat(user) or is_own(user, answer):
        return True
    return (
        answer.status == PUBLIC_ANSWER_STATUS
        and answer.publishable
        and answer.call.status in PUBLISHED_CALL
    )


def answers_clause(user: Any) -> ColumnElement[bool]:
    """SQL twin of :func:`can_read_answer` for ``CallAnswer`` rows."""
    if access.is_secretariat(user):
        return true()
    published_calls = select(Call.id).where(Call.status.in_(PUBLISHED_CALL))
    public = and_(
        CallAnswer.status == PUBLIC_ANSWER_STATUS,
        CallAnswer.publishable.is_(True),
        CallAnswer.call_id.in_(published_calls),
    )
    return or_(public, own_clause(user))


def own_clause(user: Any) -> ColumnElement[bool]:
    country_code, organisation_id = acting_for(user)
    if country_code:
        return CallAnswer.country_code == country_code
    if organisation_id is not None:
        return CallAnswer.organisation_id == organisation_id
    return false()
