"""Initiatives (the landscape of work) and their possible overlaps, as the pages show them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from kb.api import schemas
from kb.api.common import IF_MATCH_OPTIONAL, IF_MATCH_REQUIRED, json_body, lock_for_update
from kb.api.docs import body_doc, errors, partial_schema
from kb.api.problems import Problem, flatten_messages
from kb.codes import N_
from kb.errors import Forbidden, NotFound
from kb.extensions import db
from kb.initiatives import operations, queries
from kb.initiatives.schemas import InitiativeInputSchema
from kb.models.initiative import Initiative
from kb.uow import unit_of_work

blp = Blueprint(
    "api_initiatives",
    __name__,
    url_prefix="",
    description="Initiatives: who funds and implements what, where (budgets as you may see them).",
)


class PartnerSchema(Schema):
    organisation_id = fields.Integer()
    name = fields.Function(lambda p: p.organisation.display_name)
    role = fields.String()


class InitiativeSchema(Schema):
    id = fields.Integer()
    iati_identifier = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String()
    text_language = fields.String()
    themes = fields.List(fields.String())
    support_types = fields.List(fields.String())
    beneficiary_countries = fields.List(fields.String())
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    work_status = fields.String()
    status = fields.String()
    visibility = fields.String()
    beneficiary_regions = fields.String()
    outputs = fields.String()
    budget_visibility = fields.String()
    updated_at = fields.DateTime()
    partners = fields.List(fields.Nested(PartnerSchema))
    budget_amount = fields.Method("_budget", allow_none=True)
    budget_currency = fields.Method("_currency", allow_none=True)

    def _budget(self, item: Initiative) -> str | None:
        if item.budget_amount is None or not queries.budget_visible(current_user, item):
            return None
        return str(item.budget_amount)

    def _currency(self, item: Initiative) -> str | None:
        return item.budget_currency if queries.budget_visible(current_user, item) else None


class InitiativeListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(InitiativeSchema))


class InitiativeArgsSchema(Schema):
    funder = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    implementer = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    beneficiary = fields.String(validate=validate.Length(equal=3))
    theme = fields.String(validate=validate.Length(max=40))
    work_status = fields.String(
        validate=validate.OneOf(["planned", "ongoing", "completed", "cancelled"])
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))


class InitiativeBodySchema(InitiativeInputSchema):
    """An initiative as you write it: partners by organisation id (``GET /organisations``),
    beneficiary states by ISO 3166-1 alpha-3 code, themes and support types by code
    (``GET /codes``). Providers must name their own organisation; a new initiative is a
    draft until the Secretariat publishes it."""


_OUTPUT = InitiativeSchema()


def _etag(item: Initiative) -> str:
    import hashlib
    import json

    data = json.dumps(_OUTPUT.dump(item), sort_keys=True, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


def _headers(item: Initiative) -> dict[str, str]:
    return {"ETag": f'"{_etag(item)}"'}


def _check_if_match(item: Initiative, required: bool) -> None:
    from flask import request

    if not request.if_match:
        if required:
            raise Problem(428, detail="Send If-Match with the ETag you read (GET this record).")
        return
    if not request.if_match.star_tag and not request.if_match.contains(_etag(item)):
        raise Problem(
            412,
            detail="The record changed since you read it: GET it again and retry.",
            headers=_headers(item),
        )


def _load_visible(initiative_id: int) -> Initiative:
    item = db.session.get(Initiative, initiative_id) if 0 < initiative_id < 2**31 else None
    if item is None or not queries.can_view(current_user, item):
        raise NotFound(N_("No such initiative, or you may not see it."))
    return item


@blp.route("/initiatives", endpoint="initiatives")
class Initiatives(MethodView):
    @blp.arguments(InitiativeArgsSchema, location="query")
    @blp.response(200, InitiativeListSchema)
    @errors(blp, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """Initiatives you may see, filtered by funder, implementer, beneficiary state, theme
        and status; 50 a page."""
        filters = queries.Filters(
            funder=args.get("funder"),
            implementer=args.get("implementer"),
            beneficiary=args.get("beneficiary", "").upper(),
            theme=args.get("theme", ""),
            work_status=args.get("work_status", ""),
        )
        query = queries.initiative_query(current_user, filters)
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        items = db.session.scalars(query.limit(50).offset((args["page"] - 1) * 50)).all()
        return {"total": total or 0, "items": items}

    @body_doc(blp, InitiativeBodySchema)
    @blp.response(201, InitiativeSchema)
    @errors(blp, 400, 401, 403, 413, 415, 422)
    def post(self) -> Any:
        """Create a draft initiative (the Secretariat; providers, for initiatives their
        organisation funds, implements or partners in). 422 names each field at fault."""
        if not queries.can_create(current_user):
            raise Forbidden(N_("Only the Secretariat and providers write initiatives."))
        data = json_body()
        with unit_of_work():
            item = operations.create_initiative(current_user, data)
        return item, 201, {**_headers(item), "Location": f"/api/v1/initiatives/{item.id}"}


@blp.route("/initiatives/<int:initiative_id>", endpoint="initiative")
class InitiativeResource(MethodView):
    @blp.response(200, InitiativeSchema)
    @errors(blp, 404)
    def get(self, initiative_id: int) -> Any:
        """One initiative (its budget only where its budget visibility allows)."""
        item = _load_visible(initiative_id)
        return item, 200, _headers(item)

    @blp.doc(parameters=[IF_MATCH_REQUIRED])
    @body_doc(blp, partial_schema(InitiativeBodySchema))
    @blp.response(200, InitiativeSchema)
    @errors(blp, 400, 401, 403, 404, 412, 413, 415, 422, 428)
    def patch(self, initiative_id: int) -> Any:
        """Change some fields (the Secretariat, or a partner's provider). Requires
        `If-Match` (428 without it, 412 when stale); the result is checked whole."""
        item = _load_visible(initiative_id)
        if not queries.can_edit(current_user, item):
            raise Forbidden(N_("You may not edit this record."))
        _check_if_match(item, required=True)
        patch = json_body()
        with unit_of_work():
            lock_for_update(item)  # type: ignore[arg-type]
            _check_if_match(item, required=True)
            operations.update_initiative(current_user, item, {**operations.as_input(item), **patch})
        return item, 200, _headers(item)


@blp.route(
    "/initiatives/<int:initiative_id>/actions/"
    f"<any({', '.join(sorted(operations.TRANSITIONS))}):action>",
    methods=["POST"],
    endpoint="initiative_action",
)
@blp.doc(parameters=[IF_MATCH_OPTIONAL])
@body_doc(blp, schemas.ActionBodySchema, required=False)
@blp.response(200, InitiativeSchema)
@errors(blp, 400, 401, 403, 404, 409, 412, 413, 415, 422)
def initiative_action(initiative_id: int, action: str) -> Any:
    """Moderation as for programmes: `submit` (partners), `publish` and `return` (the
    Secretariat; `return` needs a comment), `withdraw`, `reinstate`. 409 when the status does
    not allow it."""
    item = _load_visible(initiative_id)
    try:
        body = schemas.ActionBodySchema().load(json_body(required=False))
    except ValidationError as err:
        raise Problem(422, errors=flatten_messages(err.messages)) from err
    _check_if_match(item, required=False)
    with unit_of_work():
        operations.change_status(current_user, item, action, body["comment"])
    return item, 200, _headers(item)
