"""What a Word form holds: the labelled fields and the code lists, shared by writer and reader.

The writer (:mod:`kb.wordio.template`) and the reader (:mod:`kb.wordio.reader`) both work from
these tables, so a label changed here changes both. Keys are the names of the fields of
``kb.catalogue.forms.RequestForm`` / ``ProgrammeForm``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb import codes

#: Stored in the document's core properties (keywords) to recognise our own forms.
MARKER = "capacity-exchange-form"
KINDS = ("request", "programme")
UNCHECKED, CHECKED = "☐", "☒"
CHECK_MARKS = frozenset({"x", "☒", "✓", "✔", "☑", "✗", "✘"})


@dataclass(frozen=True)
class FieldSpec:
    key: str  # form field name
    label: str  # shown in the first column; the reader matches it case-insensitively
    hint: str = ""
    type: str = "text"  # text | long | code | date | url | email | ref | refs
    choices: dict[str, str] | None = None


@dataclass(frozen=True)
class ListSpec:
    key: str
    title: str
    choices: dict[str, str]
    required: bool = True


_VISIBILITY = FieldSpec(
    "visibility",
    "Visibility",
    "public, verified or secretariat (confidential)",
    "code",
    codes.VISIBILITIES,
)
_LANGUAGE = FieldSpec(
    "text_language",
    "Text language",
    "language code of this text, e.g. en, fr, es",
    "code",
    codes.LANGUAGES,
)

REQUEST_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("country_code", "Requesting state", "name of the state or its ISO3 code", "ref"),
    FieldSpec("title", "Title", "5 to 200 characters"),
    FieldSpec(
        "description", "Description", "what is needed and why (at least 20 characters)", "long"
    ),
    _LANGUAGE,
    FieldSpec("urgency", "Urgency", "low, medium or high", "code", codes.URGENCIES),
    FieldSpec("target_audience", "Target audience", "who should benefit"),
    FieldSpec("timeframe", "Timeframe", "when the support is needed, e.g. first half of 2027"),
    _VISIBILITY,
)

PROGRAMME_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("organisation_id", "Provider", "name or acronym of the organisation", "ref"),
    FieldSpec("title", "Title", "5 to 200 characters"),
    FieldSpec(
        "description", "Description", "what the programme offers (at least 20 characters)", "long"
    ),
    _LANGUAGE,
    FieldSpec(
        "eligible_places",
        "Other eligible places",
        "leave empty, or names or codes of UN M49 regions or sub-regions, organisations or "
        "groupings, separated by commas (e.g. Eastern Africa, EAC, m49:014); the programme "
        "is open to their states, as for the regions ticked in the table Open to regions",
        "refs",
    ),
    FieldSpec(
        "eligible_countries",
        "Eligible states",
        "leave empty, or names / ISO3 codes separated by commas; if listed, only these "
        "states may apply (regions then only describe the programme)",
        "refs",
    ),
    FieldSpec(
        "delivery_mode",
        "Delivery mode",
        "in_person, online or hybrid",
        "code",
        codes.DELIVERY_MODES,
    ),
    FieldSpec(
        "cost_model", "Cost model", "free, cost_shared or fee_based", "code", codes.COST_MODELS
    ),
    FieldSpec("start_date", "Start date", "YYYY-MM-DD or DD/MM/YYYY", "date"),
    FieldSpec("end_date", "End date", "YYYY-MM-DD or DD/MM/YYYY", "date"),
    FieldSpec("application_deadline", "Application deadline", "YYYY-MM-DD or DD/MM/YYYY", "date"),
    FieldSpec("url", "Web page", "https://…", "url"),
    FieldSpec("contact_email", "Contact email", "", "email"),
    _VISIBILITY,
)

_COMMON_LISTS = (
    ListSpec("themes", "Themes", codes.THEMES),
    ListSpec("support_types", "Support types", codes.SUPPORT_TYPES),
    ListSpec("languages", "Working languages", codes.LANGUAGES),
)
REQUEST_LISTS: tuple[ListSpec, ...] = _COMMON_LISTS
PROGRAMME_LISTS: tuple[ListSpec, ...] = (
    *_COMMON_LISTS,
    ListSpec("eligible_regions", "Open to regions", codes.ELIGIBLE_REGIONS, required=False),
    ListSpec(
        "interpretation_languages",
        "Interpretation or translated material in",
        codes.LANGUAGES,
        required=False,
    ),
)

TITLES = {"request": "Capacity-building request", "programme": "Capacity-building programme"}


def field_specs(kind: str) -> tuple[FieldSpec, ...]:
    return REQUEST_FIELDS if kind == "request" else PROGRAMME_FIELDS


def list_specs(kind: str) -> tuple[ListSpec, ...]:
    return REQUEST_LISTS if kind == "request" else PROGRAMME_LISTS


def label_of(kind: str, key: str) -> str:
    """The Word label of a form field (or the key itself)."""
    for spec in (*field_specs(kind), *list_specs(kind)):
        if spec.key == key:
            return spec.label if isinstance(spec, FieldSpec) else spec.title
    return key
