"""The app's side of matching: stored suggestions in both directions, and how they stay
current.

Pages never run the engine. They read ``match_suggestions``: each live request's best
programmes (``side="request"``) and each open programme's best open requests
(``side="programme"``), filtered for the viewer at read time (see :mod:`kb.matching.queries`).

Writing them is the refresher's job: ``flask match refresh`` (everything, one pass over the
scores for both directions) and, after each commit, the ``match.refresh`` job for the
records the commit changed (see :meth:`MatchService.refresh_records` for what a change can
affect). The refresher keeps a fitted engine per process and refits it when the programme
catalogue changed (a cheap signature query tells).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import joinedload

from kb import access
from kb.catalogue import listed as listed_codes
from kb.directory import counts as directory_counts
from kb.extensions import db
from kb.matching import aggregates, pending, state_map
from kb.matching.documents import initiative_dict, programme_dict, request_dict
from kb.matching.queries import BEST_PER_REQUEST, OVERVIEW_STAMP
from kb.models import Country, MatchNeed, MatchSuggestion, Programme, Request
from kb.models import Match as MatchCase
from kb.models.initiative import Initiative
from kb.models.types import utcnow
from kb.reports import counts as report_counts
from kb.stamps import stamp
from search.matching import Match, MatchConfig, MatchEngine
from search.matching.engine import Candidates

#: Programmes listed for a request; requests listed for a programme.
TOP_K = 10
#: Rows kept per programme: the spare ones stand in when a request leaves the list between
#: two full refreshes (an incremental refresh can drop a request, not find the next one).
PROGRAMME_KEEP = 15
#: Requests whose page shows matches (drafts too: their owner sees what would fit).
LISTED_REQUEST_STATUSES = ("draft", "submitted", "open", "matched", "in_progress")
#: Requests offered to programmes.
OPEN_REQUEST_STATUSES = ("open", "matched")
REQUEST, PROGRAMME = "request", "programme"
#: Requests matched per step of a full or bulk refresh: a step holds their records, scores
#: and reasons, so the refresher's memory is bounded by this, not by the catalogue.
REFRESH_CHUNK = 2000
#: From this many requests to relist on, they are matched in chunks of :data:`REFRESH_CHUNK`
#: (one pass of the engine per chunk, both directions) rather than one by one.
BULK_FROM = 50
#: From this many changed programmes on, one full refresh: each changed programme can enter
#: any request's list, and scoring them one by one against every open request costs more.
FULL_REFRESH_PROGRAMMES = 50

Ref = tuple[str, int]


class MatchService:
    #: Who sees which record, read once per refresh (see :class:`_Levels`).
    levels: _Levels

    def __init__(self, config: MatchConfig) -> None:
        self.config = config
        self._engine: MatchEngine | None = None
        #: ``updated_at`` of each programme the engine holds (what changed since).
        self._stamps: dict[int, Any] = {}
        #: Full fits and incremental updates so far (tests and benchmarks read them).
        self.fits = self.updates = 0
        self._signature: tuple[Any, ...] | None = None
        self._history_signature: tuple[Any, ...] | None = None
        self._text_only = MatchEngine(config)  # infer_codes reads the text alone: no fit

    def _current_signature(self) -> tuple[Any, ...]:
        row = db.session.execute(
            select(func.count(Programme.id), func.max(Programme.updated_at), func.sum(Programme.id))
        ).one()
        return tuple(row)

    def _current_history_signature(self) -> tuple[Any, ...]:
        row = db.session.execute(
            select(
                func.count(Initiative.id), func.max(Initiative.updated_at), func.sum(Initiative.id)
            )
        ).one()
        return tuple(row)

    def engine(self, refit: bool = False) -> MatchEngine:
        """The engine for the current programme catalogue. For the refresher only: pages
        read stored rows.

        A full fit (every programme analysed, vocabulary and word weights learnt) happens
        on first use, with ``refit`` (``flask match refresh``, the nightly job), and when
        the changes since the last fit have drifted from it (``MatchEngine.drifted``: more
        than 2 % of the programmes, at least 20, or 10 % of their words unknown to the fit).
        Otherwise only the programmes changed since (a newer ``updated_at``, new or gone)
        are encoded against the last fit (``MatchEngine.update``). When only the
        initiatives changed, it learns the new history without either."""
        signature = self._current_signature()
        history_signature = self._current_history_signature()
        if self._engine is None or refit:
            self._fit()
        elif signature != self._signature:
            self._catch_up()
        elif history_signature != self._history_signature:
            self._engine.set_history(_history())
        self._signature, self._history_signature = signature, history_signature
        assert self._engine is not None
        return self._engine

    def _fit(self) -> None:
        self._stamps = dict(db.session.execute(select(Programme.id, Programme.updated_at)).all())
        # Read 2,000 at a time: only the engine's dicts are kept, not every ORM record.
        records, public = [], set()
        for p in db.session.scalars(
            select(Programme)
            .options(joinedload(Programme.organisation))
            .execution_options(yield_per=REFRESH_CHUNK)
        ):
            records.append(programme_dict(p))
            # Word statistics from public programmes only: a hidden programme never
            # changes the score of a pair others can see.
            if access.can_view(None, p):
                public.add(p.ref)
        self._engine = MatchEngine(self.config).fit(records, statistics=public, history=_history())
        self.fits += 1

    def _catch_up(self) -> None:
        """Encode the programmes changed since the engine last saw the catalogue."""
        assert self._engine is not None
        current = dict(db.session.execute(select(Programme.id, Programme.updated_at)).all())
        changed = sorted(i for i, at in current.items() if self._stamps.get(i) != at)
        removed = [i for i in self._stamps if i not in current]
        if self._engine.drifted(len(changed) + len(removed)):
            self._fit()
            return
        records = db.session.scalars(
            select(Programme)
            .where(Programme.id.in_(changed))
            .options(joinedload(Programme.organisation))
        ).all()
        try:
            self._engine.update(
                [programme_dict(p) for p in records], [f"programme:{i}" for i in removed]
            )
        except ValueError:  # a language the fit did not know
            self._fit()
            return
        if self._current_history_signature() != self._history_signature:
            self._engine.set_history(_history())
        self._stamps = current
        self.updates += 1

    def infer_codes(self, request: Request) -> dict[str, list[str]]:
        """Themes / support types the text suggests (text only: cheap, no fitted engine)."""
        return self._text_only.infer_codes(request_dict(request))

    # -- writing stored suggestions ----------------------------------------------------------

    def refresh(
        self,
        request_ids: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
        changed: tuple[set[int], set[int]] | None = None,
        refit: bool = True,
    ) -> int:
        """Recompute stored suggestions: everything when ``request_ids`` is None (both
        directions, and the supply-and-demand aggregates), else those requests' lists.
        ``changed`` (request ids, programme ids): only those records changed (many
        programmes: every list is recomputed, but the stored facts only of those records,
        and the map's figures of every request, whose best scores may have moved).
        A refresh of everything fits the engine afresh (``refit``: unless the caller just
        did); with ``changed`` the engine only catches up (:meth:`engine`)."""
        if request_ids is not None:
            refs = [(REQUEST, i) for i in request_ids]
            self.refresh_records(refs)
            return len(refs)
        # every list: every change committed by now is in them (its caller clears its own)
        covered = pending.claim() if changed is None else []
        engine = self.engine(refit=refit and changed is None)
        db.session.execute(delete(MatchSuggestion))
        db.session.execute(delete(MatchNeed))
        today, now, self.levels = date.today(), utcnow(), _Levels()
        ids = list(
            db.session.scalars(
                select(Request.id)
                .where(Request.status.in_(LISTED_REQUEST_STATUSES))
                .order_by(Request.id)
            )
        )
        best = _ProgrammeTop(engine, ids)
        self._match_chunks(engine, ids, set(ids), best, today, now, progress, fresh=True)
        open_programmes = set(
            db.session.scalars(select(Programme.id).where(Programme.status == "open"))
        )
        request_ids, programme_ids, ranks = best.ranked_pairs(open_programmes)
        del best
        _explain_rows(engine, request_ids, programme_ids, ranks, today, now, self.levels)
        if changed is None:
            aggregates.rebuild()
            report_counts.rebuild()
            directory_counts.rebuild()
            listed_codes.rebuild()
            state_map.rebuild(self.config.unmet_threshold)
        else:
            self._update_facts(changed[0], changed[1], set(ids) | changed[0])
        stamp(OVERVIEW_STAMP)
        pending.clear(covered)
        _planner_statistics()
        return len(ids)

    def _match_chunks(
        self,
        engine: MatchEngine,
        ids: list[int],
        movers: set[int],
        best: _ProgrammeTop,
        today: date,
        now: datetime,
        progress: Callable[[int, int], None] | None = None,
        fresh: bool = False,
    ) -> None:
        """Store the lists of programmes of requests ``ids`` (their old rows go, unless
        ``fresh``: none are stored), :data:`REFRESH_CHUNK` at a time, each chunk written
        before the next is matched; collect in ``best`` (scores and flags, no reasons) the
        open ones among ``movers`` that each programme's list could take."""
        for start in range(0, len(ids), REFRESH_CHUNK):
            chunk = ids[start : start + REFRESH_CHUNK]
            if not fresh:
                db.session.execute(
                    delete(MatchSuggestion).where(
                        MatchSuggestion.side == REQUEST, MatchSuggestion.request_id.in_(chunk)
                    )
                )
                db.session.execute(delete(MatchNeed).where(MatchNeed.request_id.in_(chunk)))
            live = [r for r in _load_requests(chunk) if r.status in LISTED_REQUEST_STATUSES]
            declined = _declined_by_request([r.id for r in live])
            pool = {r.ref for r in live if r.status in OPEN_REQUEST_STATUSES and r.id in movers}
            by_request, by_programme = engine.match_both_light(
                [request_dict(r) for r in live],
                TOP_K,
                PROGRAMME_KEEP,
                today=today,
                exclude={r.ref: declined.get(r.id, set()) for r in live},
                programme_pool=pool,
            )
            rows = [
                _row(REQUEST, rank, m, now, self.levels)
                for found in by_request.values()
                for rank, m in enumerate(found, start=1)
            ]
            _mark_overview(rows)
            _insert(rows)
            _write_needs([r.id for r in live], rows, self.levels)
            best.add(by_programme, [r.id for r in live])
            del live, by_request, by_programme, rows
            if progress:
                progress(min(start + REFRESH_CHUNK, len(ids)), len(ids))

    def refresh_records(self, refs: Iterable[Ref], states: Iterable[str] | None = None) -> None:
        """Bring stored rows up to date after these records changed (see
        :meth:`_refresh_records`); their pending marks (:mod:`kb.matching.pending`) go in the
        same transaction as the new lists."""
        refs = list(refs)
        covered = pending.claim(refs)  # before the records are read
        self._refresh_records(refs, states)
        pending.clear(covered)

    def _refresh_records(self, refs: Iterable[Ref], states: Iterable[str] | None = None) -> None:
        """Bring stored rows up to date after these records changed (and only those rows a
        change can affect):

        * a changed request: its list of programmes again; then its score against every
          programme (no reasons), and it joins each programme list whose last row it now
          beats (it first leaves every list it was in);
        * a changed programme: its list of requests again, and the lists of programmes of
          the requests it now beats the last row of, or was in;
        * a match case (a declined pair): the request's list;
        * an initiative (matching history, ``search.matching.history``): the requests of
          ``states`` (its beneficiary states before and after the change: what a state
          already receives) and of their regional groups (a provider's track record there),
          as if they had changed. Without ``states`` (not known), every list.

        The supply-and-demand aggregates and the world map's figures per state are updated
        for the changed records.
        """
        changed, programme_ids, history = set(), set(), False
        for kind, record_id in refs:
            if kind == REQUEST:
                changed.add(record_id)
            elif kind == PROGRAMME:
                programme_ids.add(record_id)
            elif kind == "match":
                case = db.session.get(MatchCase, record_id)
                if case is not None:
                    changed.add(case.request_id)
            elif kind == "initiative":
                history = True
        if history and states is None:
            self.refresh(changed=(changed, programme_ids))
            return
        moved = changed | (_requests_in_groups_of(states) if history and states else set())
        if not moved and not programme_ids:
            return
        if len(programme_ids) >= FULL_REFRESH_PROGRAMMES:
            self.refresh(changed=(changed, programme_ids))
            return
        # Fit (when the catalogue changed) before the first write: on SQLite a write holds
        # the database lock until the commit, and a fit takes seconds at 10k programmes.
        engine = self.engine()
        today, now = date.today(), utcnow()
        self.levels = _Levels()
        relisted = set(moved)
        self._open_requests: dict[str, dict[str, Any]] | None = None
        for programme_id in sorted(programme_ids):
            relisted |= self._refresh_programme(engine, programme_id, today, now)
        self._open_requests = None
        if len(relisted) >= BULK_FROM:
            self._refresh_in_chunks(engine, sorted(relisted), moved, today, now)
        else:
            self._refresh_one_by_one(engine, relisted, moved, today, now)
        self._update_facts(changed, programme_ids, relisted)

    def _update_facts(
        self, request_ids: set[int], programme_ids: set[int], relisted: set[int]
    ) -> None:
        """The stored facts of the changed records (supply and demand, the landscape's
        counts, the directory's counts, the map), and the map's figures of the requests whose
        best scores moved, :data:`REFRESH_CHUNK` records at a time."""
        threshold = self.config.unmet_threshold
        for part in _chunks(sorted(request_ids)):
            aggregates.update_records(part, [])
            report_counts.update_records(part, [])
            directory_counts.update_records(part, [])
        for part in _chunks(sorted(programme_ids)):
            aggregates.update_records([], part)
            report_counts.update_records([], part)
            directory_counts.update_records([], part)
            state_map.update_records([], part, threshold)
        for part in _chunks(sorted(relisted)):
            state_map.update_records(part, [], threshold)

    def _refresh_in_chunks(
        self, engine: MatchEngine, relisted: list[int], changed: set[int], today: date,
        now: datetime,
    ) -> None:  # fmt: skip
        """Many requests to relist (an import): their lists in chunks, and the changed ones
        leave every programme list and enter those whose last row they beat."""
        for part in _chunks(sorted(changed)):
            db.session.execute(
                delete(MatchSuggestion).where(
                    MatchSuggestion.side == PROGRAMME, MatchSuggestion.request_id.in_(part)
                )
            )
        best = _ProgrammeTop(engine, relisted)
        self._match_chunks(engine, relisted, changed, best, today, now)
        best.merge_into_stored(engine, today, now, self.levels)

    def _refresh_one_by_one(
        self, engine: MatchEngine, relisted: set[int], changed: set[int], today: date,
        now: datetime,
    ) -> None:  # fmt: skip
        requests = _load_requests(relisted)
        db.session.execute(
            delete(MatchSuggestion).where(
                MatchSuggestion.side == REQUEST, MatchSuggestion.request_id.in_(relisted)
            )
        )
        self._list_programmes(engine, requests, today, now)
        moved = [r for r in requests if r.id in changed]
        if moved:
            db.session.execute(
                delete(MatchSuggestion).where(
                    MatchSuggestion.side == PROGRAMME,
                    MatchSuggestion.request_id.in_([r.id for r in moved]),
                )
            )
            lists = _ProgrammeLists()
            for request in moved:
                if request.status in OPEN_REQUEST_STATUSES:
                    self._join_programme_lists(engine, request, lists, today, now)

    def _list_programmes(
        self, engine: MatchEngine, requests: list[Request], today: date, now: datetime
    ) -> None:
        """Store the best programmes of these requests (their old rows are gone)."""
        db.session.execute(
            delete(MatchNeed).where(MatchNeed.request_id.in_([r.id for r in requests]))
        )
        live = [r for r in requests if r.status in LISTED_REQUEST_STATUSES]
        if not live:
            return
        declined = _declined_by_request([r.id for r in live])
        found = engine.match_all(
            [request_dict(r) for r in live],
            TOP_K,
            today=today,
            exclude={r.ref: declined.get(r.id, set()) for r in live},
        )
        rows = [
            _row(REQUEST, rank, m, now, self.levels)
            for ms in found.values()
            for rank, m in enumerate(ms, 1)
        ]
        _mark_overview(rows)
        _insert(rows)
        _write_needs([r.id for r in live], rows, self.levels)

    def _join_programme_lists(
        self,
        engine: MatchEngine,
        request: Request,
        lists: _ProgrammeLists,
        today: date,
        now: datetime,
    ) -> None:
        """Add the request to each open programme list whose last row its score beats; the
        row that falls off a full list is deleted."""
        record = request_dict(request)
        declined = _declined_by_request([request.id]).get(request.id, set())
        scores = engine.request_scores(record, today, exclude=declined)
        joins = [p for p, score in scores.items() if lists.admits(_id(p), score)]
        if not joins:
            return
        open_ids = set(
            db.session.scalars(
                select(Programme.id).where(
                    Programme.id.in_([_id(p) for p in joins]), Programme.status == "open"
                )
            )
        )
        found = engine.explain(record, [p for p in joins if _id(p) in open_ids], today)
        _insert([_row(PROGRAMME, 0, m, now, self.levels) for m in found])
        for m in found:
            lists.add(_id(m.programme_id), request.id, m.score)

    def _refresh_programme(
        self, engine: MatchEngine, programme_id: int, today: date, now: datetime
    ) -> set[int]:
        """Rebuild a programme's list of requests; return the requests whose programme lists
        it may enter or leave."""
        programme = db.session.get(Programme, programme_id)
        affected = set(
            db.session.scalars(
                select(MatchSuggestion.request_id).where(
                    MatchSuggestion.programme_id == programme_id, MatchSuggestion.side == REQUEST
                )
            )
        )
        db.session.execute(
            delete(MatchSuggestion).where(
                MatchSuggestion.programme_id == programme_id, MatchSuggestion.side == PROGRAMME
            )
        )
        if programme is None or programme.status != "open":
            return affected
        records = self._open_requests
        if records is None:  # once per refresh, for every changed programme
            candidates = db.session.scalars(
                select(Request)
                .where(Request.status.in_(OPEN_REQUEST_STATUSES))
                .options(joinedload(Request.country))
            ).all()
            records = self._open_requests = {r.ref: request_dict(r) for r in candidates}
        record = programme_dict(programme)
        declined = {f"request:{i}" for i in _declined_by_programme(programme_id)}
        scores = engine.programme_scores(record, list(records.values()), today, declined)
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:PROGRAMME_KEEP]
        found = engine.match_programme(
            record, [records[r] for r, _ in best], top_k=PROGRAMME_KEEP, today=today
        )
        _insert([_row(PROGRAMME, rank, m, now, self.levels) for rank, m in enumerate(found, 1)])
        floors = _request_floors()
        for ref, score in scores.items():
            count, last = floors.get(_id(ref), (0, 0.0))
            if count < TOP_K or score > last:
                affected.add(_id(ref))
        return affected


class _ProgrammeTop:
    """Each programme's best requests seen so far in a chunked refresh, as arrays: at most
    :data:`PROGRAMME_KEEP` per programme, with the ranking key, score and flags of each pair
    but no reasons (reasons are computed once the lists are final: :func:`_explain_rows`).
    So a refresh over the whole catalogue holds about 50 bytes per kept pair, never a
    catalogue-wide list of matches with their reasons."""

    FIELDS = ("programme", "request", "key", "order", "score", "shared", "fits")

    def __init__(self, engine: MatchEngine, request_ids: Iterable[int]) -> None:
        self.refs = np.array([_id(r) for r in engine.programme_refs()], dtype=np.int64)
        # Ties go to the request whose ref sorts first as text ("request:10" before
        # "request:9"), as matches sorted by ``Match.request_id`` do.
        self.order_of = {i: n for n, i in enumerate(sorted(set(request_ids), key=str))}
        self.arrays: dict[str, np.ndarray] = {
            "programme": np.zeros(0, dtype=np.int64),
            "request": np.zeros(0, dtype=np.int64),
            "key": np.zeros(0, dtype=np.float64),
            "order": np.zeros(0, dtype=np.int64),
            "score": np.zeros(0, dtype=np.float64),
            "shared": np.zeros(0, dtype=bool),
            "fits": np.zeros(0, dtype=bool),
        }

    def add(self, found: Candidates, request_ids: list[int]) -> None:
        """Merge one chunk's candidates (``found.request`` indexes ``request_ids``): each
        programme keeps its best by ranked score (rounded to 9 places), ties by request."""
        if not len(found):
            return
        rid = np.asarray(request_ids, dtype=np.int64)[found.request]
        new = {
            "programme": self.refs[found.programme],
            "request": rid,
            "key": np.array([round(v, 9) for v in found.ranked.tolist()], dtype=np.float64),
            "order": np.array([self.order_of[i] for i in rid.tolist()], dtype=np.int64),
            "score": found.score,
            "shared": found.shared,
            "fits": found.fits,
        }
        merged = {k: np.concatenate([self.arrays[k], new[k]]) for k in self.FIELDS}
        order = np.lexsort((merged["order"], -merged["key"], merged["programme"]))
        pids = merged["programme"][order]
        rank = np.arange(len(order)) - np.searchsorted(pids, pids, side="left")
        keep = order[rank < PROGRAMME_KEEP]
        self.arrays = {k: v[keep] for k, v in merged.items()}  # sorted by programme, key

    def programme_ids(self) -> list[int]:
        return np.unique(self.arrays["programme"]).tolist()

    def of(self, programme_ids: list[int]) -> dict[int, list[tuple[float, int]]]:
        """``programme id → [(score, request id), …]`` of these programmes' kept pairs."""
        pids = self.arrays["programme"]
        out: dict[int, list[tuple[float, int]]] = {}
        for pid in programme_ids:
            lo, hi = np.searchsorted(pids, [pid, pid + 1])
            out[pid] = list(
                zip(
                    self.arrays["score"][lo:hi].tolist(),
                    self.arrays["request"][lo:hi].tolist(),
                    strict=True,
                )
            )
        return out

    def ranked_pairs(self, open_ids: set[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(request, programme, rank)`` of the open programmes' lists, ranked in the order
        users see them (:func:`~search.matching.engine.language_order`; full refresh)."""
        a = self.arrays
        pids = a["programme"]
        starts = np.flatnonzero(np.r_[True, pids[1:] != pids[:-1]]).tolist() if len(pids) else []
        ends = [*starts[1:], len(pids)] if starts else []
        ranks = np.zeros(len(pids), dtype=np.int64)
        shared, on_need = a["shared"].tolist(), (a["fits"] & a["shared"]).tolist()
        keep = np.zeros(len(pids), dtype=bool)
        for lo, hi in zip(starts, ends, strict=True):
            if int(pids[lo]) not in open_ids:
                continue
            keep[lo:hi] = True
            positions = range(lo, hi)
            last = max((k for k in positions if on_need[k]), default=lo - 1)
            head = [k for k in range(lo, last + 1) if shared[k]]
            moved = [k for k in range(lo, last + 1) if not shared[k]]
            for rank, k in enumerate([*head, *moved, *range(last + 1, hi)], start=1):
                ranks[k] = rank
        return a["request"][keep], pids[keep], ranks[keep]

    def merge_into_stored(
        self, engine: MatchEngine, today: date, now: datetime, levels: _Levels
    ) -> None:
        """Merge into the stored lists (incremental): each open programme keeps its best
        :data:`PROGRAMME_KEEP` rows by score among its stored rows and these pairs."""
        added: tuple[list[int], list[int]] = ([], [])
        for part in _chunks(self.programme_ids(), 500):
            open_ids = set(
                db.session.scalars(
                    select(Programme.id).where(Programme.id.in_(part), Programme.status == "open")
                )
            )
            stored: dict[int, list[tuple[float, int, int]]] = {}
            rows = db.session.execute(
                select(
                    MatchSuggestion.programme_id,
                    MatchSuggestion.score,
                    MatchSuggestion.request_id,
                    MatchSuggestion.id,
                ).where(MatchSuggestion.side == PROGRAMME, MatchSuggestion.programme_id.in_(part))
            )
            for pid, score, request_id, row_id in rows:
                stored.setdefault(pid, []).append((score, request_id, row_id))
            dropped: list[int] = []
            found = self.of(part)
            for pid in part:
                if pid not in open_ids:
                    continue
                entries: list[tuple[float, int, int | None]] = list(stored.get(pid, []))
                entries += [(score, rid, None) for score, rid in found[pid]]
                entries.sort(key=lambda e: (-e[0], e[1]))
                for _, rid, row_id in entries[:PROGRAMME_KEEP]:
                    if row_id is None:
                        added[0].append(rid)
                        added[1].append(pid)
                dropped += [e[2] for e in entries[PROGRAMME_KEEP:] if e[2] is not None]
            for ids in _chunks(dropped, 500):
                db.session.execute(delete(MatchSuggestion).where(MatchSuggestion.id.in_(ids)))
        request_ids = np.array(added[0], dtype=np.int64)
        programme_ids = np.array(added[1], dtype=np.int64)
        ranks = np.zeros(len(request_ids), dtype=np.int64)
        _explain_rows(engine, request_ids, programme_ids, ranks, today, now, levels)


class _ProgrammeLists:
    """Length and last score of every stored programme list (read once per refresh)."""

    def __init__(self) -> None:
        self.lists: dict[int, list[float]] = {}
        rows = db.session.execute(
            select(MatchSuggestion.programme_id, MatchSuggestion.score).where(
                MatchSuggestion.side == PROGRAMME
            )
        )
        for programme_id, score in rows:
            self.lists.setdefault(programme_id, []).append(score)
        for scores in self.lists.values():
            scores.sort(reverse=True)

    def admits(self, programme_id: int, score: float) -> bool:
        scores = self.lists.get(programme_id, [])
        return len(scores) < PROGRAMME_KEEP or score > scores[-1]

    def add(self, programme_id: int, request_id: int, score: float) -> None:
        scores = self.lists.setdefault(programme_id, [])
        scores.append(score)
        scores.sort(reverse=True)
        if len(scores) > PROGRAMME_KEEP:
            del scores[PROGRAMME_KEEP:]
            _trim(programme_id)


# -- helpers ---------------------------------------------------------------------------------


def _chunks(ids: list[int], size: int = REFRESH_CHUNK) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _id(ref: str) -> int:
    return int(ref.split(":")[1])


class _Levels:
    """Who may see each record on the Matches page: ``public`` / ``verified`` when it is
    shown there (request open or matched, programme open) with that visibility, else
    ``secretariat``. A pair takes the more restricted of its two records."""

    ORDER = ("public", "verified", "secretariat")

    def __init__(self) -> None:
        self.requests = self._load(Request, OPEN_REQUEST_STATUSES)
        self.programmes = self._load(Programme, ("open",))

    @staticmethod
    def _load(model: type[Request] | type[Programme], shown: tuple[str, ...]) -> dict[int, str]:
        rows = db.session.execute(select(model.id, model.status, model.visibility))
        return {
            i: v if s in shown and v in ("public", "verified") else "secretariat"
            for i, s, v in rows
        }

    def pair(self, request_id: int, programme_id: int) -> str:
        a = self.requests.get(request_id, "secretariat")
        b = self.programmes.get(programme_id, "secretariat")
        return max(a, b, key=self.ORDER.index)


#: The MatchNeed columns a programme seen at each level counts in.
NEED_COLUMNS = {
    "public": ("best_public", "best_verified", "best_all"),
    "verified": ("best_verified", "best_all"),
    "secretariat": ("best_all",),
}


def _write_needs(request_ids: list[int], rows: list[dict[str, Any]], levels: _Levels) -> None:
    """Each request's best score among the programmes public / verified / all viewers see
    that cover its need (0: nothing covers it, an unmet need)."""
    best = {i: {"request_id": i, "best_public": 0.0, "best_verified": 0.0, "best_all": 0.0}
            for i in request_ids}  # fmt: skip
    for row in rows:
        need = best.get(row["request_id"])
        if need is None or not row["covers"]:
            continue
        seen_by = levels.programmes.get(row["programme_id"], "secretariat")
        for column in NEED_COLUMNS[seen_by]:
            need[column] = max(need[column], row["score"])
    if best:
        db.session.execute(MatchNeed.__table__.insert(), list(best.values()))


#: Viewers of the Matches page, and the pair levels each may see.
OVERVIEW_CLASSES = {
    "overview_public": ("public",),
    "overview_verified": ("public", "verified"),
    "overview_all": aggregates.LEVELS,
}


def _mark_overview(rows: list[dict[str, Any]]) -> None:
    """Flag, for each class of viewer, each request's best pairs on the Matches page: its
    first ``BEST_PER_REQUEST`` rows (by rank) that those viewers may see, when not weak."""
    by_request: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_request.setdefault(row["request_id"], []).append(row)
    for listed in by_request.values():
        listed.sort(key=lambda r: r["rank"])
        for column, levels in OVERVIEW_CLASSES.items():
            seen = [r for r in listed if r["level"] in levels][:BEST_PER_REQUEST]
            for row in listed:
                row[column] = False
            for row in seen:
                row[column] = row["quality"] != "weak"


def _row(side: str, rank: int, match: Match, now: datetime, levels: _Levels) -> dict[str, Any]:
    request_id, programme_id = _id(match.request_id), _id(match.programme_id)
    return {
        "level": levels.pair(request_id, programme_id),
        "side": side,
        "request_id": request_id,
        "programme_id": programme_id,
        "rank": rank,
        "score": match.score,
        "quality": match.quality,
        "covers": match.covers,
        "general": match.general,
        "reasons": [r.as_dict() for r in match.reasons],
        "computed_at": now,
        **dict.fromkeys(OVERVIEW_CLASSES, False),  # set by _mark_overview (request lists)
    }


#: Pairs explained (reasons computed) and written at once by :func:`_explain_rows`.
PAIR_BATCH = 20_000


def _explain_rows(
    engine: MatchEngine,
    request_ids: np.ndarray,
    programme_ids: np.ndarray,
    ranks: np.ndarray,
    today: date,
    now: datetime,
    levels: _Levels,
) -> None:
    """Write the programme-side rows of these pairs, with their reasons, request by request
    (:data:`REFRESH_CHUNK` requests loaded at a time, :data:`PAIR_BATCH` pairs explained
    and inserted at a time): memory bounded by the batch, not by the catalogue."""
    order = np.argsort(request_ids, kind="stable")
    rids, pids, ranks = request_ids[order], programme_ids[order], ranks[order]
    writer = _PairWriter(engine, today, now, levels)
    for chunk in _chunks(np.unique(rids).tolist()):
        loaded = {r.id: request_dict(r) for r in _load_requests(chunk)}
        for rid in chunk:
            record = loaded.get(rid)
            if record is None:
                continue
            lo, hi = np.searchsorted(rids, [rid, rid + 1]).tolist()
            for start in range(lo, hi, PAIR_BATCH):
                end = min(start + PAIR_BATCH, hi)
                writer.add(rid, record, pids[start:end].tolist(), ranks[start:end].tolist())
        writer.flush()


class _PairWriter:
    """Collects pairs to explain (each request once per batch) and writes their rows."""

    def __init__(self, engine: MatchEngine, today: date, now: datetime, levels: _Levels):
        self.engine, self.today, self.now, self.levels = engine, today, now, levels
        self.batch: list[tuple[dict[str, Any], list[str]]] = []
        self.rank_of: dict[tuple[int, int], int] = {}
        self.rids: set[int] = set()
        self.held = 0

    def add(self, rid: int, record: dict[str, Any], pids: list[int], ranks: list[int]) -> None:
        if self.held + len(pids) > PAIR_BATCH or rid in self.rids:
            self.flush()
        self.rids.add(rid)
        self.batch.append((record, [f"programme:{p}" for p in pids]))
        for p, rank in zip(pids, ranks, strict=True):
            self.rank_of[(rid, p)] = rank
        self.held += len(pids)

    def flush(self) -> None:
        if self.batch:
            found = self.engine.explain_pairs(
                [b[0] for b in self.batch], [b[1] for b in self.batch], self.today
            )
            rank_of = self.rank_of
            _insert(
                [
                    _row(PROGRAMME, rank_of[(_id(m.request_id), _id(m.programme_id))], m,
                         self.now, self.levels)
                    for m in found
                ]
            )  # fmt: skip
        self.batch, self.rank_of, self.rids, self.held = [], {}, set(), 0


def _planner_statistics() -> None:
    """After a full refresh (imports, the nightly job): SQLite's query planner keeps no
    statistics of its own, and without them it filters lists by the visibility index and
    sorts every row instead of walking the date index to the page it needs. PostgreSQL's
    autovacuum keeps its statistics current."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))


def _insert(rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 2000):
        db.session.execute(MatchSuggestion.__table__.insert(), rows[start : start + 2000])


def _load_requests(ids: Iterable[int] | None) -> list[Request]:
    query = select(Request).options(joinedload(Request.country))
    if ids is not None:
        query = query.where(Request.id.in_(list(ids)))
    return list(db.session.scalars(query).all())


def _trim(programme_id: int) -> None:
    """Delete the rows of a programme list beyond ``PROGRAMME_KEEP`` (the lowest scores)."""
    rows = db.session.execute(
        select(MatchSuggestion.id)
        .where(MatchSuggestion.side == PROGRAMME, MatchSuggestion.programme_id == programme_id)
        .order_by(MatchSuggestion.score.desc(), MatchSuggestion.request_id)
        .offset(PROGRAMME_KEEP)
    ).scalars()
    ids = list(rows)
    if ids:
        db.session.execute(delete(MatchSuggestion).where(MatchSuggestion.id.in_(ids)))


def _request_floors() -> dict[int, tuple[int, float]]:
    """Per request: how many programmes its stored list holds, and the lowest score."""
    rows = db.session.execute(
        select(MatchSuggestion.request_id, func.count(), func.min(MatchSuggestion.score))
        .where(MatchSuggestion.side == REQUEST)
        .group_by(MatchSuggestion.request_id)
    )
    return {r: (n, s) for r, n, s in rows}


def _requests_in_groups_of(states: Iterable[str]) -> set[int]:
    """Listed requests of the UN regional groups of ``states`` (and of those states): whose
    lists a change of their history can move (what they already receive, track records)."""
    states = set(states)
    groups = set(
        db.session.scalars(
            select(Country.region).where(Country.iso3.in_(sorted(states)), Country.region != "")
        )
    )
    places = Request.country_code.in_(sorted(states))
    if groups:
        in_groups = select(Country.iso3).where(Country.region.in_(sorted(groups)))
        places = places | Request.country_code.in_(in_groups)
    return set(
        db.session.scalars(
            select(Request.id).where(Request.status.in_(LISTED_REQUEST_STATUSES), places)
        )
    )


def _declined_by_request(request_ids: list[int] | None = None) -> dict[int, set[str]]:
    """Declined pairs, as ``request id → {programme refs}``."""
    query = select(MatchCase.request_id, MatchCase.programme_id).where(
        MatchCase.status == "declined"
    )
    if request_ids is not None:
        query = query.where(MatchCase.request_id.in_(request_ids))
    out: dict[int, set[str]] = {}
    for rid, pid in db.session.execute(query):
        out.setdefault(rid, set()).add(f"programme:{pid}")
    return out


def _declined_by_programme(programme_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(MatchCase.request_id).where(
                MatchCase.programme_id == programme_id, MatchCase.status == "declined"
            )
        )
    )


def _history() -> list[dict[str, Any]]:
    """The initiatives matching learns from: published, public, ongoing or completed (a hidden
    initiative never changes what others see; ``search.matching.history``)."""
    regions = {
        iso3: region for iso3, region in db.session.execute(select(Country.iso3, Country.region))
    }
    rows = db.session.scalars(
        select(Initiative).where(
            Initiative.status == "published",
            Initiative.visibility == "public",
            Initiative.work_status.in_(("ongoing", "completed")),
        )
    )
    return [initiative_dict(i, regions) for i in rows]


def match_service() -> MatchService:
    service = current_app.extensions.get("kb_match")
    if service is None:
        overrides = current_app.config.get("MATCH_CONFIG") or {}
        service = MatchService(MatchConfig.from_mapping(overrides))
        current_app.extensions["kb_match"] = service
    return service
