"""HTML forms for requests and programmes. Business rules live in the operations."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional

from kb import codes
from kb.formfields import MultiCheckboxField, choices


def _required_list(message: str) -> list[Any]:
    return [DataRequired(message=message)]


class RecordForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(min=5, max=200)])
    description = TextAreaField(
        "Description", validators=[DataRequired(), Length(min=20, max=20000)]
    )
    text_language = SelectField(
        "Language of this text", choices=choices(codes.LANGUAGES), default="en"
    )
    themes = MultiCheckboxField(
        "Themes", choices=choices(codes.THEMES), validators=_required_list("Choose a theme.")
    )
    support_types = MultiCheckboxField(
        "Support types",
        choices=choices(codes.SUPPORT_TYPES),
        validators=_required_list("Choose a support type."),
    )
    languages = MultiCheckboxField(
        "Working languages",
        choices=choices(codes.LANGUAGES),
        validators=_required_list("Choose a language."),
    )
    visibility = SelectField(
        "Who may see it", choices=choices(codes.VISIBILITIES), default="public"
    )

    def to_data(self) -> dict[str, Any]:
        data = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit")
        }
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


class RequestForm(RecordForm):
    country_code = SelectField("Requesting state", choices=[], validators=[DataRequired()])
    urgency = SelectField("Urgency", choices=choices(codes.URGENCIES), default="medium")
    target_audience = StringField(
        "Target audience",
        validators=[Optional(), Length(max=300)],
        description="Who should benefit, e.g. national CERT staff, prosecutors, diplomats.",
    )
    timeframe = StringField(
        "Timeframe",
        validators=[Optional(), Length(max=200)],
        description="When the support is needed, e.g. 'first half of 2027'.",
    )


class ProgrammeForm(RecordForm):
    organisation_id = SelectField("Provider", choices=[], coerce=int, validators=[DataRequired()])
    eligible_regions = MultiCheckboxField(
        "Open to regions",
        choices=choices(codes.ELIGIBLE_REGIONS),
        description=(
            "Open to the states of these regions. If you also list states below, only those "
            "states may apply and the regions just describe the programme. "
            "No region and no state (or Global): open to every state."
        ),
    )
    eligible_countries = SelectMultipleField(
        "Open to these states only",
        choices=[],
        validators=[Optional()],
        description=(
            "If you list states, the programme is open to them only, whatever regions are "
            "ticked. In every case it is offered only while open and until its end date or "
            "application deadline (that day included)."
        ),
    )
    interpretation_languages = MultiCheckboxField(
        "Interpretation or translated material in",
        choices=choices(codes.LANGUAGES),
        description=(
            "Languages you can add through interpretation or translated material. Matching "
            "treats them as languages the programme is offered in."
        ),
    )
    delivery_mode = SelectField("Delivery", choices=choices(codes.DELIVERY_MODES))
    cost_model = SelectField("Cost", choices=choices(codes.COST_MODELS))
    start_date = DateField("Starts", validators=[Optional()])
    end_date = DateField("Ends", validators=[Optional()])
    application_deadline = DateField("Apply by", validators=[Optional()])
    url = URLField("Web page", validators=[Optional(), URL(), Length(max=500)])
    contact_email = EmailField(
        "Contact email", validators=[Optional(), Email(check_deliverability=False)]
    )


class CommentForm(FlaskForm):
    """Buttons for lifecycle actions; the comment is required for some (e.g. return)."""

    comment = TextAreaField("Comment", validators=[Optional(), Length(max=2000)])
