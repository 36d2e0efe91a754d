"""Drop-in replacements for hot whoosh-reloaded 2.7.5 methods (same results).

Imported by the whoosh backend before any index is opened, so the writer sub-processes
(forked) have them too.

* ``W3LeafMatcher.skip_to`` binary-searches inside the posting block.  Whoosh steps
  through the block posting by posting; with every ``skip_to`` of an AND/OR tree reaching
  each leaf, that was the largest cost of scoring candidates.
* ``W3PerDocReader.doc_field_length`` reads a field's whole length column (one byte per
  document) once per reader, instead of a seek and a read per call.  Whoosh calls it once
  per posting when it writes a segment, and once per scored document when searching.
* ``W3LeafMatcher.all_ids`` yields a posting block's ids at once (whoosh calls ``next()``
  and ``id()`` per posting); it builds the term masks of every search.
* ``W3LeafMatcher._read_ids`` decodes a block's delta-coded ids with
  ``itertools.accumulate`` (C) instead of a Python generator.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader
from whoosh.matching import ReadTooFar
from whoosh.util.numeric import byte_to_length

_ORIGINAL_DOC_FIELD_LENGTH = W3PerDocReader.doc_field_length


def _leaf_skip_to(self: Any, targetid: int) -> None:
    if not self.is_active():
        raise ReadTooFar
    if self._ids is None:
        self._read_ids()
    if targetid <= self._ids[self._i]:
        return
    if targetid > self._maxid:
        while self.is_active() and targetid > self._maxid:
            self._next_block()
        if not self.is_active():
            return
        if self._ids is None:
            self._read_ids()
    i = bisect_left(self._ids, targetid, self._i, self._blocklength)
    if i < self._blocklength:
        self._i = i
        return
    self._i = self._blocklength - 1  # not reached: the block's max id is >= targetid
    self.next()
    while self.is_active() and self.id() < targetid:
        self.next()


def _length_bytes(self: Any, lenfield: str) -> bytes | None:
    """The length column of ``lenfield`` as one byte per document, or None when it is
    absent or not the plain one-byte numeric column."""
    cache = self.__dict__.setdefault("_cx_lengths", {})
    if lenfield in cache:
        return cache[lenfield]
    raw = None
    reader = self._cached_reader(lenfield, LENGTHS_COLUMN)
    if (
        type(reader) is columns.NumericColumn.Reader
        and reader._typecode == "B"
        and reader._default == 0
    ):
        count = min(reader._count, self._doccount)
        raw = reader._dbfile.get(reader._basepos, count) if count else b""
        raw = bytes(raw) + bytes(self._doccount - count)
    cache[lenfield] = raw
    return raw


def _doc_field_length(self: Any, docnum: int, fieldname: str, default: int = 0) -> Any:
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    raw = _length_bytes(self, whoosh3._lenfield(fieldname))
    if raw is None or docnum >= len(raw):
        return _ORIGINAL_DOC_FIELD_LENGTH(self, docnum, fieldname, default)
    lbyte = raw[docnum]
    if lbyte:
        return byte_to_length(lbyte)
    return None  # as whoosh does for an empty field


def _leaf_all_ids(self: Any) -> Iterator[int]:
    while self.is_active():
        if self._ids is None:
            self._read_ids()
        yield from self._ids[self._i :]
        self._next_block()


def _leaf_read_ids(self: Any) -> None:
    if self._data is None:
        self._read_data()
    ids = self._data[0]
    self._ids = ids if self._byteids else tuple(accumulate(ids))


W3LeafMatcher.skip_to = _leaf_skip_to
W3LeafMatcher.all_ids = _leaf_all_ids
W3LeafMatcher._read_ids = _leaf_read_ids
W3PerDocReader.doc_field_length = _doc_field_length
