"""Exceptions raised by the search package."""

from __future__ import annotations


class SearchError(Exception):
    """Base class for errors raised by ``search``."""


class BadQuery(SearchError, ValueError):
    """A query that cannot be run at all (rare: most problems become a ``message``)."""


class InvalidDocument(SearchError, ValueError):
    """An incoming document dict is missing a field or has a value of the wrong type."""


class IndexUnavailable(SearchError):
    """The index cannot answer yet: it is being built or rebuilt (another schema)."""


class UnknownBackend(SearchError, KeyError):
    """``get_backend`` was asked for a name nobody registered."""
