"""API-specific marshmallow schemas: query arguments, envelopes, outputs and problems.

Record input reuses :mod:`kb.catalogue.schemas` (the operations validate with it); the body
schemas here only add limits that the database needs and the HTML forms never hit.
"""

from __future__ import annotations

from typing import Any

from flask import g, url_for
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from kb import codes
from kb.catalogue import queries
from kb.catalogue.schemas import (
    ProgrammeInputSchema,
    ProgrammeOutputSchema,
    RequestInputSchema,
    RequestOutputSchema,
)
from kb.codes import N_
from kb.i18n import country_name, un_name
from kb.i18n_marshmallow import Message
from search.interface.query import MAX_PAGE, SORTS
from search.places import default_gazetteer

MAX_INT = 2**31 - 1
LINKS = {"type": "object", "additionalProperties": {"type": "string"}}


#: marshmallow messages, translated when a value fails (kb.i18n_marshmallow).
ISO3 = Message(N_("Use an ISO 3166-1 alpha-3 code."))


def _one_of(choices: Any) -> validate.OneOf:
    return validate.OneOf(list(choices), error=Message(N_("Must be one of: {choices}.")))


def _known_place(value: str) -> None:
    if default_gazetteer().get(value) is None:
        raise ValidationError(_("Unknown place: use a code listed on /places (e.g. m49:014)."))


# --- problems -------------------------------------------------------------------------------


class ProblemSchema(Schema):
    """RFC 9457 problem details, with per-field messages and the request id."""

    type = fields.String(metadata={"description": "URL of the problem type's description."})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String(metadata={"description": "The path of the request."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field (`_body` for the body as a whole)."},
    )
    request_id = fields.String(metadata={"description": "Also in the `X-Request-ID` header."})


# --- query arguments ------------------------------------------------------------------------


class PageArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))
    per_page = fields.Integer(
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Items per page (default: the site's page size, 20)."},
    )


class RecordFilterArgsSchema(PageArgsSchema):
    """The filters and sorts of the HTML lists (``kb.catalogue.queries.Filters``)."""

    theme = fields.String(validate=_one_of(codes.THEMES))
    support_type = fields.String(validate=_one_of(codes.SUPPORT_TYPES))
    region = fields.String(validate=_one_of(codes.REGIONS))
    country = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{3}$", error=ISO3),
        metadata={"description": "Requests: from this state. Programmes: open to this state."},
    )
    place = fields.String(
        validate=_known_place,
        metadata={
            "description": "A place code from /places (m49:014, org:ECOWAS, informal:sahel, "
            "grouping:LDC, group:Africa …). Requests: from its states. Programmes: open to "
            "at least one of its states, or offered from one of them."
        },
    )
    organisation_type = fields.String(validate=_one_of(codes.ORGANISATION_TYPES))
    language = fields.String(validate=_one_of(codes.LANGUAGES))
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Every word must appear in the title or description."},
    )
    sort = fields.String(load_default="updated", validate=_one_of(queries.SORTS))


class RequestFilterArgsSchema(RecordFilterArgsSchema):
    status = fields.String(validate=_one_of(codes.REQUEST_STATUSES))


class ProgrammeFilterArgsSchema(RecordFilterArgsSchema):
    status = fields.String(validate=_one_of(codes.PROGRAMME_READ_STATUSES))


class OrganisationArgsSchema(PageArgsSchema):
    type = fields.String(validate=_one_of(codes.ORGANISATION_TYPES))


class CountryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    region = fields.String(validate=_one_of(codes.REGIONS))


def _many(choices: Any) -> fields.List:
    return fields.List(fields.String(validate=_one_of(choices)))


class SearchArgsSchema(Schema):
    """The parameters of ``/search.json``; a parameter may repeat (values are OR-ed)."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(validate=validate.Length(max=2000))
    literal = fields.List(
        fields.String(validate=validate.Length(max=100)),
        validate=validate.Length(max=20),
        metadata={"description": "Keys of query readings to undo (``interpretation[].key``)."},
    )
    kind = _many(["request", "programme", "initiative"])
    theme = _many(codes.THEMES)
    support_type = _many(codes.SUPPORT_TYPES)
    region = _many(codes.ELIGIBLE_REGIONS)
    country = fields.List(fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error=ISO3)))
    organisation_type = _many(codes.ORGANISATION_TYPES)
    place = fields.List(
        fields.String(validate=_known_place),
        metadata={"description": "Place codes (see /places): records from or open to its states."},
    )
    language = _many(codes.LANGUAGES)
    status = _many(
        {**codes.REQUEST_STATUSES, **codes.PROGRAMME_READ_STATUSES, **codes.WORK_STATUSES}
    )
    funder = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        metadata={"description": "Initiatives funded by these organisations (ids)."},
    )
    implementer = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        metadata={"description": "Initiatives implemented by these organisations (ids)."},
    )
    beneficiary = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error=ISO3)),
        metadata={"description": "Initiatives taking place in these states (ISO3)."},
    )
    sort = fields.String(load_default="relevance", validate=_one_of(SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


# --- bodies ---------------------------------------------------------------------------------


class RequestBodySchema(RequestInputSchema):
    """A request as sent to ``POST`` (all required fields) or ``PATCH`` (any subset)."""


class ProgrammeBodySchema(ProgrammeInputSchema):
    """A programme as sent to ``POST`` (all required fields) or ``PATCH`` (any subset)."""

    organisation_id = fields.Integer(
        required=True, strict=False, validate=validate.Range(min=1, max=MAX_INT)
    )


class ActionBodySchema(Schema):
    comment = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=5000),
        metadata={"description": "Required by `return`; shown to the owner."},
    )


# --- outputs --------------------------------------------------------------------------------


def _record_links(record: Any) -> dict[str, str]:
    plural = record.kind + "s"
    api = f"api_{plural}"
    return {
        "self": url_for(f"{api}.record", record_id=record.id, _external=True),
        "html": url_for("catalogue.detail", plural=plural, record_id=record.id, _external=True),
        "revisions": url_for(f"{api}.revisions", record_id=record.id, _external=True),
        "actions": url_for(f"{api}.actions", record_id=record.id, _external=True),
    }


class ApiRequestSchema(RequestOutputSchema):
    country_name = fields.Function(
        lambda r: country_name(r.country),
        metadata={"description": "In the client's `Accept-Language` (CLDR's name)."},
    )
    region = fields.String(attribute="country.region")
    published_at = fields.DateTime(allow_none=True)
    links = fields.Function(_record_links, metadata=LINKS)


class ApiProgrammeSchema(ProgrammeOutputSchema):
    organisation_name = fields.String(attribute="organisation.name")
    organisation_type = fields.String(attribute="organisation.type")
    published_at = fields.DateTime(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    application_deadline = fields.Date(allow_none=True)
    url = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    links = fields.Function(_record_links, metadata=LINKS)


class PageLinksSchema(Schema):
    self_ = fields.String(data_key="self")
    first = fields.String()
    last = fields.String()
    prev = fields.String(allow_none=True)
    next = fields.String(allow_none=True)


class PageSchema(Schema):
    total = fields.Integer(metadata={"description": "Items the caller may see, all pages."})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    links = fields.Nested(PageLinksSchema)


class RequestPageSchema(PageSchema):
    items = fields.List(fields.Nested(ApiRequestSchema))


class ProgrammePageSchema(PageSchema):
    items = fields.List(fields.Nested(ApiProgrammeSchema))


class RevisionSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    user_name = fields.Function(
        lambda r: r.user.name if r.user else None,
        metadata={"type": "string", "nullable": True, "description": "null: the system."},
    )
    changes = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Raw(allow_none=True)),
        metadata={"description": "`{field: [old, new]}`"},
    )
    comment = fields.String(allow_none=True)


class RevisionPageSchema(PageSchema):
    items = fields.List(fields.Nested(RevisionSchema))


class ActionSchema(Schema):
    name = fields.String()
    label = fields.String()
    target = fields.String(
        allow_none=True, metadata={"description": "null: back to the status before withdrawal."}
    )
    needs_comment = fields.Boolean()


class ActionListSchema(Schema):
    status = fields.String()
    items = fields.List(fields.Nested(ActionSchema))


class CodeSchema(Schema):
    code = fields.String()
    label = fields.String()


class CodeListsSchema(Schema):
    lists = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(CodeSchema)))


#: Stands for a state's ISO3 code in the link patterns of :func:`_country_links`.
_ISO3 = "XXISO3XX"


def _country_links(iso3: str) -> dict[str, str]:
    """A state's links, from patterns built once per request (a list has ~200 states)."""
    patterns = g.get("_api_country_links")
    if patterns is None:
        patterns = g._api_country_links = {
            "self": url_for("api_directory.country", iso3=_ISO3, _external=True),
            "html": url_for("directory.country", iso3=_ISO3, _external=True),
            "requests": url_for("api_requests.records", country=_ISO3, _external=True),
        }
    return {name: pattern.replace(_ISO3, iso3) for name, pattern in patterns.items()}


class CountrySchema(Schema):
    iso3 = fields.String()
    name = fields.Function(
        lambda c: country_name(c),
        metadata={"description": "In the client's `Accept-Language` (CLDR's name)."},
    )
    un_name = fields.Function(
        lambda c: un_name(c.iso3),
        metadata={"description": "The UN's short name in the client's `Accept-Language`."},
    )
    region = fields.String()
    un_status = fields.String(
        metadata={"description": "member, or observer (a non-member observer State)"}
    )
    visible_requests = fields.Integer(
        metadata={"description": "Requests of this state that the caller may see."}
    )
    links = fields.Function(lambda c: _country_links(c.iso3), metadata=LINKS)


class CountryListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(CountrySchema))


class OrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    acronym = fields.String(allow_none=True)
    display_name = fields.String()
    type = fields.String()
    country_code = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    description = fields.String()
    visible_programmes = fields.Integer(
        metadata={"description": "Programmes of this organisation that the caller may see."}
    )
    links = fields.Function(
        lambda o: {
            "self": url_for("api_directory.organisation", org_id=o.id, _external=True),
            "html": url_for("directory.organisation", org_id=o.id, _external=True),
        },
        metadata=LINKS,
    )


class OrganisationPageSchema(PageSchema):
    items = fields.List(fields.Nested(OrganisationSchema))


class FacetValueSchema(Schema):
    value = fields.String()
    count = fields.Integer()


class SearchHitSchema(Schema):
    id = fields.String(metadata={"description": "`request:12` or `programme:7`."})
    kind = fields.String()
    title = fields.String()
    score = fields.Float()
    snippet = fields.String(allow_none=True, metadata={"description": "HTML: matches in <mark>."})
    url = fields.String()
    html_url = fields.String()


class ReadingSchema(Schema):
    key = fields.String(metadata={"description": "Pass as ``literal`` to undo this reading."})
    field = fields.String(metadata={"description": "languages, place, themes, support_types"})
    value = fields.String()
    words = fields.String(metadata={"description": "The words of the query read this way."})
    label = fields.String()
    effect = fields.String(metadata={"description": "filter or boost"})
    undo_url = fields.String()


class FilterValueSchema(Schema):
    field = fields.String()
    value = fields.String()


class BroaderSchema(Schema):
    query = fields.String(metadata={"description": "The query text of the broader search."})
    without = fields.List(
        fields.Nested(FilterValueSchema), metadata={"description": "The filters it leaves out."}
    )
    dropped = fields.List(
        fields.String(), metadata={"description": "The field:value terms of q it leaves out."}
    )
    total = fields.Integer(metadata={"description": "Records it finds that the caller may see."})
    url = fields.String(metadata={"description": "The search page of the broader search."})


class SearchResultSchema(Schema):
    query = fields.String()
    total = fields.Integer(metadata={"description": "Hits the caller may see."})
    page = fields.Integer()
    pages = fields.Integer()
    per_page = fields.Integer()
    suggestion = fields.String(allow_none=True)
    fuzzy = fields.Boolean()
    relaxed = fields.Boolean(
        metadata={"description": "No record has every word: the best partial matches."}
    )
    missing = fields.List(
        fields.String(), metadata={"description": "Words of the query found in no record."}
    )
    message = fields.String(allow_none=True)
    interpretation = fields.List(
        fields.Nested(ReadingSchema),
        metadata={"description": "How the query was read (languages, places, themes)."},
    )
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(FacetValueSchema)),
        metadata={"description": "Counts over visible records only."},
    )
    hits = fields.List(fields.Nested(SearchHitSchema))
    links = fields.Nested(PageLinksSchema)
    broader = fields.List(
        fields.Nested(BroaderSchema),
        metadata={"description": "When nothing is found: broader searches that find something."},
    )


class UserSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.String(allow_none=True)
    country_code = fields.String(allow_none=True)
    organisation_id = fields.Integer(allow_none=True)


class MeSchema(Schema):
    auth = fields.String(metadata={"description": "`anonymous`, `session` or `token`."})
    scope = fields.String(allow_none=True, metadata={"description": "`read`, `write` or null."})
    user = fields.Nested(UserSchema, allow_none=True)
    csrf_token = fields.String(
        allow_none=True,
        metadata={"description": "Session callers: send it as `X-CSRFToken` on writes."},
    )


class IndexSchema(Schema):
    version = fields.String()
    links = fields.Function(lambda d: d["links"], metadata=LINKS)


class ProblemTypeSchema(Schema):
    type = fields.String()
    status = fields.Integer()
    title = fields.String()
    description = fields.String()
