"""Framework-free search for Capacity Exchange (plain data in, plain data out).

Typical use::

    from search import SearchQuery, get_backend

    backend = get_backend("whoosh", path="instance/search-index")
    if backend.needs_rebuild():
        backend.rebuild(all_documents())
    backend.upsert([doc])                       # after the DB transaction commits
    result = backend.search(SearchQuery(text="CERT", viewer_tokens=frozenset({"public"})))
"""

from search.backend import (
    NullBackend,
    SearchBackend,
    available_backends,
    get_backend,
    register_backend,
)
from search.documents import DocumentDict, Record, validate
from search.errors import BadQuery, InvalidDocument, SearchError, UnknownBackend
from search.query import FILTER_FIELDS, SearchQuery
from search.results import Hit, SearchResult
from search.thesaurus import concepts_in, expand, suggest_codes

__all__ = [
    "FILTER_FIELDS",
    "BadQuery",
    "DocumentDict",
    "Hit",
    "InvalidDocument",
    "NullBackend",
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
