"""Block scoring (requests x catalogue), per-pair parts, and deterministic top-k."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import scipy.sparse as sp

from search.matching.audiences import audience_adjustment, audience_matrix
from search.matching.codes import REGIONS, SUPPORT_TYPES, THEMES, subject_themes
from search.matching.config import MatchConfig
from search.matching.history import TrackRecord
from search.matching.rules import RuleTable
from search.matching.scoring import (
    Encoded,
    concept_factor,
    freshness,
    query_words,
    raw_for_score,
    tagged_words,
)
from search.matching.structured import language_columns, segments
from search.matching.subjects import Subjects

#: Order of the parts of a score (also the order of reasons with equal contributions).
KINDS = (
    "text", "themes", "support", "language", "region", "delivery", "freshness", "track_record",
)  # fmt: skip


#: Penalty that pushes pairs breaking a hard rule far below any eligible score.
BIG = np.float32(16.0)
#: Views kept per catalogue (one per region and day).
VIEW_CACHE = 6
#: Raw-score penalty of a programme offered in none of the requester's languages when top
#: candidates are selected, unless its main theme is one the request asks for (the engine
#: then also places it after every covering programme in a shared language); far above
#: ``-BIG``.
LANGUAGE_PENALTY = np.float32(0.2)
#: Columns of :func:`code_matrix`.
THEME_INDEX = {t: i for i, t in enumerate(THEMES)}
SUPPORT_INDEX = {t: i for i, t in enumerate(SUPPORT_TYPES)}
#: Ranking floor: eligible pairs (even with the language penalty) stay above it.
FLOOR = -float(LANGUAGE_PENALTY) - 1.0
#: Blocks up to this many rows skip BLAS (thread start-up dominates a single row).
SMALL_BLOCK = 4


@dataclass
class View:
    """The programmes a region's requests may get on one day, ready for products.

    ``cols`` are catalogue indices (ascending): offerable programmes that are global,
    list the region, or list countries (``country_only``: eligible only for those).
    """

    cols: np.ndarray
    words_t: sp.csr_matrix
    shift: np.ndarray
    country_only: np.ndarray
    dense: np.ndarray | None = None


class Catalogue:
    """Programme-side matrices and per-region, per-day views of them.

    A block of requests sharing a region and a language key costs one sparse product
    (words) and one dense product (concepts scaled by the pair's concept share, and the
    structured features) over the programmes the region may get.
    """

    def __init__(
        self,
        enc: Encoded,
        rules: RuleTable,
        cfg: MatchConfig,
        n_languages: int,
        track: TrackRecord | None = None,
        subjects: Subjects | None = None,
        general: np.ndarray | None = None,
    ) -> None:
        self.enc, self.rules, self.cfg = enc, rules, cfg
        #: What states receive and who delivered where (:mod:`search.matching.history`).
        self.track = track
        self.total = sum(cfg.weights().values()) or 1.0
        self.words = tagged_words(enc.words, enc.keys)
        self.factor = concept_factor(enc.keys, cfg)
        self.segments = segments(n_languages)
        self.language_cols = language_columns(n_languages)
        #: Languages each programme is offered in (working, interpretation, translation).
        self.languages = (enc.struct[:, self.language_cols] > 0).astype(np.float32)
        self.has_language = self.languages.any(axis=1)
        self.has_countries = rules.has_countries
        #: One-hot of each programme's main (first) theme, and its support types.
        self.main_theme = code_matrix([c.themes[:1] for c in enc.codes], THEME_INDEX)
        self.support = code_matrix([c.support_types for c in enc.codes], SUPPORT_INDEX)
        #: The groups each programme's title names (who it is for).
        self.audiences = audience_matrix([c.title_audiences for c in enc.codes])
        #: The subjects each programme's title names (:mod:`search.matching.subjects`).
        self.subjects = subjects
        #: General offers (``general_offer``), their subject themes, and the raw score a
        #: general offer on one of a need's themes ranks at least with (``None``: off).
        n = len(enc.codes)
        self.general = np.zeros(n, dtype=bool) if general is None else general.astype(bool)
        self.general_floor: float | None = None
        self.general_themes = np.zeros((0, len(THEME_INDEX)), dtype=np.float32)
        if cfg.general_offers and self.general.any():  # read only when there are some
            self.general_floor = raw_for_score(cfg.list_min_score, cfg)
            audience = cfg.cover_audience_themes
            rows = np.flatnonzero(self.general)
            self.general_themes = np.zeros((n, len(THEME_INDEX)), dtype=np.float32)
            self.general_themes[rows] = code_matrix(
                [subject_themes(enc.codes[j].themes, audience) for j in rows.tolist()],
                THEME_INDEX,
            )
        #: Weighted region part of a country listing (see docs/MATCHING.md).
        self.country_weight = np.full(
            rules.has_countries.shape,
            (cfg.weight_region + cfg.weight_targeted) / self.total,
            dtype=np.float32,
        )
        #: Place sets of requests (rows of ``rules.places``), interned as view keys.
        self._place_keys: dict[tuple[int, ...], int] = {}
        self._place_rows: list[tuple[int, ...]] = []
        self._views: OrderedDict[tuple[int, int], View] = OrderedDict()
        self._fresh: tuple[int, np.ndarray] | None = None
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return len(self.has_countries)

    def place_key(self, request: Mapping[str, Any]) -> int:
        """The view key of a request: the set of places its state belongs to."""
        rows = self.rules.place_rows(request)
        with self._lock:
            key = self._place_keys.get(rows)
            if key is None:
                key = self._place_keys[rows] = len(self._place_rows)
                self._place_rows.append(rows)
        return key

    def fresh(self, today: date) -> np.ndarray:
        """Weighted freshness of every programme on ``today`` (cached for the last day)."""
        ordinal = today.toordinal()
        if self._fresh is None or self._fresh[0] != ordinal:
            fresh = freshness(self.enc.updated, ordinal, self.cfg.freshness_half_life_days)
            self._fresh = (ordinal, fresh * np.float32(self.cfg.weight_freshness / self.total))
        return self._fresh[1]

    def view(self, place_key: int, today: date) -> View:
        """The (cached) view of the requests of one place set (:meth:`place_key`) on ``today``."""
        key = (today.toordinal(), place_key)
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        offerable = self.rules.offerable(today)
        covered = self.rules.covered(self._place_rows[place_key])
        cols = np.flatnonzero(offerable & (covered | self.has_countries))
        country_only = ~covered[cols]
        shift = self.fresh(today)[cols] - BIG * country_only
        words_t = self.words[cols].T.tocsr()
        view = View(cols, words_t, shift.astype(np.float32), country_only)
        with self._lock:
            self._views[key] = view
            while len(self._views) > VIEW_CACHE:
                self._views.popitem(last=False)
        return view

    def dense(self, view: View) -> np.ndarray:
        """``[concepts; struct]`` of a view's programmes, transposed for the product."""
        if view.dense is None:
            rows = np.hstack([self.enc.concepts[view.cols], self.enc.struct[view.cols]])
            view.dense = np.ascontiguousarray(rows.T, dtype=np.float32)
        return view.dense

    def prepare(self, today: date) -> None:
        """Build every UN region's view for ``today`` (else built on first use)."""
        for region in [*REGIONS, None]:
            self.dense(self.view(self.place_key({"region": region}), today))

    def locate(self, requests: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Country row indices (-1 when unknown) and place keys of requests."""
        ci = [self.rules.country_index.get(r.get("country") or "", -1) for r in requests]
        ri = [self.place_key(r) for r in requests]
        return np.array(ci, dtype=np.int64), np.array(ri, dtype=np.int64)

    def block(
        self, q: Encoded, requests: Sequence[Mapping[str, Any]], today: date
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(raw, cols)``: raw scores of requests sharing a region and a language key
        against the view's programmes ``cols``; pairs breaking a rule score below 0."""
        ci, ri = self.locate(requests)
        keys = set(q.keys.tolist())
        if len(keys) != 1 or len(set(ri.tolist())) != 1:
            raise ValueError("a block must hold requests of one place set and language key")
        view = self.view(int(ri[0]), today)
        if not len(view.cols):
            return np.zeros((len(requests), 0), dtype=np.float32), view.cols
        raw = (query_words(q.words, q.keys, self.cfg) @ view.words_t).toarray()
        dense = self.dense(view)
        n_concepts = q.concepts.shape[1]
        concept = _product(q.concepts, dense[:n_concepts])
        concept *= self.factor[keys.pop(), view.cols]
        raw += concept
        del concept
        if self.cfg.audience_bonus or self.cfg.audience_penalty:
            raw += self.audience(q, view.cols)
        if self.subjects is not None and self.cfg.subject_penalty:
            asked = self.subjects.asked(q.concepts, _wanted(q)[0])
            raw += self.subjects.penalty(asked, view.cols, self.cfg.subject_penalty)
        np.maximum(raw, 0.0, out=raw)  # the text part, never below 0
        raw += _product(q.struct, dense[n_concepts:])
        raw += view.shift
        apart = self.no_shared_language(q, view.cols) & ~self.on_subject(q, view.cols)
        raw -= LANGUAGE_PENALTY * apart
        countries = self.rules.countries
        for i, c in enumerate(ci.tolist()):
            if c >= 0:
                listed = countries.indices[countries.indptr[c] : countries.indptr[c + 1]]
                pos = np.minimum(np.searchsorted(view.cols, listed), len(view.cols) - 1)
                pos = pos[view.cols[pos] == listed]
                cols = view.cols[pos]
                raw[i, pos] += self.country_weight[cols] + BIG * view.country_only[pos]
        if self.track is not None:
            regions = [r.get("region") for r in requests]
            self.track.add_block(raw, regions, [c.themes for c in q.codes], view.cols)
        return raw, view.cols

    def _asked_subjects(self, q: Encoded) -> np.ndarray:
        """``(requests, themes)``: the themes requests ask for, audience themes apart."""
        audience = self.cfg.cover_audience_themes
        return code_matrix([subject_themes(c.themes, audience) for c in q.codes], THEME_INDEX)

    def lift_general(self, q: Encoded, raw: np.ndarray, cols: np.ndarray) -> None:
        """Raise, in place, the eligible pairs of general offers on one of the need's
        themes in a shared language to :attr:`general_floor` (``MatchConfig.general_offers``)."""
        if self.general_floor is None:
            return
        pos = np.flatnonzero(self.general[cols])
        if not len(pos):
            return
        gcols = cols[pos]
        on_theme = _product(self._asked_subjects(q), self.general_themes[gcols].T) > 0
        sub = raw[:, pos]
        ok = on_theme & ~self.no_shared_language(q, gcols) & (sub > FLOOR)
        raw[:, pos] = np.where(ok, np.maximum(sub, np.float32(self.general_floor)), sub)

    def pair_general(self, q: Encoded, qi: np.ndarray, pj: np.ndarray) -> np.ndarray:
        """For the pairs ``(qi[k], pj[k])``: a general offer on one of the need's themes in
        a shared language (what :meth:`lift_general` raises; eligibility is the caller's)."""
        out = np.zeros(len(qi), dtype=bool)
        if self.general_floor is None or not len(qi):
            return out
        k = np.flatnonzero(self.general[pj])
        if not len(k):
            return out
        asked = self._asked_subjects(q)
        on_theme = (asked[qi[k]] * self.general_themes[pj[k]]).sum(axis=1) > 0
        out[k] = on_theme & ~self.pair_no_shared_language(q, qi[k], pj[k])
        return out

    def audience(self, q: Encoded, cols: np.ndarray) -> np.ndarray:
        """``(requests, cols)``: the audience adjustment of the text part
        (:func:`~search.matching.audiences.audience_adjustment`)."""
        wanted = audience_matrix([c.text_audiences for c in q.codes])
        return audience_adjustment(
            wanted, self.audiences[cols], self.cfg.audience_bonus, self.cfg.audience_penalty
        )

    def received(self, request: Mapping[str, Any]) -> list[int]:
        """Positions of the programmes the request's state already receives."""
        return [] if self.track is None else self.track.received(request.get("country"))

    def no_shared_language(self, q: Encoded, cols: np.ndarray) -> np.ndarray:
        """``(requests, cols)``: both sides state languages and share none."""
        wanted = (q.struct[:, self.language_cols] > 0).astype(np.float32)
        shared = _product(wanted, self.languages[cols].T) > 0
        return wanted.any(axis=1)[:, None] & self.has_language[cols][None, :] & ~shared

    def on_subject(self, q: Encoded, cols: np.ndarray) -> np.ndarray:
        """``(requests, cols)``: the programme's main theme is one the request asks for, and
        it offers one of the support types asked for (if the request names any)."""
        themes, support = _wanted(q)
        theme = _product(themes, self.main_theme[cols].T) > 0
        kind = _product(support, self.support[cols].T) > 0
        return theme & (kind | ~support.any(axis=1)[:, None])

    def pair_on_subject(self, q: Encoded, qi: np.ndarray, pj: np.ndarray) -> np.ndarray:
        """The same for the pairs ``(qi[k], pj[k])``."""
        _, support = _wanted(q)
        kind = (support[qi] * self.support[pj]).sum(axis=1) > 0
        return self.pair_on_theme(q, qi, pj) & (kind | ~support[qi].any(axis=1))

    def pair_on_theme(self, q: Encoded, qi: np.ndarray, pj: np.ndarray) -> np.ndarray:
        """For the pairs ``(qi[k], pj[k])``: the programme's main theme is one the request
        asks for (whatever the support)."""
        themes, _ = _wanted(q)
        return (themes[qi] * self.main_theme[pj]).sum(axis=1) > 0

    def pair_no_shared_language(self, q: Encoded, qi: np.ndarray, pj: np.ndarray) -> np.ndarray:
        """The same for the pairs ``(qi[k], pj[k])``."""
        wanted = q.struct[qi][:, self.language_cols] > 0
        offered = self.languages[pj] > 0
        shared = (wanted & offered).any(axis=1)
        return wanted.any(axis=1) & self.has_language[pj] & ~shared

    def pairs(
        self,
        q: Encoded,
        requests: Sequence[Mapping[str, Any]],
        qi: np.ndarray,
        pj: np.ndarray,
        today: date,
    ) -> dict[str, np.ndarray]:
        """Weighted parts of the pairs ``(requests[qi[k]], programme pj[k])`` by kind."""
        cfg, p = self.cfg, self.enc
        w = cfg.weight_text / self.total
        share = np.where(
            q.keys[qi] == p.keys[pj], cfg.word_share_same_language, cfg.word_share_cross_language
        )
        if len(qi):
            word = np.asarray(q.words[qi].multiply(p.words[pj]).sum(axis=1)).ravel()
        else:
            word = np.zeros(0)
        concept = np.einsum("ij,ij->i", q.concepts[qi], p.concepts[pj])
        text = w * share * word + w * (1.0 - share) * concept
        if cfg.audience_bonus or cfg.audience_penalty:
            wanted = audience_matrix([q.codes[i].text_audiences for i in qi.tolist()])
            offered = self.audiences[pj]
            shared = (wanted * offered).sum(axis=1) > 0
            named = offered.any(axis=1)
            text = text + np.where(
                shared, cfg.audience_bonus, np.where(named, -cfg.audience_penalty, 0.0)
            )
        if self.subjects is not None and cfg.subject_penalty:
            asked = self.subjects.asked(q.concepts, _wanted(q)[0])
            text = text + self.subjects.pair_penalty(asked, qi, pj, cfg.subject_penalty)
        text = np.maximum(text, 0.0)  # the text part, never below 0
        out = {"text": text.astype(np.float32)}
        qs, ps = q.struct[qi], p.struct[pj]
        for kind, seg in self.segments.items():
            out[kind] = np.einsum("ij,ij->i", qs[:, seg], ps[:, seg])
        ci, _ = self.locate(requests)
        c = ci[qi]
        listed = np.zeros(len(qi), dtype=bool)
        known = c >= 0
        if known.any():
            hit = self.rules.countries[c[known], pj[known]]
            listed[np.flatnonzero(known)] = np.asarray(hit).ravel().astype(bool)
        out["region"] = out["region"] + np.where(listed, self.country_weight[pj], 0.0)
        out["freshness"] = self.fresh(today)[pj]
        out["track_record"] = np.zeros(len(qi))
        if self.track is not None:
            regions = [requests[i].get("region") for i in qi.tolist()]
            wanted = [q.codes[i].themes for i in qi.tolist()]
            out["track_record"] = self.track.pairs(regions, wanted, pj)
        return {k: np.asarray(out[k], dtype=np.float64) for k in KINDS}


def code_matrix(codes: Sequence[Sequence[str]], index: Mapping[str, int]) -> np.ndarray:
    """``(records, codes)``: 1 for each code (of ``index``) a record lists."""
    out = np.zeros((len(codes), len(index)), dtype=np.float32)
    for row, found in enumerate(codes):
        for c in found:
            if c in index:
                out[row, index[c]] = 1.0
    return out


def _wanted(q: Encoded) -> tuple[np.ndarray, np.ndarray]:
    """The themes and support types requests ask for (:func:`code_matrix`)."""
    themes = code_matrix([c.themes for c in q.codes], THEME_INDEX)
    return themes, code_matrix([c.support_types for c in q.codes], SUPPORT_INDEX)


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``; a few rows go through numpy's own loop (BLAS threads cost more there)."""
    if a.shape[0] <= SMALL_BLOCK:
        return np.einsum("mk,kn->mn", a, b)
    return a @ b
