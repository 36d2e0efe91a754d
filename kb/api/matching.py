"""Matches: a record's explained matches, the best open pairs, unmet needs, the proposal
workflow (match cases) and notifications. Same services and access rules as the pages."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from markupsafe import Markup
from marshmallow import Schema, ValidationError, fields, validate

from kb import fragments
from kb.api import schemas
from kb.api.common import (
    PAGE_HEADERS,
    ApiPage,
    json_body,
    load_visible,
    per_page,
)
from kb.api.docs import body_doc, errors
from kb.api.problems import Problem, flatten_messages
from kb.codes import N_
from kb.history import revisions_for
from kb.i18n import reason_text
from kb.matching import operations, queries
from kb.matching.service import LISTED_REQUEST_STATUSES, match_service
from kb.models import Programme, Request
from kb.notifications import operations as notifications
from kb.uow import unit_of_work
from search.matching import labels

RECORD_ID = "<int(min=1, max=2147483647):record_id>"
MATCH_ID = "<int(min=1, max=2147483647):match_id>"

blp = Blueprint(
    "api_matching",
    __name__,
    url_prefix="",
    description="Matching: explained matches, unmet needs and the proposal workflow.",
)


# --- schemas --------------------------------------------------------------------------------


def _reason_text(reason: Any) -> str:
    """The reason as the pages word it, in the language asked for, as plain text."""
    text = reason_text(reason)
    return text.striptags() if isinstance(text, Markup) else str(text)


class ReasonSchema(Schema):
    kind = fields.String()
    text = fields.Function(
        _reason_text, metadata={"description": "The reason, in the language asked for."}
    )
    contribution = fields.Float()
    items = fields.List(fields.String())


class RecordRefSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    owner = fields.String(attribute="owner_label")
    status = fields.String()
    link = fields.Function(
        lambda r: url_for(f"api_{r.kind}s.record", record_id=r.id, _external=True)
    )


class ScoredSchema(Schema):
    score = fields.Float(
        metadata={"description": "Estimated chance (0-1) that a reviewer calls it a good match."}
    )
    quality = fields.String(metadata={"description": "strong, good or weak"})
    label = fields.String(metadata={"description": "Strong match, Good match or Weak match."})
    shown = fields.Boolean(
        metadata={"description": "Listed on pages (strong or good); weaker ones are folded."}
    )
    covers_need = fields.Boolean(
        metadata={"description": "Covers the request's main theme, in a shared language."}
    )
    reasons = fields.List(fields.Nested(ReasonSchema))


class RecordMatchSchema(ScoredSchema):
    record = fields.Nested(RecordRefSchema)
    general_offer = fields.Boolean(
        metadata={
            "description": "The programme is a standing general offer (a service open to any "
            "need on its themes); false for requests."
        }
    )


class NeedSchema(Schema):
    best_score = fields.Float()
    quality = fields.String()
    unmet = fields.Boolean(
        metadata={
            "description": "No eligible, available programme you may see covers the main need "
            "(its main theme, in a shared language)."
        }
    )


UPDATING = (
    "The list is being updated: when a record you may see changed that can move it (the list's "
    "own record, one it holds, or one that may join it) and the refresh after that change has "
    "not run yet; null when the list is up to date."
)


class RecordMatchesSchema(Schema):
    items = fields.List(fields.Nested(RecordMatchSchema))
    updating_since = fields.DateTime(allow_none=True, metadata={"description": UPDATING})
    need = fields.Nested(NeedSchema, allow_none=True)
    suggested_codes = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), allow_none=True
    )


RECORD_MATCHES = RecordMatchesSchema()


class PairSchema(Schema):
    request = fields.Nested(RecordRefSchema)
    programme = fields.Nested(RecordRefSchema)
    rank = fields.Integer(
        metadata={"description": "Place among this request's pairs you may see (1 = best)."}
    )
    score = fields.Float()
    quality = fields.String()
    reasons = fields.List(fields.Nested(ReasonSchema))
    general_offer = fields.Boolean(
        metadata={
            "description": "The programme is a standing general offer (a service open to any "
            "need on its themes), as the Matches page's badge says."
        }
    )


CATALOGUE_UPDATING = (
    "These lists are being updated: when the earliest change you may see that they do not "
    "hold yet was made (its refresh has not run yet); null when they are up to date."
)


class PairPageSchema(schemas.PageSchema):
    items = fields.List(fields.Nested(PairSchema))
    updating_since = fields.DateTime(allow_none=True, metadata={"description": CATALOGUE_UPDATING})


PAIR_PAGE = PairPageSchema()


class PairArgsSchema(schemas.PageArgsSchema):
    region = fields.String(load_default=None)
    theme = fields.String(load_default=None)
    country = fields.String(load_default=None)
    since = fields.Date(load_default=None, metadata={"description": "New since (YYYY-MM-DD)."})


class UnmetSchema(Schema):
    request = fields.Nested(RecordRefSchema)
    best_score = fields.Float()


class UnmetListSchema(Schema):
    threshold = fields.Float()
    items = fields.List(fields.Nested(UnmetSchema))
    updating_since = fields.DateTime(allow_none=True, metadata={"description": CATALOGUE_UPDATING})


class CaseSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    request = fields.Nested(RecordRefSchema)
    programme = fields.Nested(RecordRefSchema)
    proposed_by_side = fields.String(metadata={"description": "provider or requester"})
    message = fields.String()
    response_note = fields.String(allow_none=True)
    outcome_note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    your_steps = fields.Function(
        lambda m: operations.allowed_steps(current_user, m),
        metadata={"type": "array", "items": {"type": "string"}},
    )
    history = fields.Function(
        lambda m: schemas.RevisionSchema(many=True).dump(revisions_for(m)),
        metadata={"type": "array", "items": {"type": "object"}},
    )


class CasePageSchema(schemas.PageSchema):
    items = fields.List(fields.Nested(CaseSchema))


class ProposeBodySchema(Schema):
    request_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    programme_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    message = fields.String(load_default="", validate=validate.Length(max=4000))


class StepBodySchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class NotificationSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    link = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationListSchema(Schema):
    unread = fields.Integer()
    items = fields.List(fields.Nested(NotificationSchema))


# --- helpers --------------------------------------------------------------------------------


def _load(schema: Schema, required: bool = True) -> dict[str, Any]:
    try:
        return schema.load(json_body(required=required))
    except ValidationError as err:
        raise Problem(422, errors=flatten_messages(err.messages)) from err


def _logged_in() -> None:
    if not (current_user.is_authenticated and current_user.is_active):
        raise Problem(401, "unauthenticated", N_("Log in or send a bearer token."))


def _scored(record: Any, match: Any) -> dict[str, Any]:
    """A stored suggestion (``MatchSuggestion``) with the record on the other side."""
    return {
        "record": record,
        "score": match.score,
        "quality": match.quality,
        "label": labels.label(match.quality),
        "shown": match_service().config.shown(match.quality),
        "covers_need": match.covers,
        "reasons": match.reasons,
        "general_offer": bool(getattr(record, "general_offer", False)),
    }


# --- record matches -------------------------------------------------------------------------


@blp.route(f"/requests/{RECORD_ID}/matches", endpoint="request_matches")
@blp.response(200, RecordMatchesSchema)
@errors(blp, 404)
def request_matches(record_id: int) -> Any:
    """Programmes that could meet a request, explained; only programmes you may see."""
    request = load_visible(Request, record_id)

    def render() -> Response:
        service = match_service()
        listed = request.status in LISTED_REQUEST_STATUSES
        pairs = queries.programmes_for(request, current_user) if listed else []
        need = queries.need_of(request, pairs, service.config.unmet_threshold)
        lag = queries.list_lag(request, pairs, current_user) if listed else None
        body = {
            "items": [_scored(p, m) for p, m in pairs if queries.listed(m, service.config)],
            "need": need.as_dict(),
            "suggested_codes": service.infer_codes(request),
            "updating_since": lag.since if lag else None,
        }
        return current_app.json.response(RECORD_MATCHES.dump(body))

    return fragments.json_response("api-request-matches", render)


@blp.route(f"/programmes/{RECORD_ID}/matches", endpoint="programme_matches")
@blp.response(200, RecordMatchesSchema)
@errors(blp, 404)
def programme_matches(record_id: int) -> Any:
    """Open requests a programme could serve; only requests you may see."""
    programme = load_visible(Programme, record_id)

    def render() -> Response:
        open_ = programme.status == "open"
        pairs = queries.requests_for(programme, current_user) if open_ else []
        listed = match_service().config.listed
        items = [_scored(r, m) for r, m in pairs if listed(m.score)]
        lag = queries.list_lag(programme, pairs, current_user) if open_ else None
        body = {
            "items": items,
            "need": None,
            "suggested_codes": None,
            "updating_since": lag.since if lag else None,
        }
        return current_app.json.response(RECORD_MATCHES.dump(body))

    return fragments.json_response("api-programme-matches", render)


@blp.route("/matches", endpoint="pairs")
@blp.arguments(PairArgsSchema, location="query")
@blp.response(200, PairPageSchema, headers=PAGE_HEADERS)
@errors(blp, 422)
def pairs(args: dict[str, Any]) -> Any:
    """The best open pairs across the catalogue (both sides visible to you), best first."""
    filters = queries.MatchFilters.from_args(args)

    def render() -> Response:
        query = queries.best_pairs(current_user, filters)
        page = ApiPage(query, args["page"], per_page(args))
        pairs = queries.load_pairs(page.items)
        ranks = queries.visible_ranks(current_user, pairs)
        page.items = [
            {
                "request": s.request,
                "programme": s.programme,
                "rank": ranks[s.id],
                "score": s.score,
                "quality": s.quality,
                "reasons": s.reasons,
                "general_offer": bool(s.programme.general_offer),
            }
            for s in pairs
        ]
        body = {**page.envelope(), "updating_since": queries.updating_since(current_user)}
        response = current_app.json.response(PAIR_PAGE.dump(body))
        response.headers.update(page.headers())
        return response

    return fragments.json_response("api-matches", render)


@blp.route("/matches/unmet", endpoint="unmet")
@blp.arguments(PairArgsSchema, location="query")
@blp.response(200, UnmetListSchema)
@errors(blp, 422)
def unmet(args: dict[str, Any]) -> Any:
    """Open requests nothing fits well yet (best match under the threshold)."""
    filters = queries.MatchFilters.from_args(args)
    threshold = match_service().config.unmet_threshold
    rows = queries.unmet_needs(current_user, filters, threshold)
    return {
        "threshold": threshold,
        "items": [{"request": r, "best_score": s} for r, s in rows],
        "updating_since": queries.updating_since(current_user),
    }


# --- workflow -------------------------------------------------------------------------------


@blp.route("/match-cases", endpoint="cases", methods=["GET"])
@blp.arguments(schemas.PageArgsSchema, location="query")
@blp.response(200, CasePageSchema, headers=PAGE_HEADERS)
@errors(blp, 401, 422)
def cases(args: dict[str, Any]) -> Any:
    """Proposals your state or organisation made or received (all for the Secretariat)."""
    _logged_in()
    page = ApiPage(queries.cases_query(current_user), args["page"], per_page(args))
    return page.envelope(), 200, page.headers()


@blp.route("/match-cases", endpoint="propose", methods=["POST"])
@body_doc(blp, ProposeBodySchema)
@blp.response(201, CaseSchema)
@errors(blp, 400, 401, 403, 404, 409, 413, 415, 422)
def propose(**_: Any) -> Any:
    """Offer your programme for a request, or ask a provider about its programme."""
    body = _load(ProposeBodySchema())
    request = load_visible(Request, body["request_id"])
    programme = load_visible(Programme, body["programme_id"])
    with unit_of_work():
        match = operations.propose(current_user, request, programme, body["message"])
    return match, 201


@blp.route(f"/match-cases/{MATCH_ID}", endpoint="case")
@blp.response(200, CaseSchema)
@errors(blp, 401, 404)
def case(match_id: int) -> Any:
    """One match case with its history (both sides and the Secretariat only)."""
    _logged_in()
    return operations.get_match(current_user, match_id)


@blp.route(
    f"/match-cases/{MATCH_ID}/actions/<any(accept,decline,start,complete):action>",
    endpoint="case_action",
    methods=["POST"],
)
@body_doc(blp, StepBodySchema, required=False)
@blp.response(200, CaseSchema)
@errors(blp, 400, 401, 403, 404, 409, 413, 415, 422)
def case_action(match_id: int, action: str) -> Any:
    """Accept or decline (the other side), start, or complete with an outcome `note`."""
    match = operations.get_match(current_user, match_id)
    body = _load(StepBodySchema(), required=False)
    with unit_of_work():
        operations.step(current_user, match, action, body.get("note"))
    return match


# --- notifications --------------------------------------------------------------------------


@blp.route("/notifications", endpoint="notifications")
@blp.response(200, NotificationListSchema)
@errors(blp, 401)
def notifications_list() -> Any:
    """Your latest notifications (newest first) and the unread count."""
    _logged_in()
    return {
        "unread": notifications.unread_count(current_user),
        "items": notifications.recent(current_user),
    }


@blp.route("/notifications/read", endpoint="notifications_read", methods=["POST"])
@blp.response(200, NotificationListSchema)
@errors(blp, 401)
def notifications_read() -> Any:
    """Mark all your notifications as read."""
    _logged_in()
    with unit_of_work():
        notifications.mark_all_read(current_user)
    return {"unread": 0, "items": notifications.recent(current_user)}
