"""Requests and programmes as the plain dicts the matching engine takes (marshmallow dumps)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from kb.catalogue.schemas import RecordTextSchema
from kb.models import Programme, Request


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
    organisation_name = fields.Function(lambda p: p.organisation.name)
    organisation_type = fields.Function(lambda p: p.organisation.type)
    status = fields.String()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    application_deadline = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


_REQUEST = RequestMatchSchema()
_PROGRAMME = ProgrammeMatchSchema()


def request_dict(record: Request) -> dict[str, Any]:
    return _REQUEST.dump(record)


def programme_dict(record: Programme) -> dict[str, Any]:
    return _PROGRAMME.dump(record)
