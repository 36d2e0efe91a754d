"""Per-segment caches of document masks (see ``search.backends.whoosh.bitsets``) for a whoosh index.

Masks of a term are computed once per *segment* (segments are immutable; deletions are
applied separately through a live mask), so after a one-document update only the new
small segment is read.  ``Masks`` is the per-searcher view with global doc numbers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy as np
from whoosh.codec.base import Automata
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader

from search.backends.whoosh import bitsets

#: Cached term masks per segment (LRU).
SEGMENT_CACHE_ENTRIES = 4096
PREFIX_EXPANSIONS = 64


class SegmentMaskCache:
    """Term masks and date orders per segment id, shared by successive searchers."""

    def __init__(self, limit: int = SEGMENT_CACHE_ENTRIES) -> None:
        self.limit = limit
        self._terms: dict[str, OrderedDict[tuple[str, str], int]] = {}
        self._columns: dict[tuple[str, str], list[int]] = {}
        self._lock = threading.Lock()

    def term(self, leaf: IndexReader, segid: str, field: str, text: str) -> int:
        with self._lock:
            cache = self._terms.setdefault(segid, OrderedDict())
            mask = cache.get((field, text))
            if mask is not None:
                cache.move_to_end((field, text))
                return mask
        mask = 0
        if (field, text) in leaf:
            m = leaf.postings(field, text)
            if isinstance(m, FilterMatcher):  # deletions are applied via live masks
                m = m.child
            mask = posting_mask(m, leaf.doc_count_all())
        with self._lock:
            cache[(field, text)] = mask
            if len(cache) > self.limit:
                cache.popitem(last=False)
        return mask

    def column(self, leaf: IndexReader, segid: str, field: str) -> list[int]:
        key = (segid, field)
        values = self._columns.get(key)
        if values is None:
            values = self._columns[key] = list(leaf.column_reader(field))
        return values

    def retain(self, segids: set[str]) -> None:
        """Forget segments that are gone (merged away)."""
        with self._lock:
            for s in list(self._terms):
                if s not in segids:
                    del self._terms[s]
            for k in list(self._columns):
                if k[0] not in segids:
                    del self._columns[k]


class Masks:
    """Global masks for one reader (one index generation)."""

    def __init__(self, reader: IndexReader, cache: SegmentMaskCache) -> None:
        self.reader = reader
        self.cache = cache
        self.size = reader.doc_count_all()
        self.leaves: list[tuple[IndexReader, int, str]] = []
        if self.size:
            for leaf, offset in reader.leaf_readers():
                seg = leaf.segment()
                if seg is not None and leaf.doc_count_all():
                    self.leaves.append((leaf, offset, seg.segment_id()))
        cache.retain({segid for _, _, segid in self.leaves})
        self._global: dict[tuple[str, str], int] = {}
        self._live: int | None = None
        self._values: dict[str, list[str]] = {}
        self._columns: dict[str, list[int]] = {}

    def term(self, field: str, text: str) -> int:
        key = (field, text)
        mask = self._global.get(key)
        if mask is None:
            mask = 0
            for leaf, offset, segid in self.leaves:
                local = self.cache.term(leaf, segid, field, text)
                if local:
                    mask |= local << offset
            if len(self._global) > 8192:
                self._global.clear()
            self._global[key] = mask
        return mask

    def any_of(self, field: str, values: tuple[str, ...] | list[str]) -> int:
        mask = 0
        for v in values:
            mask |= self.term(field, v)
        return mask

    def live(self) -> int:
        if self._live is None:
            live = 0
            for leaf, offset, _ in self.leaves:
                n = leaf.doc_count_all()
                local = bitsets.full(n)
                seg = leaf.segment()
                if seg.has_deletions():
                    local &= ~bitsets.from_ids(seg.deleted_docs(), n)
                live |= local << offset
            self._live = live
        return self._live

    def values(self, field: str) -> list[str]:
        """Distinct indexed values of a keyword field."""
        vals = self._values.get(field)
        if vals is None:
            found: set[str] = set()
            for leaf, _, _ in self.leaves:
                found.update(b.decode("utf-8") for b in leaf.lexicon(field))
            vals = self._values[field] = sorted(found)
        return vals

    def expand_prefix(self, field: str, prefix: str) -> list[str]:
        found: set[str] = set()
        for leaf, _, _ in self.leaves:
            found.update(
                b.decode("utf-8")
                for b in islice(leaf.expand_prefix(field, prefix), PREFIX_EXPANSIONS)
            )
        return sorted(found)[:PREFIX_EXPANSIONS]

    def terms_starting(self, field: str, prefix: str, limit: int = 4096) -> set[str]:
        """Index terms of ``field`` starting with ``prefix`` (at most ``limit`` per segment)."""
        found: set[str] = set()
        for leaf, _, _ in self.leaves:
            found.update(
                b.decode("utf-8") for b in islice(leaf.expand_prefix(field, prefix), limit)
            )
        return found

    def terms_within(self, field: str, word: str, maxdist: int) -> set[str]:
        """Index terms of ``field`` within ``maxdist`` edits of ``word`` (same first letter),
        as ``IndexReader.terms_within``, with the automaton built once for every segment
        and field (building it costs more than walking a term list with it)."""
        found: set[str] = set()
        if not self.leaves:
            return found
        dfa = levenshtein_dfa(word, maxdist)
        for leaf, _, _ in self.leaves:
            spelling = leaf.schema[field].spelling_fieldname(field)
            found.update(Automata.find_matches(dfa, leaf.cursor(spelling)))
        return found

    def column(self, field: str) -> list[int]:
        """Column values by global doc number."""
        values = self._columns.get(field)
        if values is None:
            values = []
            for leaf, _, segid in self.leaves:
                values.extend(self.cache.column(leaf, segid, field))
            self._columns[field] = values
        return values

    def orders(self, field: str) -> list[tuple[int, list[int]]]:
        """Per leaf: (offset, local doc numbers sorted by ``field`` descending)."""
        out = []
        for leaf, offset, segid in self.leaves:
            key = f"order:{field}"
            order = self.cache._columns.get((segid, key))
            if order is None:
                col = self.cache.column(leaf, segid, field)
                order = sorted(range(len(col)), key=col.__getitem__, reverse=True)
                self.cache._columns[(segid, key)] = order
            out.append((offset, order))
        return out


@lru_cache(maxsize=256)
def levenshtein_dfa(word: str, maxdist: int) -> Any:
    """Whoosh's Levenshtein automaton of ``word`` (first letter fixed), built once."""
    return Automata.levenshtein_dfa(word, maxdist, 1)


def posting_mask(m: Matcher, size: int) -> int:
    """The mask of every document of the posting list ``m`` (a fresh matcher), decoded a
    block at a time: the ids of a block are summed and set by numpy, not one by one."""
    if type(m) is not W3LeafMatcher or m._byteids:
        return bitsets.from_ids(m.all_ids(), size)
    flags = np.zeros(size, dtype=np.uint8)
    while m.is_active():
        if m._data is None:
            m._read_data()
        ids = np.cumsum(np.asarray(m._data[0], dtype=np.int64))
        flags[ids[m._i :]] = 1
        m._next_block()
    return bitsets.from_flags(flags)
