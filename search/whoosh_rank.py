"""Ranking helpers for the whoosh session: skip-capable unions, coarse tiers."""

from __future__ import annotations

import heapq

from whoosh import query as wq

from search import bitsets
from search.whoosh_masks import Masks

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


def sequence(field: str, terms: list[str]) -> wq.Query:
    if len(terms) == 1:
        return wq.Term(field, terms[0])
    if not terms:
        return wq.NullQuery
    return wq.Phrase(field, terms)


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
