"""The app's side of matching: a fitted engine per process, live matches for pages, and the
stored suggestions behind the delegates' Matches page.

The engine is refitted when the programme catalogue changes (a cheap signature query tells).
Suggestions are recomputed for every open request by ``flask match refresh`` and, after each
commit, for the requests a changed record can affect (see :func:`refresh_after_commit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from kb import access
from kb.extensions import db
from kb.matching.documents import programme_dict, request_dict
from kb.models import Match as MatchCase
from kb.models import MatchSuggestion, Programme, Request
from search.matching import Match, MatchConfig, MatchEngine, NeedStatus, need_status
from search.matching.engine import NEED_DEPTH

TOP_K = 10
OPEN_REQUEST_STATUSES = ("open", "matched")


class MatchService:
    """One fitted engine per audience (``access.AUDIENCES``): each sees only the programmes
    its audience may see (word statistics included), so hidden records never shape what
    others are shown."""

    def __init__(self, config: MatchConfig) -> None:
        self.config = config
        self._engines: dict[str, tuple[tuple[Any, ...], MatchEngine]] = {}

    def _current_signature(self, audience: str) -> tuple[Any, ...]:
        row = db.session.execute(
            select(
                func.count(Programme.id), func.max(Programme.updated_at), func.sum(Programme.id)
            ).where(access.audience_clause(Programme, audience))
        ).one()
        return tuple(row)

    def engine(self, audience: str = "secretariat") -> MatchEngine:
        """The engine fitted on the programmes ``audience`` may see (refitted on change)."""
        signature = self._current_signature(audience)
        fitted = self._engines.get(audience)
        if fitted is None or fitted[0] != signature:
            programmes = db.session.scalars(
                select(Programme)
                .where(access.audience_clause(Programme, audience))
                .options(joinedload(Programme.organisation))
            ).all()
            engine = MatchEngine(self.config).fit([programme_dict(p) for p in programmes])
            self._engines[audience] = fitted = (signature, engine)
        return fitted[1]

    # -- live matches for pages ---------------------------------------------------------

    def for_request(
        self, request: Request, viewer: Any, top_k: int = TOP_K
    ) -> list[tuple[Programme, Match]]:
        """Programmes for a request, best first, from those the viewer's audience may see."""
        found = self.engine(access.audience(viewer)).match_request(
            request_dict(request),
            top_k=top_k * 3,
            today=date.today(),
            exclude=declined_programmes(request.id),
        )
        programmes = _load(Programme, [m.programme_id for m in found])
        pairs = [(programmes[m.programme_id], m) for m in found if m.programme_id in programmes]
        return [(p, m) for p, m in pairs if access.can_view(viewer, p)][:top_k]

    def for_programme(
        self, programme: Programme, viewer: Any, top_k: int = TOP_K
    ) -> list[tuple[Request, Match]]:
        """Open requests a programme could serve, only those the viewer may see."""
        candidates = db.session.scalars(
            select(Request)
            .where(Request.status.in_(OPEN_REQUEST_STATUSES))
            .where(access.visible_clause(Request, viewer))
            .options(joinedload(Request.country))
        ).all()
        declined = declined_requests(programme.id)
        found = self.engine(access.audience(viewer)).match_programme(
            programme_dict(programme),
            [request_dict(r) for r in candidates],
            top_k=top_k,
            today=date.today(),
            exclude=declined,
        )
        by_ref = {r.ref: r for r in candidates}
        return [(by_ref[m.request_id], m) for m in found if m.request_id in by_ref]

    def need(self, request: Request, viewer: Any) -> NeedStatus:
        """Whether anything the viewer's audience may see covers the request's need."""
        found = self.engine(access.audience(viewer)).match_request(
            request_dict(request),
            NEED_DEPTH,
            today=date.today(),
            exclude=declined_programmes(request.id),
        )
        return need_status(request.ref, found, self.config)

    def infer_codes(self, request: Request) -> dict[str, list[str]]:
        return self.engine().infer_codes(request_dict(request))

    # -- stored suggestions -------------------------------------------------------------

    def refresh(
        self,
        request_ids: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Recompute stored suggestions for these requests (all open ones when None), for
        every audience; the public ranking only for requests the public may see."""
        query = select(Request).options(joinedload(Request.country))
        if request_ids is not None:
            ids = list(request_ids)
            if not ids:
                return 0
            query = query.where(Request.id.in_(ids))
        requests = db.session.scalars(query).all()
        live = [r for r in requests if r.status in OPEN_REQUEST_STATUSES]
        stale_ids = [r.id for r in requests]
        if request_ids is None:
            db.session.execute(delete(MatchSuggestion))
        elif stale_ids:
            db.session.execute(
                delete(MatchSuggestion).where(MatchSuggestion.request_id.in_(stale_ids))
            )
        exclude = {r.ref: declined_programmes(r.id) for r in live}
        public = access.AudienceViewer("public")
        for audience in access.AUDIENCES:
            audience_requests = (
                [r for r in live if access.can_view(public, r)] if audience == "public" else live
            )
            results = self.engine(audience).match_all(
                [request_dict(r) for r in audience_requests],
                TOP_K,
                today=date.today(),
                exclude=exclude,
                progress=progress if audience == "secretariat" else None,
            )
            for request in audience_requests:
                for rank, match in enumerate(results.get(request.ref, []), start=1):
                    db.session.add(
                        MatchSuggestion(
                            audience=audience,
                            request_id=request.id,
                            programme_id=int(match.programme_id.split(":")[1]),
                            rank=rank,
                            score=match.score,
                            quality=match.quality,
                            covers=match.covers,
                            reasons=[r.as_dict() for r in match.reasons],
                        )
                    )
        db.session.flush()
        return len(live)

    def affected_requests(self, refs: Iterable[tuple[str, int]]) -> set[int]:
        """Requests whose stored suggestions a change to these records can alter."""
        ids: set[int] = set()
        for kind, record_id in refs:
            if kind == "request":
                ids.add(record_id)
                continue
            programme = db.session.get(Programme, record_id)
            ids.update(
                db.session.scalars(
                    select(MatchSuggestion.request_id).where(
                        MatchSuggestion.programme_id == record_id
                    )
                )
            )
            if programme is not None:
                for request, _ in self.for_programme(programme, _SYSTEM, top_k=TOP_K * 5):
                    ids.add(request.id)
        return ids


class _SystemViewer:
    """Sees everything: stored suggestions are filtered per viewer when shown."""

    is_authenticated = True
    is_active = True
    role = "secretariat"
    country_code = None
    organisation_id = None


_SYSTEM = _SystemViewer()


def declined_programmes(request_id: int) -> set[str]:
    rows = db.session.scalars(
        select(MatchCase.programme_id).where(
            MatchCase.request_id == request_id, MatchCase.status == "declined"
        )
    )
    return {f"programme:{i}" for i in rows}


def declined_requests(programme_id: int) -> set[str]:
    rows = db.session.scalars(
        select(MatchCase.request_id).where(
            MatchCase.programme_id == programme_id, MatchCase.status == "declined"
        )
    )
    return {f"request:{i}" for i in rows}


def _load(model: type[Programme], refs: list[str]) -> dict[str, Programme]:
    ids = [int(ref.split(":")[1]) for ref in refs]
    if not ids:
        return {}
    rows = db.session.scalars(
        select(model).where(model.id.in_(ids)).options(joinedload(model.organisation))
    )
    return {row.ref: row for row in rows}


def match_service() -> MatchService:
    service = current_app.extensions.get("kb_match")
    if service is None:
        overrides = current_app.config.get("MATCH_CONFIG") or {}
        service = MatchService(MatchConfig.from_mapping(overrides))
        current_app.extensions["kb_match"] = service
    return service


def refresh_after_commit(refs: Iterable[tuple[str, int]]) -> None:
    """Keep stored suggestions current after records changed; failures are logged only."""
    refs = list(refs)
    if not refs:
        return
    try:
        service = match_service()
        service.refresh(service.affected_requests(refs))
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception(
            "Refreshing match suggestions failed; run `flask match refresh`."
        )
