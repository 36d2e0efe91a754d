"""What waits for the signed-in person ("My work" and the count in the header).

Every query here is bounded by the person's own state or organisation (indexed columns), so
it stays cheap however large the catalogue grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, false, func, or_, select

from kb import access
from kb.codes import N_
from kb.extensions import db
from kb.models import Match, Programme, Request, User
from kb.models.types import utcnow

LIVE = ("open", "matched", "in_progress")
NEXT_STEP = {"accepted": N_("Start implementation"), "in_progress": N_("Record the outcome")}


@dataclass(frozen=True)
class Item:
    kind: str  # "proposal" | "case"
    title: str
    detail: str
    link: str
    at: datetime


def _my_side(user: Any) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(matches where I act for the request, matches where I act for the programme)."""
    active = user if getattr(user, "is_active", False) else None
    mine_req: ColumnElement[bool] = false()
    mine_prog: ColumnElement[bool] = false()
    if active is not None and active.role == "focal_point" and active.country_code:
        mine_req = Match.request_id.in_(
            select(Request.id).where(Request.country_code == active.country_code)
        )
    if active is not None and active.role == "provider" and active.organisation_id:
        mine_prog = Match.programme_id.in_(
            select(Programme.id).where(Programme.organisation_id == active.organisation_id)
        )
    return mine_req, mine_prog


def _to_answer(user: Any) -> ColumnElement[bool]:
    """Proposals the other side made to me, which I accept or decline."""
    mine_req, mine_prog = _my_side(user)
    return and_(
        Match.status == "proposed",
        or_(
            and_(mine_req, Match.proposed_by_side == "provider"),
            and_(mine_prog, Match.proposed_by_side == "requester"),
        ),
    )


def _open_cases(user: Any) -> ColumnElement[bool]:
    mine_req, mine_prog = _my_side(user)
    return and_(Match.status.in_(tuple(NEXT_STEP)), or_(mine_req, mine_prog))


def _stale_before() -> datetime:
    return utcnow() - timedelta(days=current_app.config["STALE_AFTER_DAYS"])


def _needs_me(model: type[Request] | type[Programme], user: Any) -> ColumnElement[bool]:
    """My records returned to me with a comment, or live and not confirmed for too long."""
    return and_(
        access.owned_clause(model, user),
        or_(
            and_(model.status == "draft", model.return_comment.is_not(None)),
            and_(model.status.in_(LIVE), model.last_confirmed_at < _stale_before()),
        ),
    )


def match_items(user: Any, limit: int = 50) -> list[Item]:
    """Proposals to answer, then my open cases with their next step; newest first each."""
    items: list[Item] = []
    answer = db.session.scalars(
        select(Match).where(_to_answer(user)).order_by(Match.created_at.desc()).limit(limit)
    )
    for m in answer:
        if m.proposed_by_side == "provider":
            detail = _("The provider offers this match: accept or decline.")
        else:
            detail = _("The state asks for this match: accept or decline.")
        items.append(
            Item(
                "proposal",
                f"{m.programme.title} ↔ {m.request.title}",
                detail,
                url_for("matching.match_detail", match_id=m.id),
                m.created_at,
            )
        )
    cases = db.session.scalars(
        select(Match).where(_open_cases(user)).order_by(Match.updated_at.desc()).limit(limit)
    )
    for m in cases:
        items.append(
            Item(
                "case",
                f"{m.programme.title} ↔ {m.request.title}",
                _("Next step: %(step)s.", step=_(NEXT_STEP[m.status])),
                url_for("matching.match_detail", match_id=m.id),
                m.updated_at,
            )
        )
    return items


def waiting_count(user: User) -> int:
    """How many things wait for this person: proposals to answer, records returned or stale,
    calls to answer; for the Secretariat, what its queue lists."""
    if not getattr(user, "is_active", False):
        return 0
    if access.is_secretariat(user):
        from kb.admin.queries import waiting_total

        return waiting_total()
    from kb.consultations.queries import awaiting_answer

    total = db.session.scalar(select(func.count()).select_from(Match).where(_to_answer(user)))
    total = (total or 0) + len(awaiting_answer(user))
    for model in (Request, Programme):
        total = (total or 0) + (
            db.session.scalar(select(func.count()).select_from(model).where(_needs_me(model, user)))
            or 0
        )
    return total or 0
