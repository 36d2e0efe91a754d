"""Ranking helpers for the whoosh session: skip-capable unions, coarse tiers."""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher, NullMatcherClass
from whoosh.matching.binary import IntersectionMatcher, UnionMatcher
from whoosh.matching.wrappers import FilterMatcher, WrappingMatcher
from whoosh.scoring import WeightLengthScorer

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


def tree_scores(m: Matcher, wanted: list[int]) -> dict[int, float]:
    """``m.score()`` of each doc of the sorted local doc numbers ``wanted`` that the
    matcher tree ``m`` matches: the same sums, in the same order, as ``skip_to`` and
    ``score()`` on the tree, but computed leaf by leaf (each leaf reads only the posting
    blocks that hold a wanted doc), without stepping the whole tree for every doc."""
    if not wanted or not m.is_active():
        return {}
    kind = type(m)
    if kind is UnionMatcher or kind is IntersectionMatcher:
        a = tree_scores(m.a, wanted)
        b = tree_scores(m.b, wanted)
        if kind is IntersectionMatcher:
            return {d: s + b[d] for d, s in a.items() if d in b}
        out = dict(a)
        for d, s in b.items():
            out[d] = a[d] + s if d in a else s
        return out
    if kind is FilterMatcher:
        ids, exclude, boost = m._ids, m._exclude, m.boost
        kept = [d for d in wanted if (d in ids) != exclude]
        return {d: s * boost for d, s in tree_scores(m.child, kept).items()}
    if kind is WrappingMatcher:
        return {d: s * m.boost for d, s in tree_scores(m.child, wanted).items()}
    if kind is W3LeafMatcher and isinstance(m.scorer, WeightLengthScorer):
        return _leaf_scores(m, wanted)
    if isinstance(m, NullMatcherClass):
        return {}
    out = {}
    for d in wanted:  # any other matcher: step through it
        if not m.is_active():
            break
        if m.id() < d:
            m.skip_to(d)
            if not m.is_active():
                break
        if m.id() == d:
            out[d] = m.score()
    return out


def _leaf_scores(m: W3LeafMatcher, wanted: list[int]) -> dict[int, float]:
    """``tree_scores`` of one on-disk posting list: a block at a time."""
    scorer = m.scorer
    score, dfl = scorer._score, scorer.dfl
    out: dict[int, float] = {}
    i, n = 0, len(wanted)
    while i < n and m.is_active():
        target = wanted[i]
        while m.is_active() and m.block_max_id() < target:
            m._next_block()
        if not m.is_active():
            break
        j = bisect_right(wanted, m.block_max_id(), i)
        if j > i:
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            ids = m._ids
            lo = m._i
            for d in wanted[i:j]:
                k = bisect_left(ids, d, lo)
                if k < len(ids) and ids[k] == d:
                    out[d] = score(m._weights[k], dfl(d))
                    lo = k + 1
        i = j
        m._next_block()
    return out


def top_tiers(leaves: list[tuple[int, int]], exact: int, k: int) -> int:
    """Mask of about ``k`` docs of ``exact`` with the highest coarse score (3 per leaf
    matched in a title, 1 per leaf matched elsewhere)."""
    terms = [(anywhere, 0) for _, anywhere in leaves] + [(title, 1) for title, _ in leaves]
    return top_weighted(terms, exact, k)


def sliced_sum(terms: list[tuple[int, int]], within: int) -> list[int]:
    """The sum of ``2**bit`` over the masks of ``terms`` (``(mask, bit)``) that hold each
    doc of ``within``, as a bit-sliced integer: one mask per bit, lowest first."""
    slices: list[int] = []
    for mask, bit in terms:
        carry = mask & within
        while carry:
            while len(slices) <= bit:
                slices.append(0)
            cur = slices[bit]
            slices[bit] = cur ^ carry
            carry &= cur
            bit += 1
    return slices


def equal_to(slices: list[int], value: int, within: int) -> int:
    """Docs of ``within`` whose bit-sliced sum is exactly ``value``."""
    mask = within
    for bit, sl in enumerate(slices):
        mask &= sl if value >> bit & 1 else ~sl
    return mask if value >> len(slices) == 0 else 0


def at_least(masks: list[int], minimum: int, within: int) -> int:
    """Docs of ``within`` held by at least ``minimum`` of ``masks``."""
    if minimum <= 0:
        return within
    slices = sliced_sum([(m, 0) for m in masks], within)
    out = 0
    for value in range(minimum, len(masks) + 1):
        out |= equal_to(slices, value, within)
    return out


def top_weighted(terms: list[tuple[int, int]], exact: int, k: int) -> int:
    """Mask of about ``k`` docs of ``exact`` with the highest sum of ``2**bit`` over the
    masks of ``terms`` (``(mask, bit)``) holding them.

    The score is held as a bit-sliced integer (one mask per bit), so summing
    and selecting use only big-int operations."""
    slices = sliced_sum(terms, exact)
    return _select(slices, exact, k)


def _select(slices: list[int], exact: int, k: int) -> int:
    """About ``k`` docs of ``exact`` with the highest bit-sliced score."""
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
    streams = [_newest_first(col, off, order) for off, order in m.orders(field)]
    out: list[int] = []
    for _, d in heapq.merge(*streams):
        if flags[d]:
            out.append(d)
            if len(out) >= limit:
                break
    return out


def _newest_first(col: list[int], off: int, order: list[int]) -> Iterator[tuple[int, int]]:
    """``(-date, global doc)`` of one segment's date order, for ``heapq.merge``.

    A function, not a nested generator expression: that one read ``off`` when it ran,
    so every segment's stream used the offset of the last segment (wrong order with
    two segments, ``IndexError`` once an update added a third)."""
    for d in order:
        yield -col[off + d], off + d
