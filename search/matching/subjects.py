"""What a programme is about, from its title: a programme on another subject loses its text.

A programme whose title names a subject — a thesaurus concept that is neither a kind of
support ("training", "exercise") nor one of ``MatchConfig.cover_broad_concepts``
("cybersecurity") — is about that subject: "Secure e-government and PKI implementation
support" is about PKI, "Routing security and MANRS implementation support" about routing
security. A need *asks* for a subject when its title or description names it, or when one of
its themes is a theme of that subject (a need coded incident response asks for CERTs). When a
programme's title names subjects and the need asks for none of them, the words the two texts
share say little ("certification" in a CSIRT accreditation need and a PKI offer), so its text
part loses ``MatchConfig.subject_penalty`` (never below 0). A programme whose title names no
subject (a clearing house, a learning pathway) is not concerned.

The subjects are columns of the concept space (``c:<concept>``), restricted to those some
programme's title names, so that both sides are small dense matrices.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from search.matching.codes import THEMES
from search.matching.config import MatchConfig
from search.text.thesaurus import base_thesaurus

THEME_INDEX = {t: i for i, t in enumerate(THEMES)}


@lru_cache(maxsize=1)
def _concept_codes() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """``{concept id: (themes, support types)}`` of the shared thesaurus."""
    return {
        cid: (frozenset(c.themes), frozenset(c.support_types))
        for cid, c in base_thesaurus().concepts.items()
    }


def title_subjects(named: Collection[str], cfg: MatchConfig) -> frozenset[str]:
    """The subjects among the concepts a title names: not a kind of support only, not one
    of ``cfg.cover_broad_concepts``."""
    info = _concept_codes()
    out = set()
    for c in named:
        themes, support = info.get(c, (frozenset(), frozenset()))
        if (support and not themes) or c in cfg.cover_broad_concepts:
            continue
        out.add(c)
    return frozenset(out)


@dataclass
class Subjects:
    """The subjects programmes' titles name, as ``offered`` (programmes x subjects, 0/1);
    ``columns`` are their concept-space columns and ``themes`` (themes x subjects) says
    which themes each subject implies."""

    columns: np.ndarray
    offered: np.ndarray
    themes: np.ndarray

    @classmethod
    def build(
        cls, titles: Sequence[Collection[str]], vocab: Mapping[str, int], cfg: MatchConfig
    ) -> Subjects:
        """From the concepts each programme's title names and the concept space's vocabulary."""
        found = [
            sorted(c for c in title_subjects(named, cfg) if "c:" + c in vocab) for named in titles
        ]
        ids = sorted({c for row in found for c in row})
        index = {c: i for i, c in enumerate(ids)}
        offered = np.zeros((len(titles), len(ids)), dtype=np.float32)
        for row, subjects in enumerate(found):
            for c in subjects:
                offered[row, index[c]] = 1.0
        themes = np.zeros((len(THEME_INDEX), len(ids)), dtype=np.float32)
        info = _concept_codes()
        for c, i in index.items():
            for t in info.get(c, (frozenset(), frozenset()))[0]:
                if t in THEME_INDEX:
                    themes[THEME_INDEX[t], i] = 1.0
        columns = np.array([vocab["c:" + c] for c in ids], dtype=np.intp)
        return cls(columns, offered, themes)

    def asked(self, concepts: np.ndarray, themes: np.ndarray) -> np.ndarray:
        """``(requests, subjects)``, 0/1: the subjects requests ask for — named in their
        text (``concepts``: rows of the concept space) or implied by a theme they ask for
        (``themes``: one-hot rows over ``codes.THEMES``)."""
        if not len(self.columns):
            return np.zeros((len(concepts), 0), dtype=np.float32)
        named = concepts[:, self.columns] > 0
        return (named | ((themes @ self.themes) > 0)).astype(np.float32)

    def penalty(self, asked: np.ndarray, rows: np.ndarray, value: float) -> np.ndarray:
        """``(requests, rows)``: ``-value`` where programme ``rows`` name subjects and the
        request asks for none of them, else 0."""
        offered = self.offered[rows]
        if not offered.shape[1]:
            return np.zeros((len(asked), len(rows)), dtype=np.float32)
        apart = ((asked @ offered.T) == 0) & offered.any(axis=1)[None, :]
        return np.where(apart, np.float32(-value), np.float32(0.0)).astype(np.float32)

    def pair_penalty(
        self, asked: np.ndarray, qi: np.ndarray, pj: np.ndarray, value: float
    ) -> np.ndarray:
        """The same for the pairs ``(qi[k], pj[k])``."""
        offered = self.offered[pj]
        if not offered.shape[1]:
            return np.zeros(len(qi), dtype=np.float64)
        apart = ((asked[qi] * offered).sum(axis=1) == 0) & offered.any(axis=1)
        return np.where(apart, -value, 0.0)
