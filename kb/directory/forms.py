"""The organisation form (Secretariat)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from kb import codes
from kb.formfields import choices


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=200)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    type = SelectField(_l("Type"), choices=choices(codes.ORGANISATION_TYPES))
    country_code = SelectField(_l("Country (if any)"), choices=[], validators=[Optional()])
    website = URLField(_l("Website"), validators=[Optional(), URL(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])

    def to_data(self) -> dict[str, object]:
        return {k: v for k, v in self.data.items() if k != "csrf_token"}
