"""The backend interface: what every backend implements and the app may call."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from search.interface.query import SearchQuery
from search.interface.results import SearchResult

ProgressCallback = Callable[[int], None]


@runtime_checkable
class SearchBackend(Protocol):
    """What the app may call.  Documents are plain dicts (see ``search.interface.documents``)."""

    schema_version: int

    def upsert(self, docs: Iterable[dict[str, Any]]) -> None:
        """Add or replace documents (by ``id``); visible to the next search."""

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def rebuild(
        self, docs: Iterable[dict[str, Any]], progress: ProgressCallback | None = None
    ) -> int:
        """Replace the whole index with ``docs``; return how many were indexed."""

    def search(self, q: SearchQuery) -> SearchResult:
        """Run a query for one viewer; never raises on user text."""

    def ids(self) -> set[str]:
        """Ids of every indexed document (for consistency checks)."""

    def count(self) -> int:
        """Number of indexed documents."""

    def needs_rebuild(self) -> bool:
        """True when the index is missing or was built with another schema / thesaurus."""

    def can_search(self) -> bool:
        """True when the current index can answer queries, even if a rebuild is due (it was
        built with this schema, perhaps with another thesaurus); False when there is none or
        it has another schema (searches must wait for the rebuild)."""

    def close(self) -> None:
        """Release files and caches."""
