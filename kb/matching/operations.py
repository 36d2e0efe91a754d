"""The match workflow. Demand-driven: the requesting state chooses.

A provider proposes its programme for a request, or a focal point asks a provider; the other
side accepts or declines; accepted → in progress → completed with an outcome note. Every step
writes a revision and notifies the other side; declined pairs stop being suggested.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kb import access, codes
from kb.catalogue import operations as catalogue
from kb.codes import N_
from kb.errors import Conflict, Forbidden, Invalid, NotFound
from kb.extensions import db
from kb.history import record_revision
from kb.i18n import country_name
from kb.models import Match, Programme, Request, User
from kb.models.types import utcnow
from kb.notifications.operations import notify, owners_of

REQUESTER, PROVIDER = "requester", "provider"
OPEN_FOR_PROPOSALS = {"open", "matched", "in_progress"}


def side_of(user: Any, match: Match) -> str | None:
    """Which side ``user`` acts for in this match, if any."""
    if access.owns(user, match.request):
        return REQUESTER
    if access.owns(user, match.programme):
        return PROVIDER
    return None


def can_view_match(user: Any, match: Match) -> bool:
    return access.is_secretariat(user) or side_of(user, match) is not None


def get_match(user: Any, match_id: int) -> Match:
    match = db.session.get(Match, match_id)
    if match is None or not can_view_match(user, match):
        raise NotFound(_l("No such match."))
    return match


def _link(match: Match) -> str:
    return url_for("matching.match_detail", match_id=match.id)


def propose(actor: User, request: Request, programme: Programme, message: str) -> Match:
    """A provider offers its programme, or a focal point asks a provider.

    :raise Forbidden: the actor owns neither side, or may not see the other.
    :raise Conflict: the pair already has a workflow, or a record is not open.
    """
    if access.owns(actor, request) and access.can_view(actor, programme):
        side = REQUESTER
    elif access.owns(actor, programme) and access.can_view(actor, request):
        side = PROVIDER
    else:
        raise Forbidden(_l("Only the requesting state or the provider can start a match."))
    if request.status not in OPEN_FOR_PROPOSALS:
        raise Conflict(_l("This request is not open for offers."))
    if programme.status != "open":
        raise Conflict(_l("This programme is not open."))
    existing = db.session.scalar(
        db.select(Match).where(Match.request_id == request.id, Match.programme_id == programme.id)
    )
    if existing is not None:
        raise Conflict(
            _l(
                "A match case for this pair exists already (status: %(status)s).",
                status=codes.lazy_label(codes.MATCH_STATUSES, existing.status),
            )
        )
    message = (message or "").strip()
    if len(message) > 4000:
        raise Invalid(_l("Message too long."), {"message": [_l("At most 4000 characters.")]})
    match = Match(
        request=request,
        programme=programme,
        status="proposed",
        proposed_by_side=side,
        proposed_by_id=actor.id,
        message=message,
    )
    db.session.add(match)
    db.session.flush()
    record_revision(match, actor, "proposed", {"status": [None, "proposed"]}, message or None)
    if side == PROVIDER:
        notify(
            owners_of(request),
            lambda: _(
                "%(provider)s offers “%(programme)s” for your request “%(request)s”.",
                provider=programme.organisation.display_name,
                programme=programme.title,
                request=request.title,
            ),
            _link(match),
        )
    else:
        notify(
            owners_of(programme),
            lambda: _(
                "%(state)s asks about “%(programme)s” for its request “%(request)s”.",
                state=country_name(request.country),
                programme=programme.title,
                request=request.title,
            ),
            _link(match),
        )
    return match


#: action → (from statuses, to status, who may act)
STEPS: dict[str, tuple[frozenset[str], str, str]] = {
    "accept": (frozenset({"proposed"}), "accepted", "other"),
    "decline": (frozenset({"proposed"}), "declined", "other"),
    "start": (frozenset({"accepted"}), "in_progress", "either"),
    "complete": (frozenset({"in_progress"}), "completed", "either"),
}
STEP_LABELS = {
    "accept": N_("Accept"),
    "decline": N_("Decline"),
    "start": N_("Start implementation"),
    "complete": N_("Mark completed"),
}


#: What the other side is told after a step (worded in each recipient's language).
STEP_NOTICES = {
    "accepted": N_("Match “%(programme)s” ↔ “%(request)s” was accepted."),
    "declined": N_("Match “%(programme)s” ↔ “%(request)s” was declined."),
    "in_progress": N_("Match “%(programme)s” ↔ “%(request)s” was started."),
    "completed": N_("Match “%(programme)s” ↔ “%(request)s” was completed."),
}


def allowed_steps(actor: Any, match: Match) -> list[str]:
    side = side_of(actor, match)
    allowed = []
    for name, (sources, _target, who) in STEPS.items():
        if match.status not in sources or side is None:
            continue
        if who == "either" or (who == "other" and side != match.proposed_by_side):
            allowed.append(name)
    return allowed


def step(actor: User, match: Match, action: str, note: str | None = None) -> str:
    """Apply a workflow step; return the new status.

    :raise Invalid: unknown step, or completion without an outcome note.
    :raise Forbidden: the actor may not take this step. :raise Conflict: wrong status.
    """
    if action not in STEPS:
        raise Invalid(_l("Unknown action."), {"action": [_l("Unknown action.")]})
    sources, target, _who = STEPS[action]
    if match.status not in sources:
        raise Conflict(
            _l(
                "A match with the status %(status)s cannot be changed this way.",
                status=codes.lazy_label(codes.MATCH_STATUSES, match.status),
            )
        )
    if action not in allowed_steps(actor, match):
        raise Forbidden(_l("The other side decides on this proposal."))
    note = (note or "").strip() or None
    if action == "complete" and not note:
        raise Invalid(_l("Describe the outcome."), {"note": [_l("An outcome note is required.")]})
    if action == "decline" and not note:
        raise Invalid(
            _l("Say why you decline: the other side sees your reason."),
            {"note": [_l("A reason is required to decline.")]},
        )
    old = match.status
    match.status = target
    match.updated_at = utcnow()
    if action in ("accept", "decline"):
        match.response_note = note
    if action == "complete":
        match.outcome_note = note
    db.session.flush()
    record_revision(match, actor, action, {"status": [old, target]}, note)
    side = side_of(actor, match)
    if side == REQUESTER or access.is_secretariat(actor):
        _advance_request(actor, match, action)  # each side changes only its own record
    if action == "complete" and match.request.status in ("matched", "in_progress"):
        notify(
            owners_of(match.request),
            lambda: _(
                "“%(programme)s” is completed. Is “%(request)s” fulfilled? "
                "Mark it fulfilled on the request page.",
                programme=match.programme.title,
                request=match.request.title,
            ),
            url_for("catalogue.detail", plural="requests", record_id=match.request_id),
        )
    others = owners_of(match.programme if side == REQUESTER else match.request)
    notify(
        others,
        lambda: _(
            STEP_NOTICES[target],
            programme=match.programme.title,
            request=match.request.title,
        ),
        _link(match),
    )
    return target


def _advance_request(actor: User, match: Match, action: str) -> None:
    """Keep the request's lifecycle in step with its matches (with its own revision)."""
    request = match.request
    wanted = {"accept": ("open", "mark_matched"), "start": (None, "start")}.get(action)
    if wanted is None:
        return
    source, transition = wanted
    sources = catalogue.TRANSITIONS["request"][transition].sources
    if request.status in sources and (source is None or request.status == source):
        comment = _("Match with “%(title)s”.", title=match.programme.title)
        catalogue.apply_transition(actor, request, transition, comment)
