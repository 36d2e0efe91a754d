"""Requests and programmes as the plain dicts the matching engine takes (marshmallow dumps)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from kb.catalogue.schemas import RecordTextSchema
from kb.models import Programme, Request
from kb.models.initiative import Initiative


class RequestMatchSchema(RecordTextSchema):
    id = fields.Function(lambda r: r.ref)
    country = fields.String(attribute="country_code")
    country_name = fields.Function(lambda r: r.country.name)
    region = fields.Function(lambda r: r.country.region)
    status = fields.String()
    urgency = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ProgrammeMatchSchema(RecordTextSchema):
    id = fields.Function(lambda p: p.ref)
    eligible_regions = fields.List(fields.String())
    eligible_countries = fields.List(fields.String())
    interpretation_languages = fields.List(fields.String())
    delivery_mode = fields.String()
    #: A standing general offer (``Programme.general_offer``): listed after what fits a need.
    general_offer = fields.Boolean()
    organisation_id = fields.Integer()
    organisation_name = fields.Function(lambda p: p.organisation.name)
    organisation_type = fields.Function(lambda p: p.organisation.type)
    status = fields.String()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    application_deadline = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class InitiativeHistorySchema(Schema):
    """An initiative as matching history (``search.matching.history.Delivery``)."""

    id = fields.Function(lambda i: f"initiative:{i.id}")
    states = fields.List(fields.String(), attribute="beneficiary_countries")
    themes = fields.List(fields.String())
    support_types = fields.List(fields.String())
    work_status = fields.String()
    funders = fields.Function(lambda i: [o.id for o in i.organisations("funder")])
    implementers = fields.Function(lambda i: [o.id for o in i.organisations("implementer")])


_REQUEST = RequestMatchSchema()
_PROGRAMME = ProgrammeMatchSchema()


def request_dict(record: Request) -> dict[str, Any]:
    return _REQUEST.dump(record)


def programme_dict(record: Programme) -> dict[str, Any]:
    return _PROGRAMME.dump(record)


_INITIATIVE = InitiativeHistorySchema()


def initiative_dict(record: Initiative, regions: dict[str, str]) -> dict[str, Any]:
    """``regions``: ISO3 -> UN regional group (the beneficiary states' groups)."""
    out = _INITIATIVE.dump(record)
    out["regions"] = sorted({regions[c] for c in out["states"] if c in regions})
    return out
