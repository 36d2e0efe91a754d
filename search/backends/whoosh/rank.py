"""Ranking helpers for the whoosh session: skip-capable unions, coarse tiers."""

from __future__ import annotations

import heapq
from bisect import bisect_right

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher

from search.backends.whoosh import bitsets
from search.backends.whoosh import speedups as _speedups  # noqa: F401 - patches whoosh
from search.backends.whoosh.masks import Masks

#: Below this many matches, date sorting sorts the set; above, it walks a date order.
SMALL_SET = 4000


class SkipOr(wq.Or):
    """Union as a tree of matchers that can ``skip_to`` (whoosh would otherwise preload
    and score every posting of small segments)."""

    matcher_type = wq.Or.DEFAULT_MATCHER


def any_of(queries: list[wq.Query]) -> wq.Query | None:
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else SkipOr(queries)


def all_of(field: str, terms: list[str]) -> wq.Query:
    """Every term of ``terms`` in ``field`` (ranking a phrase already matched exactly)."""
    unique = list(dict.fromkeys(terms))
    if not unique:
        return wq.NullQuery
    if len(unique) == 1:
        return wq.Term(field, unique[0])
    return wq.And([wq.Term(field, t) for t in unique])


def posting_values(m: Matcher, wanted: list[int]) -> dict[int, bytes]:
    """Raw posting values of matcher ``m`` for the sorted local doc numbers ``wanted``.

    Reads whoosh's on-disk posting blocks whole (one unpickle per block of up to 128
    postings) and skips blocks holding no wanted doc; other matchers (postings inlined
    in small segments) go posting by posting."""
    if isinstance(m, FilterMatcher):  # deletions: the caller's docs are live already
        m = m.child
    out: dict[int, bytes] = {}
    if not wanted or not m.is_active():
        return out
    if not isinstance(m, W3LeafMatcher):
        want = set(wanted)
        while m.is_active():
            d = m.id()
            if d in want:
                out[d] = m.value()
            m.next()
        return out
    i, n = 0, len(wanted)
    while i < n and m.is_active():
        target = wanted[i]
        while m.is_active() and m.block_max_id() < target:
            m._next_block()
        if not m.is_active():
            break
        maxid = m.block_max_id()
        j = bisect_right(wanted, maxid, i)
        if j > i:
            if m._ids is None:
                m._read_ids()
            if m._values is None:
                m._read_values()
            block = dict(zip(m._ids, m._values, strict=True))
            for d in wanted[i:j]:
                v = block.get(d)
                if v is not None:
                    out[d] = v
        i = j
        m._next_block()
    return out


def top_tiers(leaves: list[tuple[int, int]], exact: int, k: int) -> int:
    """Mask of about ``k`` docs of ``exact`` with the highest coarse score.

    The coarse score is held as a bit-sliced integer (one mask per bit), so summing
    and selecting use only big-int operations."""
    slices: list[int] = []

    def add(mask: int, bit: int) -> None:
        carry = mask & exact
        while carry:
            while len(slices) <= bit:
                slices.append(0)
            cur = slices[bit]
            slices[bit] = cur ^ carry
            carry &= cur
            bit += 1

    for title, anywhere in leaves:
        add(anywhere, 0)  # 1 for any match
        add(title, 1)  # +2 for a title match -> 3
    chosen, rest = 0, exact
    for bit in range(len(slices) - 1, -1, -1):
        top = chosen | (rest & slices[bit])
        n = top.bit_count()
        if n > k:
            rest &= slices[bit]
        else:
            chosen, rest = top, rest & ~slices[bit]
            if n == k:
                return chosen
    need = k - chosen.bit_count()
    for d in bitsets.iter_ids(rest):
        if need <= 0:
            break
        chosen |= 1 << d
        need -= 1
    return chosen


def by_date(m: Masks, mask: int, field: str, limit: int) -> list[int]:
    """Up to ``limit`` docs of ``mask``, newest ``field`` first."""
    if limit <= 0 or not mask:
        return []
    if mask.bit_count() <= SMALL_SET:
        col = m.column(field)
        return heapq.nlargest(limit, bitsets.iter_ids(mask), key=lambda d: (col[d], -d))
    flags = bitsets.to_flags(mask, m.size)
    col = m.column(field)
    streams = [((-col[off + d], off + d) for d in order) for off, order in m.orders(field)]
    out: list[int] = []
    for _, d in heapq.merge(*streams):
        if flags[d]:
            out.append(d)
            if len(out) >= limit:
                break
    return out
