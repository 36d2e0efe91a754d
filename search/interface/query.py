"""The query object the app builds, and normalisation of its filters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from search.interface.documents import canonical_region

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
)
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
}


def normalise_value(field_name: str, value: str) -> str:
    """Canonical form of a filter value (codes lowercase, ISO3 uppercase, region names)."""
    value = value.strip()
    if field_name == "countries":
        return value.upper()
    if field_name == "regions":
        return canonical_region(value)
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
        if name not in FILTER_FIELDS:
            continue
        if isinstance(values, str):
            values = [values]
        vals = tuple(dict.fromkeys(normalise_value(name, str(v)) for v in values if str(v).strip()))
        if vals:
            out[name] = vals
    return out


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
            text=self.text if isinstance(self.text, str) else "",
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
