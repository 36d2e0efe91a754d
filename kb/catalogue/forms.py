"""HTML forms for requests and programmes. Business rules live in the operations."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
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
from kb.text_language import language_choices


def _required_list(message: str) -> list[Any]:
    return [DataRequired(message=message)]


class RecordForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)])
    description = TextAreaField(
        _l("Description"), validators=[DataRequired(), Length(min=20, max=20000)]
    )
    text_language = SelectField(_l("Language of this text"), choices=language_choices(), default="")
    themes = MultiCheckboxField(
        _l("Themes"),
        choices=choices(codes.THEMES),
        validators=_required_list(_l("Choose a theme.")),
    )
    support_types = MultiCheckboxField(
        _l("Support types"),
        choices=choices(codes.SUPPORT_TYPES),
        validators=_required_list(_l("Choose a support type.")),
    )
    languages = MultiCheckboxField(
        _l("Working languages"),
        choices=choices(codes.LANGUAGES),
        validators=_required_list(_l("Choose a language.")),
    )
    visibility = SelectField(
        _l("Who may see it"), choices=choices(codes.VISIBILITIES), default="public"
    )

    def to_data(self) -> dict[str, Any]:
        data = {
            # a text box left out of the posted form (a script's POST) is empty, as a
            # browser sends it, not "null"
            name: "" if field.data is None and isinstance(field, StringField) else field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit")
        }
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


_PROSE_HINT = _l(
    "Optional: leave it empty and describe the need in your own words; we then suggest "
    "codes from your text, marked as suggested, for you to accept or change."
)


class RequestForm(RecordForm):
    country_code = SelectField(_l("Requesting state"), choices=[], validators=[DataRequired()])
    themes = MultiCheckboxField(
        _l("Themes"),
        choices=choices(codes.THEMES),
        validators=[Optional()],
        description=_PROSE_HINT,
    )
    support_types = MultiCheckboxField(
        _l("Support types"),
        choices=choices(codes.SUPPORT_TYPES),
        validators=[Optional()],
        description=_PROSE_HINT,
    )
    urgency = SelectField(_l("Urgency"), choices=choices(codes.URGENCIES), default="medium")
    target_audience = StringField(
        _l("Target audience"),
        validators=[Optional(), Length(max=300)],
        description=_l("Who should benefit, e.g. national CERT staff, prosecutors, diplomats."),
    )
    timeframe = StringField(
        _l("Timeframe"),
        validators=[Optional(), Length(max=200)],
        description=_l("When the support is needed, e.g. 'first half of 2027'."),
    )


#: What a standing general offer is, as the form and the programme page say it.
GENERAL_OFFER_HINT = _l(
    "A service open to any need on its themes rather than a programme built around particular "
    "needs: a clearing house that finds partners, a help desk, an open or self-paced online "
    "course, free curricula. Matching lists it as a general offer for needs on its themes, "
    "after the programmes that fit them."
)


class ProgrammeForm(RecordForm):
    organisation_id = SelectField(
        _l("Provider"), choices=[], coerce=int, validators=[DataRequired()]
    )
    eligible_regions = MultiCheckboxField(
        _l("Open to regions"),
        choices=choices(codes.ELIGIBLE_REGIONS),
        description=_l(
            "Open to the states of the regions ticked here and of the places chosen below. "
            "If you also list states, only those states may apply: the regions and places "
            "then just describe the programme. Global, or no region, place or state: open "
            "to every state."
        ),
    )
    eligible_places = SelectMultipleField(
        _l("Open to other regions, sub-regions or organisations"),
        choices=[],
        validators=[Optional()],
        description=_l(
            "UN M49 regions and sub-regions, organisations and groupings (for example "
            "Eastern Africa, the East African Community, small island developing States): "
            "the programme is open to their member states, as for the regions above."
        ),
    )
    eligible_countries = SelectMultipleField(
        _l("Open to these states only"),
        choices=[],
        validators=[Optional()],
        description=_l(
            "If you list states, the programme is open to them only, whatever regions or "
            "places are chosen. In every case it is offered only while open and until its "
            "end date or application deadline (that day included)."
        ),
    )
    interpretation_languages = MultiCheckboxField(
        _l("Interpretation or translated material in"),
        choices=choices(codes.LANGUAGES),
        description=_l(
            "Languages you can add through interpretation or translated material. Matching "
            "treats them as languages the programme is offered in."
        ),
    )
    delivery_mode = SelectField(_l("Delivery"), choices=choices(codes.DELIVERY_MODES))
    cost_model = SelectField(_l("Cost"), choices=choices(codes.COST_MODELS))
    start_date = DateField(_l("Starts"), validators=[Optional()])
    end_date = DateField(_l("Ends"), validators=[Optional()])
    application_deadline = DateField(_l("Apply by"), validators=[Optional()])
    url = URLField(_l("Web page"), validators=[Optional(), URL(), Length(max=500)])
    contact_email = EmailField(
        _l("Contact email"), validators=[Optional(), Email(check_deliverability=False)]
    )
    general_offer = BooleanField(_l("Standing general offer"), description=GENERAL_OFFER_HINT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One stored list (``eligible_regions``), two fields: the UN groups and ``global``
        # as check boxes, any other place (``m49:014``, ``org:EAC``) in a select.
        stored = [*(self.eligible_regions.data or []), *(self.eligible_places.data or [])]
        stored = list(dict.fromkeys(stored))
        self.eligible_regions.data = [v for v in stored if v in codes.ELIGIBLE_REGIONS]
        self.eligible_places.data = [v for v in stored if v not in codes.ELIGIBLE_REGIONS]

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        places = data.pop("eligible_places", None) or []
        regions = [*(data.get("eligible_regions") or []), *places]
        data["eligible_regions"] = list(dict.fromkeys(regions))
        return data


class CommentForm(FlaskForm):
    """Buttons for lifecycle actions; the comment is required for some (e.g. return)."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
