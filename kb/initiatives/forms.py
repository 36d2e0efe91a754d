"""The initiative form (the Secretariat and the partners' providers). Rules live in the
operations and their schema; this only collects the fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from kb import codes
from kb.formfields import MultiCheckboxField, choices
from kb.models.initiative import Initiative
from kb.text_language import language_choices

_THEMES_HINT = _l("Leave empty to have them suggested from the title and description.")


def _coerce_id(value: Any) -> int | str:
    return int(value) if str(value).isdigit() else str(value)


class InitiativeForm(FlaskForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))
    text_language = SelectField(_l("Language of this text"), choices=language_choices(), default="")
    funders = SelectMultipleField(
        _l("Funders"),
        choices=[],
        coerce=_coerce_id,
        validators=[Optional()],
        description=_l("Name at least one funder or implementer."),
    )
    implementers = SelectMultipleField(
        _l("Implementers"), choices=[], coerce=_coerce_id, validators=[Optional()]
    )
    partners = SelectMultipleField(
        _l("Other partners"), choices=[], coerce=_coerce_id, validators=[Optional()]
    )
    beneficiary_countries = SelectMultipleField(
        _l("Beneficiary states"),
        choices=[],
        validators=[Optional()],
        description=_l("Where the work takes place (not who may apply)."),
    )
    beneficiary_regions = StringField(
        _l("Regions, when no state is named"),
        description=_l("Free text, e.g. “Africa, regional”."),
    )
    work_status = SelectField(
        _l("Work status"), choices=choices(codes.WORK_STATUSES), default="ongoing"
    )
    start_date = DateField(_l("Starts"), validators=[Optional()])
    end_date = DateField(_l("Ends"), validators=[Optional()])
    themes = MultiCheckboxField(
        _l("Themes"), choices=choices(codes.THEMES), description=_THEMES_HINT
    )
    support_types = MultiCheckboxField(
        _l("Support types"), choices=choices(codes.SUPPORT_TYPES), description=_THEMES_HINT
    )
    budget_amount = StringField(_l("Budget"), description=_l("Optional. Amount, e.g. 250000."))
    budget_currency = StringField(_l("Currency"), description=_l("ISO 4217 code, e.g. USD."))
    budget_visibility = SelectField(
        _l("Who may see the budget"),
        choices=choices(codes.VISIBILITIES),
        default="public",
        description=_l("Never more than may see the initiative."),
    )
    outputs = TextAreaField(
        _l("Outputs"), description=_l("Links to reports, tools and other outputs, one a line.")
    )
    visibility = SelectField(
        _l("Who may see it"), choices=choices(codes.VISIBILITIES), default="public"
    )

    def fill(self, initiative: Initiative) -> None:
        """Show a stored initiative (its partners as the three lists)."""
        for role, name in (
            ("funder", "funders"),
            ("implementer", "implementers"),
            ("partner", "partners"),
        ):
            getattr(self, name).data = [o.id for o in initiative.organisations(role)]
        if initiative.budget_amount is not None:
            self.budget_amount.data = f"{initiative.budget_amount:f}"

    def to_data(self) -> dict[str, Any]:
        data = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit")
        }
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
