"""Marshmallow schemas: the one definition of valid catalogue input, and of its output.

Operations load every incoming dict through these (forms, seed files, later API and imports),
so a rule is written once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from kb import codes
from kb.codes import N_
from kb.dates import EXPECTED, parse_day
from kb.i18n import country_name
from kb.i18n_marshmallow import Message
from kb.text_language import DetectedLanguage, text_language_field

#: marshmallow messages, translated when a value fails (kb.i18n_marshmallow).
UNKNOWN_CODE = Message(N_("Unknown code {input}."))
ONE_OF = Message(N_("Must be one of: {choices}."))
ISO639 = Message(N_("Use an ISO 639-1 code."))
NO_THEME = Message(N_("Choose a theme."))
NO_SUPPORT_TYPE = Message(N_("Choose a support type."))
NO_LANGUAGE = Message(N_("Choose a language."))
NOT_YES_NO = Message(N_("Not a valid boolean: use true or false (or yes/no, 1/0)."))


def code_list(choices: dict[str, str], **kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(list(choices), error=UNKNOWN_CODE)),
        **kwargs,
    )


def _listable_place(value: str) -> None:
    from kb.places import eligible

    if not eligible.is_listable(value):
        raise ValidationError(eligible.unknown_message(value))


def code(choices: dict[str, str], **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(list(choices), error=ONE_OF),
        **kwargs,
    )


class Day(fields.Date):
    """A date in any of the formats people type (kb.dates); a refused value is quoted with
    the expected format."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            day = parse_day(value)
            if day is None and value.strip():
                raise ValidationError(
                    gettext(
                        "“%(value)s” is not a date; use %(format)s.",
                        value=value.strip()[:40],
                        format=gettext(EXPECTED),
                    )
                )
            return day
        return super()._deserialize(value, attr, data, **kwargs)


class YesNo(fields.Boolean):
    """A yes/no field: JSON ``true``/``false``, or (files, forms) ``yes``/``no``,
    ``true``/``false``, ``1``/``0`` in any case; anything else is refused, naming the field."""

    truthy = frozenset({True, "true", "yes", "y", "1", "on"})
    falsy = frozenset({False, "false", "no", "n", "0", "off"})
    default_error_messages = {"invalid": NOT_YES_NO}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().casefold()
        return super()._deserialize(value, attr, data, **kwargs)


class RecordInputSchema(DetectedLanguage, Schema):
    title = fields.String(required=True, validate=validate.Length(min=5, max=200))
    description = fields.String(required=True, validate=validate.Length(min=20, max=20000))
    text_language = text_language_field(ISO639)
    themes = code_list(
        codes.THEMES,
        required=True,
        validate=validate.Length(min=1, error=NO_THEME),
    )
    support_types = code_list(
        codes.SUPPORT_TYPES,
        required=True,
        validate=validate.Length(min=1, error=NO_SUPPORT_TYPE),
    )
    languages = code_list(
        codes.LANGUAGES,
        required=True,
        validate=validate.Length(min=1, error=NO_LANGUAGE),
    )
    visibility = code(codes.VISIBILITIES, load_default="public")


class RequestInputSchema(RecordInputSchema):
    """A need may be written in prose only: themes and support types are then suggested
    from its text (``operations.suggest_missing_codes``)."""

    themes = code_list(codes.THEMES, load_default=list)
    support_types = code_list(codes.SUPPORT_TYPES, load_default=list)
    country_code = fields.String(required=True, validate=validate.Length(equal=3))
    urgency = code(codes.URGENCIES, load_default="medium")
    target_audience = fields.String(load_default="", validate=validate.Length(max=300))
    timeframe = fields.String(load_default="", validate=validate.Length(max=200))


class ProgrammeInputSchema(RecordInputSchema):
    organisation_id = fields.Integer(required=True, strict=False)
    eligible_regions = fields.List(
        fields.String(validate=_listable_place),
        load_default=list,
        metadata={
            "description": "Places the programme is open to when it lists no states: UN "
            "regional groups by name (Africa, Asia-Pacific, ...), global, or the code of "
            "any other place (m49:014, org:EAC, grouping:SIDS: see eligible_places in "
            "/api/v1/codes). A programme that lists states is open to those states only "
            "(its places then only describe it); one that lists only places is open to "
            "their states; one that lists neither, or global, is open to every state."
        },
    )
    interpretation_languages = code_list(codes.LANGUAGES, load_default=list)
    eligible_countries = fields.List(
        fields.String(validate=validate.Length(equal=3)), load_default=list
    )
    delivery_mode = code(codes.DELIVERY_MODES, load_default="online")
    cost_model = code(codes.COST_MODELS, load_default="free")
    start_date = Day(load_default=None, allow_none=True)
    end_date = Day(load_default=None, allow_none=True)
    application_deadline = Day(load_default=None, allow_none=True)
    url = fields.URL(load_default=None, allow_none=True, schemes={"http", "https"})
    contact_email = fields.Email(load_default=None, allow_none=True)
    general_offer = YesNo(
        load_default=False,
        metadata={
            "description": "A standing general offer: a service open to any need on its "
            "themes (a clearing house that finds partners, a help desk, an open or self-paced "
            "online course, free curricula) rather than a programme built around particular "
            "needs. Matching lists it as a general offer for needs on its themes, after the "
            "programmes that fit them."
        },
    )

    @validates_schema
    def check_dates(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        deadline = data.get("application_deadline")
        if start and end and end < start:
            raise ValidationError(gettext("The end date is before the start date."), "end_date")
        if deadline and end and deadline > end:
            raise ValidationError(
                gettext("The application deadline is after the end date."), "application_deadline"
            )


class OrganisationInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    acronym = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    type = code(codes.ORGANISATION_TYPES, required=True)
    country_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(equal=3)
    )
    website = fields.URL(load_default=None, allow_none=True, schemes={"http", "https"})
    description = fields.String(load_default="")


class RecordTextSchema(Schema):
    """What requests and programmes say about themselves: shared by every output shape
    (pages' API, search documents, matching documents)."""

    title = fields.String()
    description = fields.String()
    text_language = fields.String()
    themes = fields.List(fields.String())
    support_types = fields.List(fields.String())
    languages = fields.List(fields.String())


class RecordOutputSchema(RecordTextSchema):
    id = fields.Integer()
    kind = fields.String()
    visibility = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    last_confirmed_at = fields.DateTime()
    published_at = fields.DateTime()


class RequestOutputSchema(RecordOutputSchema):
    country_code = fields.String()
    suggested_themes = fields.List(fields.String())
    suggested_support_types = fields.List(fields.String())
    country_name = fields.Function(lambda r: country_name(r.country))
    region = fields.Function(lambda r: r.country.region)
    urgency = fields.String()
    target_audience = fields.String()
    timeframe = fields.String()


class ProgrammeOutputSchema(RecordOutputSchema):
    #: As read today: ``ended`` when open but past its end date or deadline.
    status = fields.Function(lambda p: p.effective_status(date.today()))
    organisation_id = fields.Integer()
    organisation_name = fields.Function(lambda p: p.organisation.name)
    organisation_type = fields.Function(lambda p: p.organisation.type)
    eligible_regions = fields.List(fields.String())
    eligible_countries = fields.List(fields.String())
    interpretation_languages = fields.List(fields.String())
    delivery_mode = fields.String()
    cost_model = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    application_deadline = fields.Date()
    url = fields.String()
    contact_email = fields.String()
    general_offer = fields.Boolean()
