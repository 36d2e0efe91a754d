"""Places a programme may be open to, as stored in ``eligible_regions``.

Besides the five UN regional groups and ``global`` (``kb.codes.ELIGIBLE_REGIONS``, stored
by name), a programme may list any other place of the gazetteer (``search/places``) by its
code: UN M49 regions and sub-regions (``m49:002``, ``m49:014``), organisations
(``org:EAC``), UN groupings (``grouping:SIDS``) and informal names (``informal:sahel``).
The eligibility rule (``search.matching.eligibility``) already counts a state as part of
every place that lists it; this module is the one list of what may be entered, used by
the web form, the API and import schemas, and the Word form.
"""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext

from kb import codes
from kb.i18n import place_name, sort_key
from search.places import Place, default_gazetteer
from search.places.names import fold

#: Kinds of gazetteer places a programme may list (states go in ``eligible_countries``;
#: UN regional groups by name, as ``kb.codes.ELIGIBLE_REGIONS``).
KINDS = ("region", "subregion", "organisation", "grouping", "informal")


@lru_cache(maxsize=1)
def _places() -> dict[str, Place]:
    g = default_gazetteer()
    return {p.code: p for kind in KINDS for p in g.places(kind)}


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Folded code, name, other names and acronyms -> code (the first place wins)."""
    out: dict[str, str] = {}
    for code, place in _places().items():
        for name in (code, *place.all_names()):
            out.setdefault(fold(name), code)
    return out


def other_places() -> dict[str, str]:
    """Code -> English name of every place listable besides the UN groups and ``global``."""
    return {code: p.name for code, p in _places().items()}


def display_name(place: Place) -> str:
    """The place's name in the interface language (``kb.i18n.place_name``)."""
    return place_name(place)


def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """``(kind label, [(code, name), ...])`` for a select with option groups, names in
    the interface language, in alphabetical order."""
    g = default_gazetteer()
    out = []
    for kind in KINDS:
        named = [(p.code, display_name(p)) for p in g.places(kind)]
        named.sort(key=lambda item: (sort_key(item[1]), item[0]))
        out.append((codes.label(codes.PLACE_KINDS, kind), named))
    return out


def is_listable(value: str) -> bool:
    """Whether ``value`` may be stored in ``eligible_regions``."""
    return value in codes.ELIGIBLE_REGIONS or value in _places()


def resolve(text: str) -> str | None:
    """The stored value for what a person wrote: a UN group or ``global`` (by code or
    label), or a place by code, name or acronym ("Eastern Africa", "EAC", "m49:014")."""
    wanted = fold(text.strip())
    for code, label in codes.ELIGIBLE_REGIONS.items():
        if wanted in (fold(code), fold(label)):
            return code
    return _names().get(wanted)


def label(value: str) -> str:
    """How a stored value reads: a UN group or ``global`` in the interface language, any
    other place by its name (names come from the gazetteer data), else the value."""
    if value in codes.ELIGIBLE_REGIONS:
        return codes.label(codes.ELIGIBLE_REGIONS, value)
    place = _places().get(value)
    return display_name(place) if place else value


def unknown_message(value: str) -> str:
    return gettext(
        "Unknown region or place “%(value)s”: use a UN regional group (e.g. Africa), "
        "global, or the code of an M49 region or sub-region, organisation or grouping "
        "(e.g. m49:014, org:EAC; see eligible_places in /api/v1/codes).",
        value=value,
    )
