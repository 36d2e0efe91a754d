"""Column headings of exports: codes for programs, names in the reader's language for people.

An export's header row names its columns in the reader's language ("Titre", "Pays demandeur …")
unless the caller asks for the codes (``?headings=codes``: ``title``, ``country`` …, the stable
form for scripts). An import reads either: a heading in any of the six languages is taken back
to its code (:func:`code_of`), so a French export edited and imported by an Arabic-speaking
colleague is read column for column.
"""

from __future__ import annotations

from functools import cache

from flask_babel import gettext as _

from kb import codes
from kb.codes import N_
from kb.i18n import LANGUAGES

#: ``headings=`` values of the export links.
NAMES, CODES = "names", "codes"

#: The names of the export's own columns (the record fields' are ``codes.FIELD_NAMES``).
COLUMN_NAMES = {
    "key": N_("Key (keep it to update the record by a new import)"),
    "country": N_("Requesting state (ISO 3166 alpha-3 code)"),
    "organisation": N_("Provider (its key)"),
    "text_language": N_("Language of this text"),
    "interpretation_languages": N_("Interpretation or translated material in"),
    "link": N_("Link to the record"),
    "country_name": N_("Requesting state"),
    "organisation_name": N_("Provider"),
    "themes_names": N_("Themes (names)"),
    "support_types_names": N_("Support types (names)"),
    "eligible_countries_names": N_("Open to these states only (names)"),
    "created_at": N_("Created"),
    "updated_at": N_("Updated"),
    # initiatives
    "funders": N_("Funders (keys, names or acronyms of organisations)"),
    "implementers": N_("Implementers (keys, names or acronyms of organisations)"),
    "partners": N_("Other partners (keys, names or acronyms of organisations)"),
    "beneficiary_countries": N_("Beneficiary states (ISO 3166 alpha-3 codes)"),
    "funders_names": N_("Funders"),
    "implementers_names": N_("Implementers"),
    "partners_names": N_("Other partners"),
    "beneficiary_countries_names": N_("Beneficiary states"),
}


def _english() -> dict[str, str]:
    return {**codes.FIELD_NAMES, **COLUMN_NAMES}


def column_names() -> dict[str, str]:
    """Each export column's name in the interface language."""
    return {column: _(name) for column, name in _english().items()}


def header(columns: tuple[str, ...] | list[str], headings: str = NAMES) -> list[str]:
    """The header row: the columns' names in the interface language, or their codes."""
    if headings == CODES:
        return list(columns)
    names = column_names()
    return [names.get(column, column) for column in columns]


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@cache
def _codes_by_heading() -> dict[str, str]:
    """Every column's name in the six languages (and its code) → its code. A name two columns
    share in some language is left out (the code still reads)."""
    from kb.wordio.fields import translator

    found: dict[str, set[str]] = {}
    for column, english in _english().items():
        for lang in LANGUAGES:
            found.setdefault(_fold(translator(lang)(english)), set()).add(column)
    out = {name: next(iter(cols)) for name, cols in found.items() if len(cols) == 1}
    out.update({column: column for column in _english()})
    return out


def code_of(heading: str) -> str:
    """The column code a header cell names (a code, or a name in one of the six languages);
    an unknown heading is returned folded (an import ignores it)."""
    folded = _fold(heading)
    return _codes_by_heading().get(folded, folded)
