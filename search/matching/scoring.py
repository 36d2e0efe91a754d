"""Encodings whose products give the raw score: one sparse and two dense matrix products.

Every component is linear in features of the request and of the programme, so that the
weighted raw score of a block of requests x programmes is

``words(q) @ words(p).T + (concepts(q) @ concepts(p).T) * factor + struct(q) @ struct(p).T
+ country term + freshness``

* words: TF-IDF vectors in a vocabulary *tagged by the programme's language*; the query
  carries a copy of its terms per language, weighted by the word share for same- or
  cross-language pairs — exact, and as cheap as one plain sparse product;
* concepts: dense thesaurus-concept vectors; ``factor`` is the concept share of the pair;
* struct: themes, support types, languages, region, delivery mode (``structured``).

The same features give each pair's components (for reasons) by segment dot products.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from search.matching.config import MatchConfig
from search.matching.features import DocTerms, Space, record_terms
from search.matching.rules import day
from search.matching.structured import Codes, record_codes, struct_features
from search.text.analysis import LANGUAGE_KEYS

LANG_KEY_INDEX = {k: i for i, k in enumerate(LANGUAGE_KEYS)}
NK = len(LANGUAGE_KEYS)


def tagged_words(words: sp.csr_matrix, keys: np.ndarray) -> sp.csr_matrix:
    """Programme word rows moved to the column block of their language key."""
    coo = words.tocoo()
    v = words.shape[1]
    return sp.csr_matrix(
        (coo.data, (coo.row, coo.col + keys[coo.row].astype(np.int64) * v)),
        shape=(words.shape[0], NK * v),
    )


def query_words(words: sp.csr_matrix, keys: np.ndarray, cfg: MatchConfig) -> sp.csr_matrix:
    """Request word rows repeated once per language key, weighted by the pair's word share."""
    total = sum(cfg.weights().values()) or 1.0
    w = cfg.weight_text / total
    blocks = []
    for k in range(NK):
        share = np.where(keys == k, cfg.word_share_same_language, cfg.word_share_cross_language)
        blocks.append(sp.diags((share * w).astype(np.float32)) @ words)
    return sp.hstack(blocks, format="csr", dtype=np.float32)


def concept_factor(keys: np.ndarray, cfg: MatchConfig) -> np.ndarray:
    """``(NK, n)``: weighted concept share of a request of each key with each programme."""
    total = sum(cfg.weights().values()) or 1.0
    w = cfg.weight_text / total
    out = np.empty((NK, len(keys)), dtype=np.float32)
    for k in range(NK):
        share = np.where(keys == k, cfg.word_share_same_language, cfg.word_share_cross_language)
        out[k] = w * (1.0 - share)
    return out


@dataclass
class Encoded:
    """Features of a list of records (requests or programmes)."""

    words: sp.csr_matrix
    concepts: np.ndarray
    struct: np.ndarray
    keys: np.ndarray
    codes: list[Codes]
    updated: np.ndarray


def encode(
    records: Sequence[Mapping[str, Any]],
    words: Space,
    concepts: Space,
    languages: Mapping[str, int],
    cfg: MatchConfig,
    *,
    side: str,
    max_terms: int | None = None,
    terms: Sequence[DocTerms] | None = None,
) -> Encoded:
    """Encode requests (``side="request"``) or programmes (``side="programme"``)."""
    terms = terms if terms is not None else [record_terms(r, cfg) for r in records]
    codes = [record_codes(r, cfg, t) for r, t in zip(records, terms, strict=True)]
    updated = [day(r.get("updated_at")) or day(r.get("created_at")) or -1 for r in records]
    return Encoded(
        words=words.transform((t.words for t in terms), max_terms=max_terms),
        concepts=concepts.transform(t.concepts for t in terms).toarray(),
        struct=struct_features(records, codes, languages, cfg, side),
        keys=np.array([LANG_KEY_INDEX[t.lang] for t in terms], dtype=np.int8),
        codes=codes,
        updated=np.array(updated, dtype=np.int64),
    )


def freshness(updated: np.ndarray, today_ordinal: int, half_life_days: float) -> np.ndarray:
    """``0.5 ** (age / half_life)``; 0.5 when the update date is unknown."""
    age = np.maximum(today_ordinal - updated, 0).astype(np.float32)
    out = np.power(np.float32(0.5), age / np.float32(half_life_days), dtype=np.float32)
    out[updated < 0] = 0.5
    return out


def raw_for_score(score: float, cfg: MatchConfig) -> float:
    """The raw score that :func:`calibrate` maps to ``score`` (``0 < score < 1``)."""
    return (math.log(score / (1.0 - score)) - cfg.calibration_b) / cfg.calibration_a


def calibrate(raw: float, cfg: MatchConfig) -> float:
    """Platt scaling of a raw score to ``[0, 1]`` (0 when nothing is shared at all)."""
    if raw <= 0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-(cfg.calibration_a * raw + cfg.calibration_b)))
