"""Initiatives (the landscape of work) and their possible overlaps, as the pages show them."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from kb.api.docs import errors
from kb.codes import N_
from kb.errors import NotFound
from kb.extensions import db
from kb.initiatives import queries
from kb.models.initiative import Initiative

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


@blp.route("/initiatives", endpoint="initiatives")
@blp.arguments(InitiativeArgsSchema, location="query")
@blp.response(200, InitiativeListSchema)
@errors(blp, 422)
def initiatives(args: dict[str, Any]) -> Any:
    """Initiatives you may see, filtered by funder, implementer, beneficiary state, theme and
    status; 50 a page."""
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


@blp.route("/initiatives/<int:initiative_id>", endpoint="initiative")
@blp.response(200, InitiativeSchema)
@errors(blp, 404)
def initiative(initiative_id: int) -> Any:
    """One initiative (its budget only where its budget visibility allows)."""
    item = db.session.get(Initiative, initiative_id) if 0 < initiative_id < 2**31 else None
    if item is None or not queries.can_view(current_user, item):
        raise NotFound(N_("No such initiative, or you may not see it."))
    return item
