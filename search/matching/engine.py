"""The request-to-programme matching engine (see docs/MATCHING.md)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from search.matching import compute, ranking, rules
from search.matching import reasons as why
from search.matching.audiences import for_other_groups
from search.matching.codes import LANGUAGES, infer_codes_from_text
from search.matching.codes import subject_themes as codes_subject_themes
from search.matching.compute import Catalogue
from search.matching.config import MatchConfig
from search.matching.features import DocTerms, Space, record_terms
from search.matching.history import Delivery, History, TrackRecord
from search.matching.model import Match, NeedStatus
from search.matching.ranking import sparse_rows
from search.matching.scoring import Encoded, calibrate, encode
from search.matching.structured import Codes, offered_languages
from search.matching.subjects import Subjects
from search.text.analysis import language_key
from search.text.thesaurus import base_thesaurus

Record = Mapping[str, Any]
#: How many of the best matches :meth:`MatchEngine.best_match_quality` looks at for one
#: that covers the need (stored suggestions keep as many).
NEED_DEPTH = 10
Progress = Callable[[int, int], None]
#: Candidates picked by raw score beyond ``top_k`` per request, so that :func:`list_order`
#: (covering programmes first) can promote a covering programme from just below the cut.
CANDIDATE_MARGIN = 10
#: :meth:`MatchEngine.update` encodes changed programmes against the last fit's vocabulary
#: and word weights; :meth:`MatchEngine.drifted` says a full fit is due when the programmes
#: changed since the fit exceed this share of the catalogue fitted (at least
#: ``REFIT_MIN_CHANGES``) ...
REFIT_CHANGED_SHARE = 0.02
REFIT_MIN_CHANGES = 20
#: ... or when this share of their distinct words and concepts is unknown to the fit.
REFIT_UNSEEN_SHARE = 0.10


class _TermsCache:
    """The analysed text (:func:`record_terms`) of the requests seen last, by text: it
    depends on the text and the configuration only, not on a fit, so an edit's follow-up
    (one programme scored against every open request) analyses only the requests whose
    text changed since. Bounded (least recently used out first)."""

    SIZE = 20_000

    def __init__(self) -> None:
        self._found: OrderedDict[tuple[Any, ...], DocTerms] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, record: Record, cfg: MatchConfig) -> DocTerms:
        key = (
            record.get("title") or "", record.get("description") or "",
            record.get("text_language"), cfg.title_boost, cfg.implied_theme_weight,
            cfg.generic_concept_weight,
        )  # fmt: skip
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        found = record_terms(record, cfg)
        with self._lock:
            self._found[key] = found
            while len(self._found) > self.SIZE:
                self._found.popitem(last=False)
        return found


_TERMS = _TermsCache()


class MatchEngine:
    """Ranks programmes for requests (and requests for a programme).

    ``fit`` builds the vector spaces and programme matrices once; matching then uses one
    sparse and two dense matrix products per block of requests.
    """

    def __init__(self, config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self.fit([])

    def fit(
        self,
        programmes: Iterable[Record],
        statistics: Collection[str] | None = None,
        history: Iterable[Record | Delivery] = (),
    ) -> MatchEngine:
        """Index a programme catalogue (any status: the hard rules apply at match time).

        ``statistics``: ids of the programmes the word and concept weights (IDF) are learnt
        from, e.g. the public ones, so that adding or editing a hidden programme never
        changes the score of a pair others can see (all programmes when None or empty).
        ``history``: initiatives (:class:`~search.matching.history.Delivery` or dicts with
        ``states``, ``regions``, ``themes``, ``work_status``, ``funders``, ``implementers``):
        what a state already receives is not proposed to it, and a provider with a track
        record in the request's region on its theme gets a small boost.
        """
        cfg = self.config
        self._history = History(history)
        self.programmes = sorted(programmes, key=lambda p: str(p["id"]))
        self._pos = {str(p["id"]): i for i, p in enumerate(self.programmes)}
        terms = [record_terms(p, cfg) for p in self.programmes]
        basis = [
            t
            for p, t in zip(self.programmes, terms, strict=True)
            if not statistics or str(p["id"]) in statistics
        ]
        self._words = Space.fit([t.words for t in basis], cfg.max_df)
        self._concepts = Space.fit([t.concepts for t in basis])
        self._named = why.named_concepts(self._concepts.terms)
        self._explainer = why.Explainer(self._words.terms, self._concepts.terms)
        self._explainer.history = self._history or None
        codes = dict.fromkeys(LANGUAGES)
        for p in self.programmes:
            codes.update(dict.fromkeys(offered_languages(p)))
        self._languages = {c: i for i, c in enumerate(codes)}
        enc = self._encode(self.programmes, "programme", terms=terms)
        self._catalogue = self._make_catalogue(enc, self.programmes)
        #: Since the fit: programmes :meth:`update` encoded, their distinct terms, and
        #: how many of those the fit did not know (:meth:`drifted`).
        self.fitted_size = len(self.programmes)
        self.changed_since_fit: set[str] = set()
        self._terms_seen = self._terms_unseen = 0
        return self

    def update(self, changed: Iterable[Record], removed: Collection[str] = ()) -> MatchEngine:
        """Replace, add (``changed``) or drop (``removed`` ids) programmes without a fit:
        only the changed programmes are analysed and encoded, against the vocabulary and
        word weights of the last :meth:`fit` (words it did not know count in a
        programme's norm but match nothing until the next fit). The other programmes keep
        their encodings; the hard rules and history tables are rebuilt from the dicts.
        Scores then differ from a fresh fit's only by the word weights (IDF) the changes
        would have moved, and by the new words; :meth:`drifted` says when to fit again.
        Raises ``ValueError`` when a changed programme is offered in a language the fit
        did not know (its structured features need a fit)."""
        cfg = self.config
        changed = sorted(changed, key=lambda p: str(p["id"]))
        for p in changed:
            if any(code not in self._languages for code in offered_languages(p)):
                raise ValueError("a language unknown to the fit: fit again")
        gone = {str(p["id"]) for p in changed} | {str(i) for i in removed}
        kept = [i for i, p in enumerate(self.programmes) if str(p["id"]) not in gone]
        terms = [record_terms(p, cfg) for p in changed]
        for t in terms:
            for space, found in ((self._words, t.words), (self._concepts, t.concepts)):
                self._terms_seen += len(found)
                self._terms_unseen += sum(
                    1 for w in found if w not in space.vocab and w not in space.dropped
                )
        self.changed_since_fit |= {str(p["id"]) for p in changed} | {str(i) for i in removed}
        new = self._encode(changed, "programme", terms=terms)
        old = self._catalogue.enc
        records = [self.programmes[i] for i in kept] + changed
        order = sorted(range(len(records)), key=lambda k: str(records[k]["id"]))
        index = np.array(order, dtype=np.intp)
        rows = np.array(kept, dtype=np.intp)
        codes = [old.codes[i] for i in kept] + new.codes
        enc = Encoded(
            words=sp.vstack([old.words[rows], new.words], format="csr")[index],
            concepts=np.vstack([old.concepts[rows], new.concepts])[index],
            struct=np.vstack([old.struct[rows], new.struct])[index],
            keys=np.concatenate([old.keys[rows], new.keys])[index],
            codes=[codes[k] for k in order],
            updated=np.concatenate([old.updated[rows], new.updated])[index],
        )
        enc.words.sort_indices()
        self.programmes = [records[k] for k in order]
        self._pos = {str(p["id"]): i for i, p in enumerate(self.programmes)}
        self._catalogue = self._make_catalogue(enc, self.programmes)
        return self

    def drifted(self, more: int = 0) -> bool:
        """Whether a full :meth:`fit` is due: the programmes changed since the fit (plus
        ``more`` about to change) exceed :data:`REFIT_CHANGED_SHARE` of those fitted (at
        least :data:`REFIT_MIN_CHANGES`), or :data:`REFIT_UNSEEN_SHARE` of the distinct
        words and concepts of the changed programmes were unknown to the fit."""
        limit = max(REFIT_MIN_CHANGES, REFIT_CHANGED_SHARE * self.fitted_size)
        if len(self.changed_since_fit) + more > limit:
            return True
        return self._terms_unseen > REFIT_UNSEEN_SHARE * max(self._terms_seen, 1)

    def set_history(self, history: Iterable[Record | Delivery]) -> MatchEngine:
        """Learn from other history (initiatives) without refitting the programmes: the
        encodings and word statistics stay, only what the history rules read is rebuilt."""
        self._history = History(history)
        self._explainer.history = self._history or None
        self._catalogue = self._make_catalogue(self._catalogue.enc, self.programmes)
        return self

    def _encode(self, records: Sequence[Record], side: str, **kw: Any) -> Encoded:
        limit = self.config.max_query_terms if side == "request" else None
        if side == "request" and "terms" not in kw:
            kw["terms"] = [_TERMS.get(r, self.config) for r in records]
        return encode(
            records, self._words, self._concepts, self._languages, self.config,
            side=side, max_terms=limit, **kw,
        )  # fmt: skip

    def _make_catalogue(self, enc: Encoded, programmes: Sequence[Record]) -> Catalogue:
        track = None
        if self._history:
            weight = self.config.weight_track_record / (sum(self.config.weights().values()) or 1)
            owners = [p.get("organisation_id") for p in programmes]
            themes = [c.themes for c in enc.codes]
            support = [c.support_types for c in enc.codes]
            track = TrackRecord(self._history, owners, themes, support, weight)
        subjects = Subjects.build(
            [c.title_concepts for c in enc.codes], self._concepts.vocab, self.config
        )
        general = np.array([bool(p.get("general_offer")) for p in programmes], dtype=bool)
        return Catalogue(
            enc, rules.RuleTable(programmes), self.config, len(self._languages), track, subjects,
            general,
        )  # fmt: skip

    def prepare(self, today: date | None = None) -> MatchEngine:
        """Build the per-region structures for ``today`` now rather than on first use."""
        self._catalogue.prepare(today or date.today())
        return self

    def match_request(
        self,
        request: Record,
        top_k: int = 10,
        today: date | None = None,
        exclude: Collection[str] = frozenset(),
    ) -> list[Match]:
        """The best ``top_k`` offerable, eligible programmes for one request."""
        rid = str(request["id"])
        return self.match_all([request], top_k, today=today, exclude={rid: exclude})[rid]

    def match_all(
        self,
        requests: Sequence[Record],
        top_k: int = 10,
        today: date | None = None,
        progress: Progress | None = None,
        *,
        exclude: Mapping[str, Collection[str]] | None = None,
    ) -> dict[str, list[Match]]:
        """Top matches of every request, computed in blocks of ``config.chunk_size``.

        ``exclude`` maps a request id to programme ids it must not get (declined pairs);
        ``progress(done, total)`` is called after each block.
        """
        return self._scan(requests, top_k, today, progress, exclude, 0, None)[0]

    def match_both(
        self,
        requests: Sequence[Record],
        top_k: int = 10,
        programme_top_k: int = 10,
        today: date | None = None,
        progress: Progress | None = None,
        *,
        exclude: Mapping[str, Collection[str]] | None = None,
        programme_pool: Collection[str] | None = None,
    ) -> tuple[dict[str, list[Match]], dict[str, list[Match]]]:
        """Both directions in one pass over the scores: the best ``top_k`` programmes of
        every request (as :meth:`match_all`) and the best ``programme_top_k`` requests of
        every programme that has any. Only requests in ``programme_pool`` (all when None)
        are ranked for programmes."""
        found = self._scan(
            requests, top_k, today, progress, exclude, programme_top_k, programme_pool
        )
        return found[0], found[1]

    def match_both_light(
        self,
        requests: Sequence[Record],
        top_k: int = 10,
        programme_top_k: int = 10,
        today: date | None = None,
        progress: Progress | None = None,
        *,
        exclude: Mapping[str, Collection[str]] | None = None,
        programme_pool: Collection[str] | None = None,
    ) -> tuple[dict[str, list[Match]], Candidates]:
        """As :meth:`match_both`, but the programme direction comes back as
        :class:`Candidates` (arrays, no reasons): the same pairs, ``ranked`` values, scores
        and flags :meth:`match_both` would return as matches. A caller merging many calls
        (a full refresh) keeps each programme's best without holding reasons for pairs
        that a later call pushes out, then explains the final pairs
        (:meth:`explain_pairs`)."""
        found = self._scan(
            requests, top_k, today, progress, exclude, programme_top_k, programme_pool, True
        )
        return found[0], found[2]

    def _scan(
        self,
        requests: Sequence[Record],
        top_k: int,
        today: date | None,
        progress: Progress | None,
        exclude: Mapping[str, Collection[str]] | None,
        column_k: int,
        pool: Collection[str] | None,
        light: bool = False,
    ) -> tuple[dict[str, list[Match]], dict[str, list[Match]], Candidates]:
        today = today or date.today()
        cat, size = self._catalogue, self.config.chunk_size
        out: dict[str, list[Match]] = {}
        groups: dict[tuple[int, str], list[Record]] = {}
        _, regions = cat.locate(requests)
        for r, region in zip(requests, regions.tolist(), strict=True):
            key = (region, language_key(r.get("text_language")))
            groups.setdefault(key, []).append(r)
        blocks = [
            g[i : i + size] for _, g in sorted(groups.items()) for i in range(0, len(g), size)
        ]
        columns = _ColumnBest(column_k)
        # Encoded blocks kept for the programme direction (not encoded twice); callers
        # bound the memory by how many requests they pass at once.
        encoded: dict[int, Encoded] = {}
        done = 0
        for number, block in enumerate(blocks):
            q = self._encode(block, "request")
            raw, cols = cat.block(q, block, today)
            for i, r in enumerate(block):
                skip = [self._pos.get(p, -1) for p in (exclude or {}).get(str(r["id"]), ())]
                for j in skip + cat.received(r):  # declined, or already received
                    local = int(np.searchsorted(cols, j))
                    if local < len(cols) and cols[local] == j:
                        raw[i, local] = -compute.BIG
            if column_k:
                rows = [i for i, r in enumerate(block) if pool is None or str(r["id"]) in pool]
                columns.add(number, raw, cols, rows)
                if rows:
                    encoded[number] = q
            cat.lift_general(q, raw, cols)  # a request's list only (after the columns)
            wide = top_k + CANDIDATE_MARGIN
            picks = [cols[p] for p in ranking.top_k(raw, wide, floor=compute.FLOOR)]
            del raw
            out.update(
                self._matches(block, q, picks, cat, self.programmes, today, top_k, listing=True)
            )
            done += len(block)
            if progress:
                progress(done, len(requests))
        by_request = {str(r["id"]): out[str(r["id"])] for r in requests}
        by_programme: dict[str, list[Match]] = {}
        if light:
            index = {id(r): n for n, r in enumerate(requests)}
            parts = [
                self._candidates(blocks[number], encoded[number], block_picks, cat, today, index)
                for number, block_picks in columns.picks([len(b) for b in blocks])
            ]
            return by_request, by_programme, Candidates.concat(parts)
        for number, block_picks in columns.picks([len(b) for b in blocks]):
            block = blocks[number]
            q = encoded[number]
            for ms in self._matches(block, q, block_picks, cat, self.programmes, today).values():
                for m in ms:
                    by_programme.setdefault(m.programme_id, []).append(m)
        for pid, found in by_programme.items():
            found.sort(key=lambda m: (-round(ranked(m), 9), m.request_id))
            by_programme[pid] = language_order(found)[:column_k]
        return by_request, by_programme, Candidates.concat([])

    def _candidates(
        self,
        block: Sequence[Record],
        q: Encoded,
        picks: Sequence[np.ndarray],
        cat: Catalogue,
        today: date,
        index: Mapping[int, int],
    ) -> Candidates:
        """The picked pairs of a block as :class:`Candidates`: what :meth:`_matches` gives
        them (raw, ranked value, score, flags), without the reasons."""
        cfg = self.config
        qi = np.repeat(np.arange(len(block)), [len(p) for p in picks])
        pj = np.concatenate(picks) if len(picks) else np.zeros(0, dtype=np.intp)
        parts = cat.pairs(q, block, qi, pj, today)
        raw = sum(parts.values())
        apart = cat.pair_no_shared_language(q, qi, pj)
        subject = cat.pair_on_subject(q, qi, pj)
        penalty = float(compute.LANGUAGE_PENALTY)
        raws = np.asarray(raw, dtype=np.float64).tolist()
        ranked_values = [
            r - (penalty if a and not s else 0.0)
            for r, a, s in zip(raws, apart.tolist(), subject.tolist(), strict=True)
        ]
        cap = cfg.good_threshold * cfg.no_shared_language_cap
        scores, fits = [], []
        for r, i, j, a in zip(raws, qi.tolist(), pj.tolist(), apart.tolist(), strict=True):
            score = calibrate(r, cfg)
            fits.append(on_the_need(score, q.codes[i], cat.enc.codes[j], cfg))
            scores.append(min(score, cap) if a else score)
        rows = np.array([index[id(r)] for r in block], dtype=np.int64)
        return Candidates(
            programme=pj.astype(np.int64),
            request=rows[qi] if len(qi) else np.zeros(0, dtype=np.int64),
            ranked=np.array(ranked_values, dtype=np.float64),
            score=np.array(scores, dtype=np.float64),
            shared=~apart,
            fits=np.array(fits, dtype=bool),
        )

    def programme_refs(self) -> list[str]:
        """The fitted programmes' ids, by catalogue position (:class:`Candidates`)."""
        return [str(p["id"]) for p in self.programmes]

    def explain_pairs(
        self,
        requests: Sequence[Record],
        programme_ids: Sequence[Collection[str]],
        today: date | None = None,
    ) -> list[Match]:
        """Matches with reasons for the pairs ``(requests[i], p)`` for each ``p`` in
        ``programme_ids[i]`` (fitted programmes; a request listed once): the matches
        :meth:`match_both` returns for those pairs."""
        today = today or date.today()
        picks = [
            np.array(sorted(self._pos[p] for p in ids if p in self._pos), dtype=np.intp)
            for ids in programme_ids
        ]
        if not requests or not sum(len(p) for p in picks):
            return []
        q = self._encode(requests, "request")
        found = self._matches(requests, q, picks, self._catalogue, self.programmes, today)
        return [m for ms in found.values() for m in ms]

    def request_scores(
        self, request: Record, today: date | None = None, exclude: Collection[str] = frozenset()
    ) -> dict[str, float]:
        """Calibrated score of one request against every programme it may get, without
        reasons (the cheap first step of an incremental refresh)."""
        today = today or date.today()
        q = self._encode([request], "request")
        raw, cols = self._catalogue.block(q, [request], today)
        if not len(cols):
            return {}
        row = raw[0]
        keep = np.flatnonzero(row > -1.0)
        out = {}
        received = set(self._catalogue.received(request))
        for j, value in zip(cols[keep].tolist(), row[keep].tolist(), strict=True):
            pid = str(self.programmes[j]["id"])
            if pid not in exclude and j not in received:
                out[pid] = calibrate(value, self.config)
        return out

    def programme_scores(
        self,
        programme: Record,
        requests: Sequence[Record],
        today: date | None = None,
        exclude: Collection[str] = frozenset(),
    ) -> dict[str, float]:
        """Calibrated score of one programme for each request it may serve (active,
        eligible, not excluded), without reasons: :meth:`match_programme` explains the few
        that are kept."""
        today = today or date.today()
        if not rules.offerable(programme, today):
            return {}
        inactive = self.config.inactive_request_statuses
        cat = self._make_catalogue(self._encode([programme], "programme"), [programme])
        pool = [
            r
            for r in requests
            if r.get("status") not in inactive
            and str(r["id"]) not in exclude
            and rules.eligible(programme, r)
            and not cat.received(r)
        ]
        if not pool:
            return {}
        q = self._encode(pool, "request")
        n = len(pool)
        parts = cat.pairs(q, pool, np.arange(n), np.zeros(n, dtype=np.intp), today)
        raw = sum(parts.values()).tolist()
        return {str(r["id"]): calibrate(v, self.config) for r, v in zip(pool, raw, strict=True)}

    def explain(
        self, request: Record, programme_ids: Collection[str], today: date | None = None
    ) -> list[Match]:
        """Matches with reasons for one request and these (fitted) programmes, best first."""
        today = today or date.today()
        cols = sorted(self._pos[p] for p in programme_ids if p in self._pos)
        if not cols:
            return []
        q = self._encode([request], "request")
        picks = [np.array(cols, dtype=np.intp)]
        found = self._matches(
            [request], q, picks, self._catalogue, self.programmes, today, listing=True
        )
        return found[str(request["id"])]

    def match_programme(
        self,
        programme: Record,
        requests: Sequence[Record],
        top_k: int = 10,
        today: date | None = None,
        exclude: Collection[str] = frozenset(),
    ) -> list[Match]:
        """The ``top_k`` requests a programme fits best (active, eligible, not excluded)."""
        today = today or date.today()
        if not rules.offerable(programme, today):
            return []
        inactive = self.config.inactive_request_statuses
        cat = self._make_catalogue(self._encode([programme], "programme"), [programme])
        pool = [
            r
            for r in requests
            if r.get("status") not in inactive
            and str(r["id"]) not in exclude
            and rules.eligible(programme, r)
            and not cat.received(r)
        ]
        if not pool:
            return []
        q = self._encode(pool, "request")
        picks = [np.zeros(1, dtype=np.intp) for _ in pool]
        found = self._matches(pool, q, picks, cat, [programme], today)
        matches = [m for ms in found.values() for m in ms]
        matches.sort(key=lambda m: (-round(ranked(m), 9), m.request_id))
        return language_order(matches)[:top_k]

    def best_match_quality(
        self, request: Record, today: date | None = None, exclude: Collection[str] = frozenset()
    ) -> NeedStatus:
        """Best match's score and label; ``unmet`` when no programme covers the need."""
        best = self.match_request(request, NEED_DEPTH, today=today, exclude=exclude)
        return need_status(str(request["id"]), best, self.config)

    def infer_codes(self, request: Record) -> dict[str, list[str]]:
        """Themes / support types suggested by the text and not already on the record."""
        guess = infer_codes_from_text(
            request.get("title") or "",
            request.get("description") or "",
            title_boost=self.config.title_boost,
        )
        return {k: [c for c in v if c not in (request.get(k) or [])] for k, v in guess.items()}

    def _matches(
        self,
        block: Sequence[Record],
        q: Encoded,
        picks: Sequence[np.ndarray],
        cat: Catalogue,
        programmes: Sequence[Record],
        today: date,
        keep: int | None = None,
        *,
        listing: bool = False,
    ) -> dict[str, list[Match]]:
        """Matches for the picked ``(block row, programme column)`` pairs, in list order
        (:func:`list_order`), the best ``keep`` of each row (all when None) with reasons;
        with ``listing`` (a request's list of programmes) only those :func:`worth_listing`."""
        cfg = self.config
        qi = np.repeat(np.arange(len(block)), [len(p) for p in picks])
        pj = np.concatenate(picks) if len(picks) else np.zeros(0, dtype=np.intp)
        parts = cat.pairs(q, block, qi, pj, today)
        raw = sum(parts.values()).tolist()
        apart = cat.pair_no_shared_language(q, qi, pj).tolist()
        subject = cat.pair_on_subject(q, qi, pj).tolist()
        theme = cat.pair_on_theme(q, qi, pj).tolist()
        # general offers rank higher in a request's list only (lift_general)
        general = cat.pair_general(q, qi, pj).tolist() if listing else [False] * len(qi)
        columns = list(zip(*(parts[k].tolist() for k in why.ORDER), strict=True))
        rows: dict[int, list[tuple[int, Match]]] = {i: [] for i in range(len(block))}
        for k, (i, j) in enumerate(zip(qi.tolist(), pj.tolist(), strict=True)):
            score = calibrate(raw[k], cfg)
            fits = on_the_need(score, q.codes[i], cat.enc.codes[j], cfg)
            main = names_main_need(q.codes[i], cat.enc.codes[j], cfg)
            if apart[k]:
                score = min(score, cfg.good_threshold * cfg.no_shared_language_cap)
            rid, pid = str(block[i]["id"]), str(programmes[j]["id"])
            match = Match(rid, pid, score, cfg.quality(score), [], raw[k])
            match.shared_language = not apart[k]
            match.covers = fits and main and not apart[k]
            match.fits_need = fits
            match.names_need = main
            match.on_subject = subject[k]
            match.on_theme = theme[k]
            if general[k] and cat.general_floor is not None:  # (None when there are none)
                match.general, match.rank_floor = True, cat.general_floor
            if not match.covers and match.quality != "weak":
                match.quality = "weak"  # what does not cover the need is never shown as good
            rows[i].append((k, match))
        out: dict[str, list[Match]] = {}
        for i, found in rows.items():
            mine = [m for _, m in found if not listing or worth_listing(m)]
            ordered = list_order(mine, cfg.list_min_score)[:keep]
            kept = {id(m) for m in ordered}
            ctx = None
            for k, match in found:
                if id(match) not in kept:
                    continue
                if ctx is None:
                    words = sparse_rows(q.words, i)
                    ctx = why.RequestContext(block[i], words, q.concepts[i], self._named)
                j = int(pj[k])
                cols, vals = sparse_rows(cat.enc.words, j)
                items = self._explainer.text_items(
                    ctx, (cols.tolist(), vals.tolist()), cat.enc.concepts[j].tolist()
                )
                match.reasons = self._explainer.reasons(
                    ctx,
                    programmes[j],
                    columns[k],
                    match.score,
                    (q.codes[i], cat.enc.codes[j]),
                    items,
                    today,
                )
                if not match.shared_language:  # "Not offered in Spanish" comes first
                    match.reasons.sort(key=lambda r: r.kind != "language")
            out[str(block[i]["id"])] = ordered
        return out


def ranked(match: Match) -> float:
    """The raw score used for ranking: penalised when no language is shared, unless the
    programme's main theme is one the request asks for (``Match.on_subject``); a general
    offer on one of the need's themes at least ``Match.rank_floor``."""
    apart = not match.shared_language and not match.on_subject
    value = match.raw - (float(compute.LANGUAGE_PENALTY) if apart else 0.0)
    return max(value, match.rank_floor)


def worth_listing(match: Match) -> bool:
    """Whether a request's list shows a match at all: a programme offered in none of the
    requester's languages only when it is on the need (``Match.fits_need``) or its main
    theme is one the request asks for (``Match.on_theme``) — on another subject, in a
    language the requester does not work in, it helps no one."""
    return match.shared_language or match.fits_need or match.on_theme


def list_order(matches: Sequence[Match], min_score: float = 0.0) -> list[Match]:
    """A request's matches in the order users see them: first the programmes on the need's
    main theme and support in a shared language (:func:`on_need`); then the other
    programmes in a shared language and those on the need but offered in none of the
    requester's languages (``Match.fits_need``) — and, when nothing is on the need in a
    shared language, those in none of its languages whose main theme and kind of support
    it asks for (``Match.on_subject``) and that score ``min_score`` or more (the least
    score listed), in both cases only when the programme's title names the need's main
    subject (``Match.names_need``: in a shared language it would cover the need); then the
    rest; by :func:`ranked` score within each group (ties by id)."""
    uncovered = not any(on_need(m) for m in matches)

    def group(m: Match) -> int:
        if on_need(m):
            return 0
        near = m.names_need and (
            m.fits_need or (uncovered and m.on_subject and m.score >= min_score)
        )
        return 1 if (m.shared_language or near) else 2

    return sorted(matches, key=lambda m: (group(m), -round(ranked(m), 9), m.programme_id))


def language_order(matches: list[Match]) -> list[Match]:
    """``matches`` (best first) with every programme in none of the requester's languages
    moved after the last programme on the need in a shared language (:func:`on_need`)."""
    last = max((i for i, m in enumerate(matches) if on_need(m)), default=-1)
    head = [m for m in matches[: last + 1] if m.shared_language]
    moved = [m for m in matches[: last + 1] if not m.shared_language]
    return head + moved + matches[last + 1 :]


def on_need(match: Match) -> bool:
    """On the need's main theme and support in a shared language (lists put it first)."""
    return match.fits_need and match.shared_language


@lru_cache(maxsize=1)
def _concept_codes() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """``{concept id: (themes, support types)}`` of the shared thesaurus."""
    return {
        cid: (frozenset(c.themes), frozenset(c.support_types))
        for cid, c in base_thesaurus().concepts.items()
    }


def main_concepts(named: Collection[str], cfg: MatchConfig) -> frozenset[str]:
    """The concepts of a request's title that say its main need: its subjects (not a kind of
    support, not one of ``cover_broad_concepts``, e.g. "cybersecurity"); when it names
    none, the kinds of support it names ("training", "equipment")."""
    info = _concept_codes()
    support_only = {c for c in named if _support_only(c, info)}
    subjects = {c for c in named if c not in support_only and c not in cfg.cover_broad_concepts}
    return frozenset(subjects or support_only)


def _support_only(cid: str, info: Mapping[str, tuple[frozenset[str], frozenset[str]]]) -> bool:
    themes, support = info.get(cid, _NO_CODES)
    return bool(support) and not themes


def names_main_need(wanted: Codes, offered: Codes, cfg: MatchConfig) -> bool:
    """Whether the programme's title is about the request's main need (0
    ``cover_title_concepts`` turns this off):

    * it names ``cover_title_concepts`` of the request title's :func:`main_concepts` (all
      of them if there are fewer; true when there are none), or the theme of one ("incident
      response" for a need for a CSIRT) — or, with ``cover_same_group``, it names a group
      the request's title names (``search.matching.audiences``: "Online safety in schools"
      for "Cyber hygiene lessons in secondary schools", a forensics laboratory "for law
      enforcement" for a cybercrime unit), the theme, support and score rules saying the
      rest;
    * when it names kinds of support (a "drill", a "course"), one of them is asked for by
      the request (its support types, and those its title names, if any): a drill does
      not meet a training need on the same subject;
    * when the programme's main theme is not one the request asks for, its title names no
      subject of another theme that the request's title does not name either
      (:func:`_about_another_subject`).

    A request with neither themes (not even suggested ones) nor main concepts says nothing
    a programme could be shown to cover. When its themes are suggested from text and its
    title names no subject, one of them must be the programme's main (first) theme:
    ``cover_theme_rank_inferred`` lets it be the second because suggestions miss themes,
    and only a title naming the subject confirms such a programme is on it."""
    if not cfg.cover_title_concepts:
        return True
    info = _concept_codes()
    named = offered.title_concepts
    main = main_concepts(wanted.title_concepts, cfg)
    if not main and not wanted.themes:
        return False  # nothing says what the need is about: nothing shown to cover it
    found = sum(1 for c in main if c in named or named & info.get(c, _NO_CODES)[0])
    for_the_group = cfg.cover_same_group and offered.title_audiences & wanted.title_audiences
    if not for_the_group and found < min(cfg.cover_title_concepts, len(main)):
        return False
    # no subject in the title to confirm a suggested theme the programme lists second
    unconfirmed = wanted.inferred_themes and all(_support_only(c, info) for c in main)
    first = subject_themes(offered.themes, cfg)[:1]
    if unconfirmed and (not first or first[0] not in wanted.themes):
        return False
    if _about_another_subject(wanted, offered, cfg, info):
        return False
    kinds = _kinds(named, info)
    if not kinds:
        return True
    if wanted.support_types and not kinds & set(wanted.support_types):
        return False
    asked = _kinds(wanted.title_concepts, info)
    return not asked or bool(kinds & asked)


_NO_CODES: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def _about_another_subject(
    wanted: Codes,
    offered: Codes,
    cfg: MatchConfig,
    info: Mapping[str, tuple[frozenset[str], frozenset[str]]],
) -> bool:
    """Whether a programme whose main theme the request does not ask for (it is on the
    need through a later theme) names in its title a subject of another theme, which the
    request's title does not name: "Secure points of contact for cybercrime cooperation"
    is about cybercrime, not the points of contact for confidence-building measures a
    need asks for."""
    main = subject_themes(offered.themes, cfg)
    asked = set(wanted.themes)
    if main and main[0] in asked:
        return False
    for c in main_concepts(offered.title_concepts, cfg):
        themes = info.get(c, _NO_CODES)[0]
        if themes and c not in wanted.title_concepts and not themes & asked:
            return True
    return False


def _kinds(
    named: Collection[str], info: Mapping[str, tuple[frozenset[str], frozenset[str]]]
) -> frozenset[str]:
    """The kinds of support a title names through concepts that are only a kind of support
    ("course", "drill"; not "cybercrime legislation", a subject)."""
    found = (info.get(c, _NO_CODES) for c in named)
    return frozenset().union(*(support for themes, support in found if not themes))


def covers_need(score: float, wanted: Codes, offered: Codes, cfg: MatchConfig) -> bool:
    """Whether a programme scoring ``score`` (uncapped) is on the request's main need:
    its score, its main theme and the support asked for (see ``MatchConfig.cover_*``),
    languages and concepts apart — it *covers* the need (``Match.covers``) when it also
    shares a language and :func:`names_main_need`. Every match is already eligible and
    available."""
    inferred = wanted.inferred_themes
    min_score = cfg.cover_min_score_inferred if inferred else cfg.cover_min_score
    if score < min_score:
        return False
    if wanted.themes:
        limit = cfg.cover_theme_rank_inferred if inferred else cfg.cover_theme_rank
        main = subject_themes(offered.themes, cfg)
        ranks = [main.index(t) for t in wanted.themes if t in main]
        if not ranks or min(ranks) > limit:
            return False
    needs_support = cfg.cover_needs_support_inferred if inferred else cfg.cover_needs_support
    if needs_support and wanted.support_types:
        return any(s in offered.support_types for s in wanted.support_types)
    return True


def subject_themes(themes: Sequence[str], cfg: MatchConfig) -> list[str]:
    """A programme's themes in order without those that only say whom it is for
    (``cover_audience_themes``; :func:`search.matching.codes.subject_themes`)."""
    return codes_subject_themes(themes, cfg.cover_audience_themes)


def on_the_need(score: float, wanted: Codes, offered: Codes, cfg: MatchConfig) -> bool:
    """``Match.fits_need``: :func:`covers_need`, and the programme is not for other groups
    than those the need names (:func:`~search.matching.audiences.for_other_groups`: a
    school lesson kit is not on an SME awareness need, whatever its codes)."""
    return covers_need(score, wanted, offered, cfg) and not for_other_groups(wanted, offered)


def covers(match: Match, wanted: Codes, offered: Codes, cfg: MatchConfig) -> bool:
    """Whether the programme covers the request's main need in a shared language."""
    return (
        match.shared_language
        and on_the_need(match.score, wanted, offered, cfg)
        and names_main_need(wanted, offered, cfg)
    )


@dataclass
class Candidates:
    """Pairs of the programme direction without reasons, as parallel arrays:
    ``programme`` (catalogue positions, :meth:`MatchEngine.programme_refs`), ``request``
    (positions in the requests passed), ``ranked`` (:func:`ranked`), ``score`` (the
    calibrated score as stored), ``shared`` (:attr:`Match.shared_language`) and ``fits``
    (:attr:`Match.fits_need`)."""

    programme: np.ndarray
    request: np.ndarray
    ranked: np.ndarray
    score: np.ndarray
    shared: np.ndarray
    fits: np.ndarray

    def __len__(self) -> int:
        return len(self.programme)

    @classmethod
    def concat(cls, parts: Sequence[Candidates]) -> Candidates:
        if not parts:
            ints, floats = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
            flags = np.zeros(0, dtype=bool)
            return cls(ints, ints.copy(), floats, floats.copy(), flags, flags.copy())
        return cls(
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in ("programme", "request", "ranked", "score", "shared", "fits")
            )
        )


class _ColumnBest:
    """Per programme (column), the best ``k`` request rows seen over all blocks."""

    #: Entries held before they are cut to each column's best ``k`` so far (the cut keeps
    #: what :meth:`picks` would choose: the memory of a pass no longer grows with its blocks).
    COMPACT_AT = 2_000_000

    def __init__(self, k: int) -> None:
        self.k = k
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.held = 0

    def add(self, number: int, raw: np.ndarray, cols: np.ndarray, rows: list[int]) -> None:
        """Keep each column's best ``k`` of ``rows`` in block ``number`` (scores > -1)."""
        if not rows or not len(cols):
            return
        sub = np.ascontiguousarray(raw[rows].T)
        best = ranking.top_k(sub, self.k, floor=compute.FLOOR)
        counts = [len(b) for b in best]
        if not sum(counts):
            return
        local = np.concatenate(best)
        col = np.repeat(np.arange(len(cols)), counts)
        values = sub[col, local]
        row = np.asarray(rows, dtype=np.intp)[local]
        self.parts.append((np.full(len(row), number), row, cols[col], values))
        self.held += len(row)
        if self.held > self.COMPACT_AT and len(self.parts) > 1:
            self.parts = [self._best()]
            self.held = len(self.parts[0][0])

    def _best(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each column's best ``k`` entries of all parts, in :meth:`picks`' order."""
        block, row, col, value = (np.concatenate(x) for x in zip(*self.parts, strict=True))
        order = np.lexsort((block, row, -value, col))
        ordered = col[order]
        rank = np.arange(len(order)) - np.searchsorted(ordered, ordered, side="left")
        keep = order[rank < self.k]
        return block[keep], row[keep], col[keep], value[keep]

    def picks(self, sizes: Sequence[int]) -> list[tuple[int, list[np.ndarray]]]:
        """``(block number, programme columns per row)`` for each column's overall best
        ``k``; ``sizes`` are the blocks' row counts."""
        if not self.parts:
            return []
        block, row, col, _ = self._best()
        self.parts = []
        chosen: dict[int, list[list[int]]] = {}
        for b, r, c in zip(block.tolist(), row.tolist(), col.tolist(), strict=True):
            chosen.setdefault(b, [[] for _ in range(sizes[b])])[r].append(c)
        return [
            (b, [np.array(sorted(cs), dtype=np.intp) for cs in rows]) for b, rows in chosen.items()
        ]


def need_status(request_id: str, best: Sequence[Match], cfg: MatchConfig) -> NeedStatus:
    """Summarise a request's best matches (sorted, possibly empty): unmet when none covers
    the need."""
    if not best:
        return NeedStatus(request_id, 0.0, "none", True, None)
    top = best[0]
    covering = next((m for m in best if m.covers), None)
    shown = covering or top
    return NeedStatus(request_id, top.score, top.quality, covering is None, shown.programme_id)
