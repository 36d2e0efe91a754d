"""The request-to-programme matching engine (see docs/MATCHING.md)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

from search.matching import compute, ranking, rules
from search.matching import reasons as why
from search.matching.codes import LANGUAGES, infer_codes_from_text
from search.matching.compute import Catalogue
from search.matching.config import MatchConfig
from search.matching.features import Space, record_terms
from search.matching.history import Delivery, History, TrackRecord
from search.matching.model import Match, NeedStatus
from search.matching.ranking import sparse_rows
from search.matching.scoring import Encoded, calibrate, encode
from search.matching.structured import Codes, offered_languages
from search.text.analysis import language_key

Record = Mapping[str, Any]
#: How many of the best matches :meth:`MatchEngine.best_match_quality` looks at for one
#: that covers the need (stored suggestions keep as many).
NEED_DEPTH = 10
Progress = Callable[[int, int], None]
#: Candidates picked by raw score beyond ``top_k`` per request, so that :func:`list_order`
#: (covering programmes first) can promote a covering programme from just below the cut.
CANDIDATE_MARGIN = 10


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
        return self

    def set_history(self, history: Iterable[Record | Delivery]) -> MatchEngine:
        """Learn from other history (initiatives) without refitting the programmes: the
        encodings and word statistics stay, only what the history rules read is rebuilt."""
        self._history = History(history)
        self._explainer.history = self._history or None
        self._catalogue = self._make_catalogue(self._catalogue.enc, self.programmes)
        return self

    def _encode(self, records: Sequence[Record], side: str, **kw: Any) -> Encoded:
        limit = self.config.max_query_terms if side == "request" else None
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
        return Catalogue(enc, rules.RuleTable(programmes), self.config, len(self._languages), track)

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
        return self._scan(
            requests, top_k, today, progress, exclude, programme_top_k, programme_pool
        )

    def _scan(
        self,
        requests: Sequence[Record],
        top_k: int,
        today: date | None,
        progress: Progress | None,
        exclude: Mapping[str, Collection[str]] | None,
        column_k: int,
        pool: Collection[str] | None,
    ) -> tuple[dict[str, list[Match]], dict[str, list[Match]]]:
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
            wide = top_k + CANDIDATE_MARGIN
            picks = [cols[p] for p in ranking.top_k(raw, wide, floor=compute.FLOOR)]
            if column_k:
                rows = [i for i, r in enumerate(block) if pool is None or str(r["id"]) in pool]
                columns.add(number, raw, cols, rows)
                if rows:
                    encoded[number] = q
            del raw
            out.update(self._matches(block, q, picks, cat, self.programmes, today, top_k))
            done += len(block)
            if progress:
                progress(done, len(requests))
        by_request = {str(r["id"]): out[str(r["id"])] for r in requests}
        by_programme: dict[str, list[Match]] = {}
        for number, block_picks in columns.picks([len(b) for b in blocks]):
            block = blocks[number]
            q = encoded[number]
            for ms in self._matches(block, q, block_picks, cat, self.programmes, today).values():
                for m in ms:
                    by_programme.setdefault(m.programme_id, []).append(m)
        for pid, found in by_programme.items():
            found.sort(key=lambda m: (-round(ranked(m), 9), m.request_id))
            by_programme[pid] = language_order(found)[:column_k]
        return by_request, by_programme

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
        found = self._matches([request], q, picks, self._catalogue, self.programmes, today)
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
    ) -> dict[str, list[Match]]:
        """Matches for the picked ``(block row, programme column)`` pairs, in list order
        (:func:`list_order`), the best ``keep`` of each row (all when None) with reasons."""
        cfg = self.config
        qi = np.repeat(np.arange(len(block)), [len(p) for p in picks])
        pj = np.concatenate(picks) if len(picks) else np.zeros(0, dtype=np.intp)
        parts = cat.pairs(q, block, qi, pj, today)
        raw = sum(parts.values()).tolist()
        apart = cat.pair_no_shared_language(q, qi, pj).tolist()
        subject = cat.pair_on_subject(q, qi, pj).tolist()
        columns = list(zip(*(parts[k].tolist() for k in why.ORDER), strict=True))
        rows: dict[int, list[tuple[int, Match]]] = {i: [] for i in range(len(block))}
        for k, (i, j) in enumerate(zip(qi.tolist(), pj.tolist(), strict=True)):
            score = calibrate(raw[k], cfg)
            fits = covers_need(score, q.codes[i], cat.enc.codes[j], cfg)
            main = names_main_need(q.codes[i], cat.enc.codes[j], cfg)
            if apart[k]:
                score = min(score, cfg.good_threshold * cfg.no_shared_language_cap)
            rid, pid = str(block[i]["id"]), str(programmes[j]["id"])
            match = Match(rid, pid, score, cfg.quality(score), [], raw[k])
            match.shared_language = not apart[k]
            match.covers = fits and main and not apart[k]
            match.fits_need = fits
            match.on_subject = subject[k]
            if not match.covers and match.quality != "weak":
                match.quality = "weak"  # what does not cover the need is never shown as good
            rows[i].append((k, match))
        out: dict[str, list[Match]] = {}
        for i, found in rows.items():
            ordered = list_order([m for _, m in found], cfg.list_min_score)[:keep]
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
    programme's main theme is one the request asks for (``Match.on_subject``)."""
    apart = not match.shared_language and not match.on_subject
    return match.raw - (float(compute.LANGUAGE_PENALTY) if apart else 0.0)


def list_order(matches: Sequence[Match], min_score: float = 0.0) -> list[Match]:
    """A request's matches in the order users see them: first the programmes on the need's
    main theme and support in a shared language (:func:`on_need`); then the other
    programmes in a shared language and those on the need but offered in none of the
    requester's languages (``Match.fits_need``) — and, when nothing is on the need in a
    shared language, those in none of its languages whose main theme and kind of support
    it asks for (``Match.on_subject``) and that score ``min_score`` or more (the least
    score listed); then the rest; by :func:`ranked` score within each group (ties by id)."""
    uncovered = not any(on_need(m) for m in matches)

    def group(m: Match) -> int:
        if on_need(m):
            return 0
        near = m.fits_need or (uncovered and m.on_subject and m.score >= min_score)
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


def names_main_need(wanted: Codes, offered: Codes, cfg: MatchConfig) -> bool:
    """Whether the programme's title names ``cover_title_concepts`` of the thesaurus
    concepts of the request's title (all of them if it names fewer; true when it names
    none): the main offer is about the main need."""
    main = wanted.title_concepts
    if not cfg.cover_title_concepts or not main:
        return True
    return len(main & offered.title_concepts) >= min(cfg.cover_title_concepts, len(main))


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
        ranks = [offered.themes.index(t) for t in wanted.themes if t in offered.themes]
        if not ranks or min(ranks) > limit:
            return False
    needs_support = cfg.cover_needs_support_inferred if inferred else cfg.cover_needs_support
    if needs_support and wanted.support_types:
        return any(s in offered.support_types for s in wanted.support_types)
    return True


def covers(match: Match, wanted: Codes, offered: Codes, cfg: MatchConfig) -> bool:
    """Whether the programme covers the request's main need in a shared language."""
    return (
        match.shared_language
        and covers_need(match.score, wanted, offered, cfg)
        and names_main_need(wanted, offered, cfg)
    )


class _ColumnBest:
    """Per programme (column), the best ``k`` request rows seen over all blocks."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

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

    def picks(self, sizes: Sequence[int]) -> list[tuple[int, list[np.ndarray]]]:
        """``(block number, programme columns per row)`` for each column's overall best
        ``k``; ``sizes`` are the blocks' row counts."""
        if not self.parts:
            return []
        block, row, col, value = (np.concatenate(x) for x in zip(*self.parts, strict=True))
        order = np.lexsort((block, row, -value, col))
        ordered = col[order]
        rank = np.arange(len(order)) - np.searchsorted(ordered, ordered, side="left")
        keep = order[rank < self.k]
        chosen: dict[int, list[list[int]]] = {}
        for b, r, c in zip(
            block[keep].tolist(), row[keep].tolist(), col[keep].tolist(), strict=True
        ):
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
