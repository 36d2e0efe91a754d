"""The query object the app builds, and normalisation of its filters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from search.interface.documents import canonical_region
from search.places import default_gazetteer

#: Filter / facet fields, in display order.
FILTER_FIELDS: tuple[str, ...] = (
    "kind",
    "themes",
    "support_types",
    "regions",
    "countries",
    "organisation_type",
    "languages",
    "status",
    "funders",
    "implementers",
    "beneficiaries",
)
#: Fields indexed as tags: the filters, plus the provider's state (read by the place
#: filter) and the availability (read by the ranking); these two are not facets.
TAG_FIELDS: tuple[str, ...] = (*FILTER_FIELDS, "provider_country", "availability")
#: The tag of records the ranking puts after the others (``Coverage.demote``).
UNAVAILABLE = ("availability", "unavailable")
#: The place filter: gazetteer codes (``m49:014``, ``org:ECOWAS``, ``informal:sahel``,
#: ``grouping:LDC``, ``group:Africa``, ``KEN``).  Not a facet; see :class:`PlaceScope`.
PLACE = "place"
SORTS = ("relevance", "newest", "updated")
MAX_PER_PAGE = 100
MAX_PAGE = 1000

#: Field names accepted inside the query text (``theme:cybercrime``) -> filter field.
FIELD_ALIASES: dict[str, str] = {
    "kind": "kind",
    "type": "kind",
    "theme": "themes",
    "themes": "themes",
    "topic": "themes",
    "support": "support_types",
    "support_type": "support_types",
    "support_types": "support_types",
    "region": "regions",
    "regions": "regions",
    "country": "countries",
    "countries": "countries",
    "lang": "languages",
    "language": "languages",
    "languages": "languages",
    "org_type": "organisation_type",
    "orgtype": "organisation_type",
    "organisation_type": "organisation_type",
    "organization_type": "organisation_type",
    "status": "status",
    "funder": "funders",
    "funders": "funders",
    "implementer": "implementers",
    "implementers": "implementers",
    "beneficiary": "beneficiaries",
    "beneficiaries": "beneficiaries",
}
_KIND_ALIASES = {
    "request": "request",
    "requests": "request",
    "need": "request",
    "programme": "programme",
    "programmes": "programme",
    "program": "programme",
    "programs": "programme",
    "offer": "programme",
    "initiative": "initiative",
    "initiatives": "initiative",
    "project": "initiative",
    "projects": "initiative",
}


#: C0 controls but the line breaks and tab, DEL, C1 controls, unpaired surrogates: never
#: meaningful in text a person typed (and a NUL is an error in a PostgreSQL string).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
#: Controls that separate words or lines: tab, line feed, vertical tab, form feed, carriage
#: return, next line, line and paragraph separators.
_BREAKS = re.compile("[\t\n\x0b\x0c\r\x85\u2028\u2029]")
_LINE_BREAKS = re.compile("[\x0b\x0c\x85]")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` without control characters or unpaired surrogates, the one rule for every
    query and input value: controls are removed (``a\\x00b`` is ``ab``); those that separate
    words (tab, line breaks, vertical tab, form feed) become a space; when ``multiline``
    (a text area), tab, line feed, carriage return and U+2028/9 are kept, VT, FF and NEL removed."""
    if multiline:
        return _LINE_BREAKS.sub("", _CONTROLS.sub("", text))
    return _BREAKS.sub(" ", _CONTROLS.sub("", text))


@lru_cache(maxsize=4096)
def state_code(value: str) -> str:
    """The ISO3 code a country filter value means: a code as it is (``ken`` -> ``KEN``), or a
    member state named in full in any language the gazetteer knows (``Kenya``, ``Kenia``
    misspelt stays as typed, ``Côte d'Ivoire``, ``Кения``) -> its code.  The value must be
    one state's name and nothing else; anything else is kept (upper-cased) and reported as
    unknown by the query language, with the closest states."""
    code = value.upper()
    g = default_gazetteer()
    if len(code) == 3 and code.isascii() and code.isalpha():
        return code
    whole = value.strip()
    # A field says it holds a place, so names that are also common words ("chad",
    # "jordan") count in any case.
    for text in (whole, " ".join(w[:1].upper() + w[1:] for w in whole.split())):
        mentions = g.find(text)
        if (
            len(mentions) == 1
            and mentions[0].place.kind == "state"
            and mentions[0].start == 0
            and mentions[0].end == len(text)
        ):
            return mentions[0].place.code
    return code


def normalise_value(field_name: str, value: str) -> str:
    """Canonical form of a filter value (codes lowercase, ISO3 uppercase, region names)."""
    value = clean_text(value).strip()
    if field_name in ("countries", "beneficiaries"):
        return state_code(value)
    if field_name == "regions":
        return canonical_region(value)
    if field_name == PLACE:
        place = default_gazetteer().get(value)
        return place.code if place else value
    value = value.lower()
    if field_name == "kind":
        return _KIND_ALIASES.get(value, value)
    if field_name in ("themes", "support_types", "organisation_type"):
        return value.replace("-", "_").replace(" ", "_")
    return value


def normalise_filters(filters: Mapping[str, Iterable[str]] | None) -> dict[str, tuple[str, ...]]:
    """Keep known fields, canonicalise values, drop empties.  Unknown fields are ignored."""
    out: dict[str, tuple[str, ...]] = {}
    for name, values in (filters or {}).items():
        if name not in FILTER_FIELDS and name != PLACE:
            continue
        if isinstance(values, str):
            values = [values]
        vals = tuple(dict.fromkeys(normalise_value(name, str(v)) for v in values if str(v).strip()))
        if vals:
            out[name] = vals
    return out


@dataclass(frozen=True)
class PlaceScope:
    """Documents **from** the states of a place, or **open to** them.

    A document is in scope when it lists one of ``countries`` (a request's state, the
    states a programme is limited to), or lists no state and one of ``regions`` (the UN
    groups and gazetteer codes overlapping the place, and ``global``).  This is the
    eligibility rule of DOMAIN.md applied to "some state of the place": a programme that
    lists states is open to those only; one that lists only regions, to their states.
    A programme offered by an organisation based in one of ``countries`` is in scope too
    (as in the lists).
    """

    countries: frozenset[str]
    regions: frozenset[str]

    @classmethod
    def of(cls, codes: Iterable[str]) -> PlaceScope:
        """The scope of one or more places (OR-ed); unknown codes add nothing."""
        g = default_gazetteer()
        members: set[str] = set()
        for code in codes:
            place = g.get(code)
            if place is not None:
                members |= place.members
        if not members:
            return cls(frozenset(), frozenset())
        regions = {"global", *(g.eligibility_key(p) for p in g.overlapping(members))}
        return cls(frozenset(members), frozenset(regions))

    def admits(self, countries: Iterable[str], regions: Iterable[str], provider: str = "") -> bool:
        if provider in self.countries:
            return True
        listed = set(countries)
        if listed:
            return bool(listed & self.countries)
        return bool(self.regions.intersection(regions))


def split_place(
    filters: Mapping[str, tuple[str, ...]],
) -> tuple[dict[str, tuple[str, ...]], PlaceScope | None]:
    """``(filters without the place, its scope)`` for a backend's session."""
    rest = {k: v for k, v in filters.items() if k != PLACE}
    values = filters.get(PLACE)
    return rest, (PlaceScope.of(values) if values else None)


@dataclass(frozen=True)
class SearchQuery:
    """What to search for and who is asking.

    ``viewer_tokens`` are opaque access tokens (``"public"``, ``"verified"``,
    ``"owner:country:KEN"``, ``"secretariat"``...): a document is visible iff its
    ``access`` list shares at least one token with them.  Values in one filter field are
    OR-ed; different fields are AND-ed.  Empty ``text`` lists every visible document.
    """

    text: str = ""
    filters: Mapping[str, list[str]] = field(default_factory=dict)
    viewer_tokens: frozenset[str] = frozenset({"public"})
    sort: Literal["relevance", "newest", "updated"] = "relevance"
    page: int = 1
    per_page: int = 20
    facets: bool = True
    snippets: bool = True
    #: Read languages, places, themes and support types in the text (see ``Reading``).
    interpret: bool = True
    #: Keys of readings the user undid: those words are searched as plain words.
    literal: frozenset[str] = frozenset()

    def normalised(self) -> SearchQuery:
        """A copy with page / per_page / sort clamped to sane values."""
        try:
            page = min(max(1, int(self.page)), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
        try:
            per_page = min(max(1, int(self.per_page)), MAX_PER_PAGE)
        except (TypeError, ValueError):
            per_page = 20
        sort = self.sort if self.sort in SORTS else "relevance"
        tokens = frozenset(str(t) for t in (self.viewer_tokens or ()))
        return SearchQuery(
            text=clean_text(self.text) if isinstance(self.text, str) else "",
            filters=self.filters,
            viewer_tokens=tokens,
            sort=sort,
            page=page,
            per_page=per_page,
            facets=bool(self.facets),
            snippets=bool(self.snippets),
            interpret=bool(self.interpret),
            literal=frozenset(str(k) for k in (self.literal or ())),
        )
