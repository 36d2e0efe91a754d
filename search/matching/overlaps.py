"""Possible overlaps between initiatives: different funders or implementers doing similar work
in the same state at the same time. Framework-free: works on plain :class:`Work` values.

A pair is a candidate when the two share a beneficiary state, their periods overlap (or a date
is unknown), and they are not the same partnership (same funders *and* same implementers).
It is listed when its score reaches :data:`THRESHOLD`: shared themes and similar text weigh
most, the share of time in common adds to them. The reasons say why.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

#: The score from which a candidate pair is listed (fitted on the "fit" part of
#: search/data/overlap_judgements.json; ``python -m search.overlaps`` reports both parts).
THRESHOLD = 0.45

_WORD = re.compile(r"\w{3,}", re.UNICODE)
_STOP = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "into",
        "their",
        "national",
        "regional",
        "programme",
        "project",
        "support",
        "des",
        "les",
        "pour",
        "dans",
        "avec",
        "une",
        "sur",
        "par",
        "del",
        "los",
        "las",
        "para",
        "con",
        "una",
        "por",
    }
)


@dataclass(frozen=True)
class Work:
    id: int
    title: str
    text: str
    states: frozenset[str]
    themes: frozenset[str]
    funders: frozenset[int] = frozenset()
    implementers: frozenset[int] = frozenset()
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Overlap:
    first: int
    second: int
    score: float
    reasons: dict[str, object] = field(default_factory=dict)


def _words(work: Work) -> frozenset[str]:
    text = f"{work.title} {work.text}".casefold()
    return frozenset(w for w in _WORD.findall(text) if w not in _STOP and not w.isdigit())


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _period_share(a: Work, b: Work) -> float | None:
    """The share of the shorter period the two have in common; None when a date is unknown;
    0 when they do not meet."""
    if not (a.start and a.end and b.start and b.end):
        return None
    common = (min(a.end, b.end) - max(a.start, b.start)).days
    shortest = max(min((a.end - a.start).days, (b.end - b.start).days), 1)
    return max(common, 0) / shortest


def pair(a: Work, b: Work) -> Overlap | None:
    """The pair's overlap, or None when it is not even a candidate."""
    states = a.states & b.states
    if not states:
        return None
    if a.funders == b.funders and a.implementers == b.implementers:
        return None  # one partnership's phases, not a duplication of effort
    share = _period_share(a, b)
    if share == 0:
        return None
    themes = a.themes & b.themes
    theme_part = len(themes) / min(len(a.themes), len(b.themes)) if a.themes and b.themes else 0
    words_a, words_b = _words(a), _words(b)
    text_part = _jaccard(words_a, words_b)
    score = 0.45 * theme_part + 0.4 * min(text_part * 2.5, 1.0) + 0.15 * (share or 0.5)
    reasons: dict[str, object] = {
        "states": sorted(states),
        "themes": sorted(themes),
        "words": sorted(words_a & words_b)[:8],
        "period": "unknown" if share is None else round(share, 2),
    }
    if a.funders != b.funders:
        reasons["different_funders"] = True
    if a.implementers != b.implementers:
        reasons["different_implementers"] = True
    return Overlap(min(a.id, b.id), max(a.id, b.id), round(score, 3), reasons)


def overlaps(works: Iterable[Work], threshold: float = THRESHOLD) -> list[Overlap]:
    """Listed overlaps among ``works``, highest score first. Only works sharing a state are
    compared (blocked by state), so the cost follows the works per state, not their square."""
    by_state: dict[str, list[Work]] = defaultdict(list)
    for work in works:
        for state in work.states:
            by_state[state].append(work)
    seen: set[tuple[int, int]] = set()
    found = []
    for group in by_state.values():
        for a, b in combinations(group, 2):
            key = (min(a.id, b.id), max(a.id, b.id))
            if key in seen:
                continue
            seen.add(key)
            result = pair(a, b)
            if result is not None and result.score >= threshold:
                found.append(result)
    return sorted(found, key=lambda o: (-o.score, o.first, o.second))
