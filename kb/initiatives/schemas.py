"""The one definition of valid initiative input: the form, the API and the CSV/XLSX template
all load through :class:`InitiativeInputSchema`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from kb import codes
from kb.catalogue.schemas import ISO639, Day, code, code_list
from kb.codes import N_
from kb.i18n_marshmallow import Message
from kb.text_language import DetectedLanguage, text_language_field

CURRENCY = Message(N_("Use a three-letter ISO 4217 code, e.g. USD or EUR."))
ORGANISATIONS = ("funders", "implementers", "partners")
#: Schema list field → partner role.
ROLE_OF = {"funders": "funder", "implementers": "implementer", "partners": "partner"}


def _organisation_ids(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1)),
        load_default=list,
        **kwargs,
    )


class InitiativeInputSchema(DetectedLanguage, Schema):
    title = fields.String(required=True, validate=validate.Length(min=5, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    text_language = text_language_field(ISO639)
    themes = code_list(
        codes.THEMES,
        load_default=list,
        metadata={"description": "Empty: suggested from the title and description."},
    )
    support_types = code_list(
        codes.SUPPORT_TYPES,
        load_default=list,
        metadata={"description": "Empty: suggested from the title and description."},
    )
    funders = _organisation_ids(metadata={"description": "Organisation ids."})
    implementers = _organisation_ids(metadata={"description": "Organisation ids."})
    partners = _organisation_ids(metadata={"description": "Organisation ids."})
    beneficiary_countries = fields.List(
        fields.String(validate=validate.Length(equal=3)),
        load_default=list,
        metadata={"description": "Where the work happens: ISO 3166-1 alpha-3 codes."},
    )
    beneficiary_regions = fields.String(load_default="", validate=validate.Length(max=300))
    start_date = Day(load_default=None, allow_none=True)
    end_date = Day(load_default=None, allow_none=True)
    budget_amount = fields.Decimal(
        load_default=None,
        allow_none=True,
        places=2,
        as_string=True,
    )
    budget_currency = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Z]{3}$", error=CURRENCY),
    )
    budget_visibility = code(codes.VISIBILITIES, load_default="public")
    work_status = code(codes.WORK_STATUSES, load_default="ongoing")
    outputs = fields.String(
        load_default="",
        validate=validate.Length(max=5000),
        metadata={"description": "Links to outputs (reports, tools), one http(s) link a line."},
    )
    visibility = code(codes.VISIBILITIES, load_default="public")

    @validates("budget_amount")
    def check_amount(self, value: Any, **_: Any) -> None:
        if value is not None and not 0 <= value < 10**15:
            raise ValidationError(gettext("Give an amount of zero or more."))

    @validates("outputs")
    def check_outputs(self, value: str, **_: Any) -> None:
        for line in value.splitlines():
            link = line.strip()
            parts = urlsplit(link)
            if link and (parts.scheme not in ("http", "https") or not parts.netloc):
                raise ValidationError(
                    gettext("“%(link)s” is not a web link (http:// or https://).", link=link[:60])
                )

    @validates_schema(skip_on_field_errors=False)
    def check_whole(self, data: dict[str, Any], **_: Any) -> None:
        """Rules between fields; every one that fails is reported (not only the first)."""
        problems: dict[str, list[str]] = {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            problems["end_date"] = [gettext("The end date is before the start date.")]
        if data.get("budget_amount") is not None and not data.get("budget_currency"):
            problems["budget_currency"] = [gettext("Give the currency of the budget.")]
        if not data.get("funders") and not data.get("implementers"):
            problems["funders"] = [gettext("Name at least one funder or implementer.")]
        if problems:
            raise ValidationError(problems)
