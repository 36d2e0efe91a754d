"""Result objects returned by every backend."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hit:
    """One result.  ``snippet`` is HTML-safe: text escaped, matches in ``<mark>``."""

    id: str
    kind: str
    score: float
    title: str
    snippet: str | None = None


@dataclass(frozen=True)
class Reading:
    """One part of the query text read as more than words (shown to the user as a chip).

    ``key`` (``"languages:fr"``, ``"place:EAF"``, ``"themes:incident_response"``) undoes it:
    a ``SearchQuery`` whose ``literal`` holds the key searches those words as plain words.
    ``effect`` is ``"filter"`` (only matching records are shown) or ``"boost"`` (matching
    records rank higher).  ``detail`` describes a place ("Eastern Africa: 18 member states
    — Burundi, …")."""

    key: str
    field: str  # "languages" | "place" | "themes" | "support_types"
    value: str
    surface: str
    label: str
    effect: str
    detail: str = ""


@dataclass(frozen=True)
class Notice:
    """One situation the results page states in one sentence (``SearchResult.message`` says
    the same in English), for the application to word in the reader's language.

    ``kind``: ``"relaxed"`` (no record has every word: ``words``), ``"corrected"`` (words in
    no record: ``missing``; results for ``suggestion``, or for similar words when it is None;
    ``relaxed`` when those match only part of it), ``"filters_only"`` (no word occurs: every
    record of the readings ``keys`` is shown), ``"unfiltered"`` (the filters read in the
    text, ``keys``, left nothing: every match is shown, theirs first) or ``"unknown_value"``
    (a field term, typed as ``words``, names a value, ``missing[0]``, that its field
    ``keys[0]`` does not know: ``choices`` are the closest known values when ``close``, else
    every known value)."""

    kind: str
    words: str = ""
    missing: tuple[str, ...] = ()
    suggestion: str | None = None
    relaxed: bool = False
    keys: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    close: bool = False


@dataclass(frozen=True)
class Broader:
    """A broader search offered when a search finds nothing: the same query without the
    filters ``without`` (``(field, value)`` pairs given as filters) and with ``text`` (the
    query text without the field terms dropped from it, ``dropped``), which finds ``total``
    records the viewer may see."""

    text: str
    without: tuple[tuple[str, str], ...]
    dropped: tuple[str, ...]
    total: int


@dataclass
class SearchResult:
    """A page of results plus totals, facet counts and hints, all for one viewer."""

    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    fuzzy: bool = False
    message: str | None = None
    page: int = 1
    per_page: int = 20
    #: How the query text was read (languages, places, themes), in query order.
    readings: list[Reading] = field(default_factory=list)
    #: True when no visible record has every word: the best partial matches are shown.
    relaxed: bool = False
    #: Words of the query that occur in no visible record.
    missing: list[str] = field(default_factory=list)
    #: The situations ``message`` states, as data (see ``Notice``).
    notices: list[Notice] = field(default_factory=list)
    #: What ``message`` says about the query text itself (cut, unclosed quote …), in English.
    query_messages: list[str] = field(default_factory=list)
    #: When nothing is found: the nearest broader searches that find something (``Broader``).
    broader: list[Broader] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1

    @property
    def ids(self) -> list[str]:
        """Ids of the hits on this page, in order."""
        return [h.id for h in self.hits]
