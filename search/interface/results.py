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

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1

    @property
    def ids(self) -> list[str]:
        """Ids of the hits on this page, in order."""
        return [h.id for h in self.hits]
