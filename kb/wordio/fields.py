"""What a Word form holds: the labelled fields and the code lists, shared by writer and reader.

The writer (:mod:`kb.wordio.template`) and the reader (:mod:`kb.wordio.reader`) both work from
these tables, so a label changed here changes both. Keys are the names of the fields of
``kb.catalogue.forms.RequestForm`` / ``ProgrammeForm``.

Labels are English, marked ``N_``; a form is written in any of the six languages, and the reader
matches a label, a list's title or a code's label in any of them (:func:`variants`), through the
same catalogues as the interface (``translations/``), without a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from babel.support import NullTranslations, Translations

from kb import codes
from kb.codes import N_
from kb.i18n import LANGUAGES, LIST_SEPARATORS, TRANSLATIONS

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
    type: str = "text"  # text | long | code | yesno | date | url | email | ref | refs
    choices: dict[str, str] | None = None
    #: A form without this row is read without a problem (a row added after forms were
    #: handed out: those filled in earlier lack it).
    optional_row: bool = False


@dataclass(frozen=True)
class ListSpec:
    key: str
    title: str
    choices: dict[str, str]
    required: bool = True
    #: Left empty, the codes are suggested from the text (a request's themes and support
    #: types: a need may be written in prose only, docs/MATCHING.md).
    suggested: bool = False


#: A code field's hint lists its labels (in the form's language): "one of: Low, Medium, High".
CHOICES_HINT = N_("one of: %(labels)s")
DATE_HINT = N_("YYYY-MM-DD or DD/MM/YYYY")

#: The answers of a yes/no row (``yesno``), matched as code labels are.
YES_NO = {"yes": N_("Yes"), "no": N_("No")}

_VISIBILITY = FieldSpec("visibility", N_("Visibility"), "", "code", codes.VISIBILITIES)
_LANGUAGE = FieldSpec("text_language", N_("Text language"), "", "code", codes.LANGUAGES)

REQUEST_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "country_code", N_("Requesting state"), N_("name of the state or its ISO3 code"), "ref"
    ),
    FieldSpec("title", N_("Title"), N_("5 to 200 characters")),
    FieldSpec(
        "description",
        N_("Description"),
        N_("what is needed and why (at least 20 characters)"),
        "long",
    ),
    _LANGUAGE,
    FieldSpec("urgency", N_("Urgency"), "", "code", codes.URGENCIES),
    FieldSpec("target_audience", N_("Target audience"), N_("who should benefit")),
    FieldSpec(
        "timeframe",
        N_("Timeframe"),
        N_("when the support is needed, e.g. first half of 2027"),
    ),
    _VISIBILITY,
)

PROGRAMME_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("organisation_id", N_("Provider"), N_("name or acronym of the organisation"), "ref"),
    FieldSpec("title", N_("Title"), N_("5 to 200 characters")),
    FieldSpec(
        "description",
        N_("Description"),
        N_("what the programme offers (at least 20 characters)"),
        "long",
    ),
    _LANGUAGE,
    FieldSpec(
        "eligible_places",
        N_("Other eligible places"),
        N_(
            "leave empty, or names or codes of UN M49 regions or sub-regions, organisations or "
            "groupings, separated by commas (e.g. Eastern Africa, EAC, m49:014); the programme "
            "is open to their states, as for the regions ticked in the table Open to regions"
        ),
        "refs",
    ),
    FieldSpec(
        "eligible_countries",
        N_("Eligible states"),
        N_(
            "leave empty, or names / ISO3 codes separated by commas; if listed, only these "
            "states may apply (regions then only describe the programme)"
        ),
        "refs",
    ),
    FieldSpec("delivery_mode", N_("Delivery mode"), "", "code", codes.DELIVERY_MODES),
    FieldSpec("cost_model", N_("Cost model"), "", "code", codes.COST_MODELS),
    FieldSpec("start_date", N_("Start date"), DATE_HINT, "date"),
    FieldSpec("end_date", N_("End date"), DATE_HINT, "date"),
    FieldSpec("application_deadline", N_("Application deadline"), DATE_HINT, "date"),
    FieldSpec("url", N_("Web page"), "https://…", "url"),
    FieldSpec("contact_email", N_("Contact email"), "", "email"),
    FieldSpec(
        "general_offer",
        N_("Standing general offer"),
        N_(
            "Yes or No (empty: No). Yes: a service open to any need on its themes rather than "
            "a programme built around particular needs (a clearing house, a help desk, an "
            "open online course, free curricula)"
        ),
        "yesno",
        YES_NO,
        optional_row=True,
    ),
    _VISIBILITY,
)

_LANGUAGES = ListSpec("languages", N_("Working languages"), codes.LANGUAGES)
REQUEST_LISTS: tuple[ListSpec, ...] = (
    ListSpec("themes", N_("Themes"), codes.THEMES, required=False, suggested=True),
    ListSpec(
        "support_types", N_("Support types"), codes.SUPPORT_TYPES, required=False, suggested=True
    ),
    _LANGUAGES,
)
PROGRAMME_LISTS: tuple[ListSpec, ...] = (
    ListSpec("themes", N_("Themes"), codes.THEMES),
    ListSpec("support_types", N_("Support types"), codes.SUPPORT_TYPES),
    _LANGUAGES,
    ListSpec("eligible_regions", N_("Open to regions"), codes.ELIGIBLE_REGIONS, required=False),
    ListSpec(
        "interpretation_languages",
        N_("Interpretation or translated material in"),
        codes.LANGUAGES,
        required=False,
    ),
)

TITLES = {
    "request": N_("Capacity-building request"),
    "programme": N_("Capacity-building programme"),
}


# --- the six languages -----------------------------------------------------------------------


@cache
def _catalogue(lang: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [lang], domain="messages")


def translator(lang: str) -> Callable[[str], str]:
    """``gettext`` for ``lang`` from the compiled catalogues (English: the text itself)."""
    if lang not in LANGUAGES or lang == "en":
        return lambda text: text
    catalogue = _catalogue(lang)
    if not isinstance(catalogue, Translations):  # not compiled yet: try again next time
        _catalogue.cache_clear()
    return catalogue.gettext


def hint_in(spec: FieldSpec, lang: str) -> str:
    """The hint under a field's label in ``lang``; a code field lists its labels."""
    tr = translator(lang)
    if spec.type == "code" and spec.choices is not None:
        sep = LIST_SEPARATORS.get(lang, ", ")  # 、 in Chinese, ، in Arabic
        labels = sep.join(tr(label).split(":")[0].strip() for label in spec.choices.values())
        return tr(CHOICES_HINT) % {"labels": labels}
    return tr(spec.hint) if spec.hint else ""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip().casefold()


def variants(text: str) -> set[str]:
    """``text`` (English) and its translations in the six languages, normalised (case,
    spaces and a final colon do not count): what the reader accepts for a label."""
    return {_norm(translator(lang)(text)) for lang in LANGUAGES} | {_norm(text)}


def field_specs(kind: str) -> tuple[FieldSpec, ...]:
    return REQUEST_FIELDS if kind == "request" else PROGRAMME_FIELDS


def list_specs(kind: str) -> tuple[ListSpec, ...]:
    return REQUEST_LISTS if kind == "request" else PROGRAMME_LISTS


def label_of(kind: str, key: str) -> str:
    """The Word label of a form field (English; or the key itself)."""
    for spec in (*field_specs(kind), *list_specs(kind)):
        if spec.key == key:
            return spec.label if isinstance(spec, FieldSpec) else spec.title
    return key
