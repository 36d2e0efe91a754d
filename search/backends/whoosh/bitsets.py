"""Document sets as Python ints (bit *i* set = document number *i* is in the set).

Ints give C-speed AND/OR/NOT and ``bit_count()``; conversions go through binary strings,
which CPython parses and formats in linear time.  Used by the whoosh backend for exact
totals, access control and facet counts without per-document Python loops.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from whoosh.idsets import DocIdSet

_TO_ASCII = bytes.maketrans(b"\x00\x01", b"01")
_FROM_ASCII = bytes.maketrans(b"01", b"\x00\x01")


def from_ids(ids: Iterable[int], size: int) -> int:
    """Mask with the bits of ``ids`` (all < ``size``) set."""
    if size <= 0:
        return 0
    flags = bytearray(size)
    for i in ids:
        flags[i] = 1
    flags.reverse()
    return int(flags.translate(_TO_ASCII), 2)


def from_flags(flags: np.ndarray) -> int:
    """Mask of a numpy array of one 0/1 byte per document."""
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def to_flags(mask: int, size: int) -> bytes:
    """One byte per document (0 or 1), ``size`` bytes long."""
    if mask <= 0:
        return bytes(size)
    raw = format(mask, "b").encode("ascii")[::-1].translate(_FROM_ASCII)
    return raw[:size].ljust(size, b"\x00")


def iter_ids(mask: int) -> Iterator[int]:
    """Set bits of ``mask`` in increasing order."""
    if mask <= 0:
        return
    if mask.bit_count() <= 16:
        while mask:
            low = mask & -mask
            yield low.bit_length() - 1
            mask ^= low
        return
    flags = format(mask, "b").encode("ascii")[::-1]
    pos = flags.find(b"1")
    while pos >= 0:
        yield pos
        pos = flags.find(b"1", pos + 1)


def full(size: int) -> int:
    """Mask with bits ``0..size-1`` set."""
    return (1 << size) - 1 if size > 0 else 0


class MaskSet(DocIdSet):
    """Read-only whoosh ``DocIdSet`` view of a mask, for ``searcher.search(filter=...)``."""

    def __init__(self, mask: int, size: int) -> None:
        self.mask = mask
        self.size = size
        self._flags = to_flags(mask, size)
        self._len = mask.bit_count()

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def __iter__(self) -> Iterator[int]:
        return iter_ids(self.mask)

    def __contains__(self, i: object) -> bool:
        return isinstance(i, int) and 0 <= i < self.size and self._flags[i] == 1

    def copy(self) -> MaskSet:
        return MaskSet(self.mask, self.size)

    def first(self) -> int:
        return (self.mask & -self.mask).bit_length() - 1

    def last(self) -> int:
        return self.mask.bit_length() - 1
