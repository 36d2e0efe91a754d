"""Who a programme is for, and which sector it serves (``search/data/match_audiences.json``).

A programme whose title names a group ("for public hospitals", "pour les PME", "para fiscales
y jueces") is for that group. Matching reads the groups a programme's title names and those
a request's title and description name: a programme for a group the need names ranks a
little higher, one for groups the need does not name a little lower (``MatchConfig.
audience_bonus`` / ``audience_penalty``, on the text part of the score) and is not on the need
(:func:`for_other_groups`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from search.text.thesaurus import Thesaurus

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "match_audiences.json"


@lru_cache(maxsize=1)
def audience_table() -> Thesaurus:
    """The groups and their surface terms (loaded once)."""
    return Thesaurus.from_file(DATA_FILE, extra=())


@lru_cache(maxsize=1)
def audience_index() -> dict[str, int]:
    """``{group id: column}`` of :func:`audience_matrix`."""
    return {cid: i for i, cid in enumerate(sorted(audience_table().concepts))}


def audiences_in(text: str) -> frozenset[str]:
    """The groups ``text`` names (any language)."""
    return frozenset(audience_table().concepts_in(text or ""))


def for_other_groups(wanted: Any, offered: Any) -> bool:
    """Whether a programme's title names groups (``offered.title_audiences``) of which the
    need's text names none (``wanted.text_audiences``; both ``structured.Codes``): it is
    for someone else, and so not on the need (``engine.on_the_need``)."""
    return bool(offered.title_audiences) and not offered.title_audiences & wanted.text_audiences


def audience_matrix(found: list[frozenset[str]]) -> np.ndarray:
    """``(records, groups)``: 1 for each group a record names."""
    index = audience_index()
    out = np.zeros((len(found), len(index)), dtype=np.float32)
    for row, groups in enumerate(found):
        for g in groups:
            out[row, index[g]] = 1.0
    return out


def audience_adjustment(
    wanted: np.ndarray, offered: np.ndarray, bonus: float, penalty: float
) -> np.ndarray:
    """``(requests, programmes)``: ``bonus`` where the programme's title names a group the
    request names, ``-penalty`` where it names groups and the request names none of them,
    0 where its title names no group."""
    shared = (wanted @ offered.T) > 0
    named = offered.any(axis=1)[None, :]
    return np.where(shared, np.float32(bonus), np.where(named, np.float32(-penalty), 0.0)).astype(
        np.float32
    )
