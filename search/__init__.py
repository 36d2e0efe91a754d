"""Framework-free search for Capacity Exchange (plain data in, plain data out).

Typical use::

    from search import SearchQuery, get_backend

    backend = get_backend("whoosh", path="instance/search-index")
    if backend.needs_rebuild():
        backend.rebuild(all_documents())
    backend.upsert([doc])                       # after the DB transaction commits
    result = backend.search(SearchQuery(text="CERT", viewer_tokens=frozenset({"public"})))
"""

from search.backends.registry import (
    NullBackend,
    available_backends,
    get_backend,
    register_backend,
)
from search.interface.backend import SearchBackend
from search.interface.documents import DocumentDict, Record, validate
from search.interface.errors import (
    BadQuery,
    IndexUnavailable,
    InvalidDocument,
    SearchError,
    UnknownBackend,
)
from search.interface.query import FILTER_FIELDS, PLACE, PlaceScope, SearchQuery
from search.interface.results import Hit, Notice, Reading, SearchResult
from search.text.thesaurus import concepts_in, expand, suggest_codes

__all__ = [
    "FILTER_FIELDS",
    "PLACE",
    "BadQuery",
    "DocumentDict",
    "Hit",
    "IndexUnavailable",
    "InvalidDocument",
    "Notice",
    "NullBackend",
    "PlaceScope",
    "Reading",
    "Record",
    "SearchBackend",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "UnknownBackend",
    "available_backends",
    "concepts_in",
    "expand",
    "get_backend",
    "register_backend",
    "suggest_codes",
    "validate",
]
