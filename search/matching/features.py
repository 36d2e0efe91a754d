"""Text features: stemmed words per language and thesaurus concepts, in TF-IDF spaces.

Two spaces are built over title + description (the title counts ``title_boost`` times):

* **words** — Snowball stems of the record's own language (``search.text.analysis``); exact
  and precise within one language;
* **concepts** — thesaurus concept ids (``c:cert``) found in the text in any language,
  plus the themes those concepts imply (``t:incident_response``) at a lower weight, so
  that "cybercriminalité", "ciberdelito" and "cybercrime" meet.

Vectors use sublinear term frequency and smoothed IDF learnt from the programmes, and
are L2-normalised; the norm of a query includes its out-of-vocabulary terms (at maximum
IDF) so that a text with little in common scores low.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from search.matching.config import MatchConfig
from search.text.analysis import WORD_RE, analyze, language_key, term
from search.text.thesaurus import base_thesaurus


@dataclass(frozen=True)
class DocTerms:
    """Weighted terms of one text in both spaces, and its language key."""

    words: dict[str, float]
    concepts: dict[str, float]
    lang: str
    found: dict[str, float]


def doc_terms(
    title: str,
    description: str,
    text_language: str | None,
    *,
    title_boost: int = 2,
    implied_theme_weight: float = 0.5,
    generic_concept_weight: float = 0.3,
) -> DocTerms:
    """Word and concept counts of a record's text.

    A surface naming several concepts ("normes": norms and standards) splits its weight
    among them; concepts with no theme or support type ("cybersecurity") count less.
    """
    lang = language_key(text_language)
    words: Counter[str] = Counter()
    concepts: Counter[str] = Counter()
    found: Counter[str] = Counter()
    thesaurus = base_thesaurus()
    for text, weight in ((title or "", title_boost), (description or "", 1)):
        for t in analyze(text, lang):
            words[t] += weight
        for _, _, ids in thesaurus.spans(WORD_RE.findall(text)):
            share = weight / len(ids)
            for cid in ids:
                found[cid] += weight
                concept = thesaurus.concepts[cid]
                generic = not (concept.themes or concept.support_types)
                concepts["c:" + cid] += share * (generic_concept_weight if generic else 1.0)
                for theme in concept.themes:
                    concepts["t:" + theme] += share * implied_theme_weight
    return DocTerms(dict(words), dict(concepts), lang, dict(found))


def surfaces(text: str, text_language: str | None) -> dict[str, str]:
    """Index term -> the first raw word (lowercased) that produced it, for display."""
    lang = language_key(text_language)
    out: dict[str, str] = {}
    for raw in WORD_RE.findall(text or ""):
        t = term(raw, lang)
        if t and t not in out:
            out[t] = raw.lower()
    return out


def concept_label(feature: str, text_language: str | None) -> str:
    """Readable name of a concept feature (``c:cert``) in the given language if known."""
    concept = base_thesaurus().concepts.get(feature[2:])
    if concept is None:
        return feature[2:].replace("_", " ")
    lang = (text_language or "en")[:2]
    names = concept.terms.get(lang) or concept.terms.get("en") or [concept.id]
    return names[0]


def record_terms(record: Mapping[str, Any], cfg: MatchConfig) -> DocTerms:
    """:func:`doc_terms` of a request or programme dict with the configured weights."""
    return doc_terms(
        record.get("title") or "",
        record.get("description") or "",
        record.get("text_language"),
        title_boost=cfg.title_boost,
        implied_theme_weight=cfg.implied_theme_weight,
        generic_concept_weight=cfg.generic_concept_weight,
    )


class Space:
    """A vocabulary with IDF weights; turns term counts into L2-normalised sparse rows.

    Terms found in more than ``max_df`` of the documents are left out of the vectors (they
    cost most in products and weigh least) but still count in the norms.
    """

    def __init__(
        self, vocab: dict[str, int], idf: np.ndarray, n_docs: int, dropped: dict[str, float]
    ) -> None:
        self.vocab = vocab
        self.idf = idf.astype(np.float32)
        self.dropped = dropped
        self.terms = [""] * len(vocab)
        for t, i in vocab.items():
            self.terms[i] = t
        self.oov_idf = math.log((n_docs + 1) / 1) + 1.0

    @classmethod
    def fit(cls, docs: Sequence[dict[str, float]], max_df: float = 1.0) -> Space:
        """Learn vocabulary and smoothed IDF ``ln((n + 1) / (df + 1)) + 1``."""
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        n = len(docs)
        idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}
        limit = max_df * n
        kept = sorted(t for t, c in df.items() if c <= limit or n < 20)
        kept_set = set(kept)  # built once: inside the comprehension it made the fit O(vocab²)
        dropped = {t: idf[t] for t in df if t not in kept_set}
        vocab = {t: i for i, t in enumerate(kept)}
        return cls(vocab, np.array([idf[t] for t in kept], dtype=np.float64), n, dropped)

    def transform(
        self, docs: Iterable[dict[str, float]], max_terms: int | None = None
    ) -> sp.csr_matrix:
        """TF-IDF rows; with ``max_terms`` only the heaviest terms of each row are kept."""
        terms: list[str] = []
        tfs: list[float] = []
        lengths: list[int] = []
        for d in docs:
            terms.extend(d)
            tfs.extend(d.values())
            lengths.append(len(d))
        n_rows = len(lengths)
        vocab, dropped, oov = self.vocab, self.dropped, self.oov_idf
        cols = np.fromiter((vocab.get(t, -1) for t in terms), dtype=np.int64, count=len(terms))
        idf = np.zeros(len(cols)) if not len(self.idf) else self.idf[np.maximum(cols, 0)]
        idf = idf.astype(np.float64)
        missing = np.flatnonzero(cols < 0)
        idf[missing] = [dropped.get(terms[k], oov) for k in missing.tolist()]
        tf = np.asarray(tfs, dtype=np.float64)
        weight = np.where(tf > 0, (1.0 + np.log(np.maximum(tf, 1e-12))) * idf, 0.0)
        rows = np.repeat(np.arange(n_rows), lengths)
        norms = np.sqrt(np.bincount(rows, weights=weight * weight, minlength=n_rows))
        keep = (cols >= 0) & (weight > 0)
        if max_terms is not None:
            order = np.lexsort((-np.where(keep, weight, -1.0), rows))
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order)) - starts[rows[order]]
            keep &= rank < max_terms
        rows, cols, weight = rows[keep], cols[keep], weight[keep]
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        data = (weight * scale[rows]).astype(np.float32)
        matrix = sp.csr_matrix((data, (rows, cols)), shape=(n_rows, len(vocab)))
        matrix.sort_indices()
        return matrix
