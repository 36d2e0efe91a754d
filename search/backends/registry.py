"""The registry of named backend factories (``get_backend``) and the null backend.

It lives beside the backends, not in ``search.interface``, so the interface never imports a
backend that imports it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from search.interface.backend import ProgressCallback, SearchBackend
from search.interface.errors import UnknownBackend
from search.interface.query import SearchQuery
from search.interface.results import SearchResult

BackendFactory = Callable[..., SearchBackend]
_REGISTRY: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Register (or replace) a factory under ``name``."""
    _REGISTRY[name] = factory


def available_backends() -> list[str]:
    """Names accepted by ``get_backend``."""
    _load_builtins()
    return sorted(_REGISTRY)


def get_backend(name: str, **options: Any) -> SearchBackend:
    """Create a backend: ``get_backend("whoosh", path="instance/index")``, ``"memory"``,
    ``"null"``, ``get_backend("postgres", url="postgresql+psycopg://...")``."""
    _load_builtins()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise UnknownBackend(f"no search backend named {name!r}") from None
    return factory(**options)


class NullBackend:
    """Accepts everything, finds nothing (search disabled)."""

    schema_version = 0

    def __init__(self, **_options: Any) -> None:
        pass

    def upsert(self, docs: Iterable[dict[str, Any]]) -> None:
        for _ in docs:
            pass

    def delete(self, ids: Iterable[str]) -> None:
        for _ in ids:
            pass

    def rebuild(
        self, docs: Iterable[dict[str, Any]], progress: ProgressCallback | None = None
    ) -> int:
        n = sum(1 for _ in docs)
        if progress:
            progress(n)
        return n

    def search(self, q: SearchQuery) -> SearchResult:
        q = q.normalised()
        return SearchResult(page=q.page, per_page=q.per_page, message="Search is disabled.")

    def ids(self) -> set[str]:
        return set()

    def count(self) -> int:
        return 0

    def needs_rebuild(self) -> bool:
        return False

    def can_search(self) -> bool:
        return True

    def close(self) -> None:
        pass


def _postgres(**options: Any) -> SearchBackend:
    from search.backends.postgres.backend import PostgresBackend  # imported only when used

    return PostgresBackend(**options)


def _load_builtins() -> None:
    if "whoosh" in _REGISTRY and "memory" in _REGISTRY:
        return
    from search.backends.memory.backend import MemoryBackend
    from search.backends.whoosh.backend import WhooshBackend

    _REGISTRY.setdefault("null", NullBackend)
    _REGISTRY.setdefault("memory", MemoryBackend)
    _REGISTRY.setdefault("whoosh", WhooshBackend)
    _REGISTRY.setdefault("postgres", _postgres)
