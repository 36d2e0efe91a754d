"""A per-process cache of search results, keyed on the query, the viewer's access tokens and
the index generation.

Every process that writes the index (a drain after a commit, ``flask search reindex``, a
repair) bumps the generation marker, a small file next to the index, after writing; a search
reads the marker (one ``stat``) and only reuses results computed at that same generation. So a
cached result is never older than the index it came from, and, since the access tokens are
part of the key, one viewer's result is never served to a viewer who may see other records.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

from search import SearchQuery, SearchResult

#: Results kept per process (a result page is a few kB).
MAX_ENTRIES = 1024


def query_key(query: SearchQuery) -> Hashable:
    filters = tuple(sorted((k, tuple(sorted(v))) for k, v in query.filters.items() if v))
    return (
        query.text,
        filters,
        tuple(sorted(query.viewer_tokens)),
        query.sort,
        query.page,
        query.per_page,
        query.facets,
        query.snippets,
        # The readings undone (a chip's undo link) and whether the text is read at all: without
        # them, undoing a chip served the result that still had it.
        query.interpret,
        tuple(sorted(query.literal)),
    )


class GenerationMarker:
    """The index generation, shared by the processes of one host through a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Hashable:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def bump(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}")
        tmp.write_text(f"{time.time_ns()} {os.getpid()}\n")
        os.replace(tmp, self.path)  # a new inode: readers never see a half-written marker


class ResultCache:
    def __init__(self, marker: GenerationMarker, size: int = MAX_ENTRIES) -> None:
        self.marker = marker
        self.size = size
        self._entries: OrderedDict[Hashable, SearchResult] = OrderedDict()
        self._generation: Hashable = None
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(
        self, query: SearchQuery, compute: Callable[[SearchQuery], SearchResult]
    ) -> SearchResult:
        generation = self.marker.read()
        key = query_key(query)
        with self._lock:
            if generation != self._generation or generation is None:
                self._entries.clear()
                self._generation = generation
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
        result = compute(query)
        with self._lock:
            self.misses += 1
            if generation is not None and generation == self.marker.read():
                self._entries[key] = result
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
