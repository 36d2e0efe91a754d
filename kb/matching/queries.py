"""Read queries for the Matches page: best open pairs, unmet needs, supply vs demand."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from kb import access, codes, stamps
from kb.extensions import db
from kb.matching import aggregates, pending
from kb.models import Country, Match, MatchNeed, MatchSuggestion, Programme, Request
from kb.models.types import has_code
from kb.views import QueryRows
from search.matching import MatchConfig, NeedStatus

#: The overview lists at most this many programmes per request, and no weak pairs.
BEST_PER_REQUEST = 3
#: The stamp of the overview flags (set by a full refresh).
OVERVIEW_STAMP = "match_overview"
OPEN_STATUSES = ("open", "matched")
#: The requests the unmet-needs list can hold (:func:`unmet_needs`).
UNMET_LISTED_STATUSES = ("open",)


@dataclass
class MatchFilters:
    region: str | None = None
    theme: str | None = None
    country: str | None = None
    since: date | None = None
    #: Only requests of these states (a briefing pack's scope); ``None``: every state.
    states: frozenset[str] | None = None

    @classmethod
    def from_args(cls, args: Any) -> MatchFilters:
        region = args.get("region") if args.get("region") in codes.REGIONS else None
        theme = args.get("theme") if args.get("theme") in codes.THEMES else None
        country = (args.get("country") or "").upper() or None
        if country and db.session.get(Country, country) is None:
            country = None
        raw = args.get("since")
        since = raw if isinstance(raw, date) else None
        if isinstance(raw, str):
            try:
                since = date.fromisoformat(raw)
            except ValueError:
                since = None
        return cls(region, theme, country, since)


def _pair_seen(viewer: Any) -> ColumnElement[bool]:
    """Stored pairs whose request and programme the viewer may both see, from the pair's
    stored level; owners also see their own confidential records (checked on the rows)."""
    if access.is_secretariat(viewer):
        return MatchSuggestion.level.in_(aggregates.LEVELS)
    seen = MatchSuggestion.level.in_(aggregates.viewer_levels(viewer))
    if not _is_owner(viewer):
        return seen
    both = and_(
        access.visible_clause(Request, viewer),
        access.visible_clause(Programme, viewer),
        Request.status.in_(OPEN_STATUSES),
        Programme.status == "open",
    )
    return or_(seen, both)


def _is_owner(viewer: Any) -> bool:
    """A focal point or provider: their own confidential records count on their pages."""
    return any(t.startswith("owner:") for t in access.viewer_tokens(viewer))


def _overview_column(viewer: Any) -> Any:
    if access.is_secretariat(viewer):
        return MatchSuggestion.overview_all
    if "verified" in aggregates.viewer_levels(viewer):
        return MatchSuggestion.overview_verified
    return MatchSuggestion.overview_public


class PairIds:
    """The overview's pair ids for a viewer, best first (score, then id), from one or more
    queries of ``(id, score)`` each already in that order: counted and paged without
    loading every pair (a page of them is loaded with :func:`load_pairs`).

    ``counted``: how the total is counted, as (sign, query) terms, when that is cheaper than
    counting ``parts`` (e.g. all flagged pairs less the few of some requests, instead of
    checking every flagged row's request)."""

    def __init__(
        self, *parts: Select[Any], counted: list[tuple[int, Select[Any]]] | None = None
    ) -> None:
        self.parts = parts
        self.counted = counted if counted is not None else [(1, p) for p in parts]

    def count(self) -> int:
        return sum(sign * QueryRows(query).count() for sign, query in self.counted)

    def fetch(self, offset: int, limit: int) -> list[int]:
        if len(self.parts) == 1:
            return QueryRows(self.parts[0]).fetch(offset, limit)
        heads = [db.session.execute(p.limit(offset + limit)).all() for p in self.parts]
        merged = heapq.merge(*heads, key=lambda row: (-row[1], row[0]))
        return [row[0] for row in islice(merged, offset, offset + limit)]


def best_pairs(viewer: Any, filters: MatchFilters) -> PairIds:
    """The stored suggestions whose request AND programme the viewer may see, best first.

    Each request's best pairs for public, verified and Secretariat viewers are flagged when
    its list is stored (``MatchSuggestion.overview_*``), so for them the overview reads one
    index; the records are joined only for filters. An owner (focal point, provider) also
    sees their own confidential records: only the requests whose pairs with those records
    may change the ranking are ranked here, the rest read the flags, and the two are merged.
    Before the first full refresh stored the flags, every pair is ranked here."""
    owner = _is_owner(viewer)
    if stamps.stamped(OVERVIEW_STAMP) is None:
        return PairIds(_filtered(_ranked_pairs(viewer, owner), filters))
    flag = _overview_column(viewer)
    flagged = select(MatchSuggestion.id, MatchSuggestion.score).where(
        MatchSuggestion.side == "request", flag.is_(True), not_declined()
    )
    touched = _touched_by_own(viewer) if owner else []
    if not touched:
        return PairIds(_filtered(flagged, filters))
    untouched = _filtered(flagged.where(MatchSuggestion.request_id.not_in(touched)), filters)
    ranked = _filtered(_ranked_pairs(viewer, owner, touched), filters)
    # The flagged pairs of the touched requests, read through those requests (the flag is
    # wrapped so that SQLite does not walk every flagged pair to find them).
    of_touched = select(MatchSuggestion.id).where(
        MatchSuggestion.side == "request",
        MatchSuggestion.request_id.in_(touched),
        func.coalesce(flag, False).is_(True),
        not_declined(),
    )
    counted = [
        (1, _filtered(flagged, filters)),  # one index, as for approved users
        (-1, _filtered(of_touched, filters)),
        (1, ranked),
    ]
    return PairIds(untouched, ranked, counted=counted)


def _touched_by_own(viewer: Any) -> list[int]:
    """Requests with a stored pair that only the owner (and the Secretariat) may see and
    that holds one of the owner's records: the only lists whose ranking the owner's own
    confidential (or unpublished) records may change for them. The owner's records are
    read first, so that their pairs are found through the request and programme indexes."""
    own_requests = list(db.session.scalars(select(Request.id).where(
        access.owned_clause(Request, viewer))))  # fmt: skip
    own_programmes = list(db.session.scalars(select(Programme.id).where(
        access.owned_clause(Programme, viewer))))  # fmt: skip
    restricted = select(MatchSuggestion.request_id, MatchSuggestion.level).where(
        MatchSuggestion.side == "request"
    )
    touched: set[int] = set()
    for column, ids in (
        (MatchSuggestion.request_id, own_requests),
        (MatchSuggestion.programme_id, own_programmes),
    ):
        for start in range(0, len(ids), 500):
            rows = db.session.execute(restricted.where(column.in_(ids[start : start + 500])))
            touched.update(r for r, level in rows if level == "secretariat")
    return sorted(touched)


def _visible_places(viewer: Any, owner: bool, requests: list[int] | None = None) -> Select[Any]:
    """Each stored pair the viewer may see with its ``place`` among its request's pairs the
    viewer may see (1 = best), so that a hidden programme never takes a visible pair's place
    (nor changes a total): the stored ``rank`` counts every programme. ``requests``: only
    those requests' pairs."""
    place = func.row_number().over(
        partition_by=MatchSuggestion.request_id, order_by=(MatchSuggestion.rank, MatchSuggestion.id)
    )
    seen = select(MatchSuggestion.id, place.label("place")).where(
        MatchSuggestion.side == "request", not_declined()
    )
    if requests is not None:
        seen = seen.where(MatchSuggestion.request_id.in_(requests))
    if owner:
        seen = seen.join(Request, MatchSuggestion.request_id == Request.id).join(
            Programme, MatchSuggestion.programme_id == Programme.id
        )
    return seen.where(_pair_seen(viewer))


def visible_ranks(viewer: Any, pairs: list[MatchSuggestion]) -> dict[int, int]:
    """The rank the viewer is shown for each of ``pairs`` (by id): its place among its
    request's pairs that this viewer may see (:func:`_visible_places`)."""
    if not pairs:
        return {}
    owner = _is_owner(viewer)
    places = _visible_places(viewer, owner, sorted({p.request_id for p in pairs}))
    wanted = {p.id for p in pairs}
    return {pid: place for pid, place in db.session.execute(places) if pid in wanted}


def _ranked_pairs(viewer: Any, owner: bool, requests: list[int] | None = None) -> Select[Any]:
    """The overview's pairs (id, score) ranked per request among those the viewer may see
    (``requests``: only those requests')."""
    visible = _visible_places(viewer, owner, requests).subquery()
    return (
        select(MatchSuggestion.id, MatchSuggestion.score)
        .join(visible, visible.c.id == MatchSuggestion.id)
        .where(visible.c.place <= BEST_PER_REQUEST, MatchSuggestion.quality != "weak")
    )


def _filtered(query: Select[Any], filters: MatchFilters) -> Select[Any]:
    """``query`` (pairs) narrowed by ``filters``, best first. The request's place and theme
    are tested on the requests alone (a set of request ids), so that a region-filtered list
    reads the flagged pairs' index, not every flagged pair's request and programme rows."""
    wanted: list[ColumnElement[bool]] = []
    if filters.region:
        in_region = select(Country.iso3).where(Country.region == filters.region)
        wanted.append(Request.country_code.in_(in_region))
    if filters.country:
        wanted.append(Request.country_code == filters.country)
    if filters.states is not None:
        wanted.append(Request.country_code.in_(sorted(filters.states)))
    if filters.theme:
        wanted.append(has_code(Request.themes, filters.theme))
    if wanted:
        query = query.where(MatchSuggestion.request_id.in_(select(Request.id).where(*wanted)))
    if filters.since:
        since = datetime.combine(filters.since, datetime.min.time(), tzinfo=UTC)
        query = query.join(Request, MatchSuggestion.request_id == Request.id).join(
            Programme, MatchSuggestion.programme_id == Programme.id
        )
        query = query.where(or_(Request.created_at >= since, Programme.created_at >= since))
    return query.order_by(MatchSuggestion.score.desc(), MatchSuggestion.id)


def load_pairs(ids: list[int]) -> list[MatchSuggestion]:
    """The suggestions ``ids`` with both records, in the order given."""
    rows = db.session.scalars(
        select(MatchSuggestion)
        .where(MatchSuggestion.id.in_(ids))
        .options(
            joinedload(MatchSuggestion.request).joinedload(Request.country),
            joinedload(MatchSuggestion.programme).joinedload(Programme.organisation),
        )
    ).unique()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def not_declined() -> ColumnElement[bool]:
    """Stored pairs that no one declined since they were computed.

    The declined pairs' suggestions are read once (few rows) and each row is looked up among
    them: a correlated ``NOT EXISTS`` probed ``matches`` once per row, 100-200 ms to count the
    overview's 51,000 rows at 100,000 programmes / 50,000 requests (11 ms this way)."""
    stored = aliased(MatchSuggestion)
    declined = (
        select(stored.id)
        .join(
            Match,
            and_(Match.request_id == stored.request_id, Match.programme_id == stored.programme_id),
        )
        .where(Match.status == "declined")
    )
    return MatchSuggestion.id.not_in(declined)


def _need_column(viewer: Any) -> Any:
    """The stored best score that counts for this viewer (see ``MatchNeed``)."""
    if access.is_secretariat(viewer):
        return MatchNeed.best_all
    return (
        MatchNeed.best_verified
        if "verified" in aggregates.viewer_levels(viewer)
        else (MatchNeed.best_public)
    )


def _unmet_query(viewer: Any, filters: MatchFilters, threshold: float) -> Select[Any]:
    best = _need_column(viewer)
    query = (
        select(Request, best)
        .outerjoin(MatchNeed, MatchNeed.request_id == Request.id)
        .where(Request.status.in_(UNMET_LISTED_STATUSES), access.visible_clause(Request, viewer))
        .where(or_(best.is_(None), best < threshold))
    )
    if filters.region:
        query = query.join(Request.country).where(Country.region == filters.region)
    if filters.country:
        query = query.where(Request.country_code == filters.country)
    if filters.states is not None:
        query = query.where(Request.country_code.in_(sorted(filters.states)))
    if filters.theme:
        query = query.where(has_code(Request.themes, filters.theme))
    return query


def unmet_needs(
    viewer: Any, filters: MatchFilters, threshold: float, limit: int | None = None
) -> list[tuple[Request, float]]:
    """Open requests whose best stored match the viewer may see is below ``threshold`` (or
    who have none), worst first; ``limit`` caps the list."""
    query = _unmet_query(viewer, filters, threshold)
    best = _need_column(viewer)
    query = query.order_by(best.asc().nulls_first(), Request.id).options(
        joinedload(Request.country)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(r, s or 0.0) for r, s in db.session.execute(query).all()]


def unmet_count(viewer: Any, filters: MatchFilters, threshold: float) -> int:
    query = _unmet_query(viewer, filters, threshold).subquery()
    return db.session.scalar(select(func.count()).select_from(query)) or 0


def supply_and_demand(viewer: Any) -> dict[str, dict[str, tuple[int, int]]]:
    """theme → region → (open requests, available programmes open to states there), from
    stored per-level counts (:mod:`kb.matching.aggregates`)."""
    return aggregates.supply_and_demand(viewer)


# -- a record page's matches (stored rows, filtered for the viewer) ---------------------------


def programmes_for(
    request: Request, viewer: Any, limit: int = 10
) -> list[tuple[Programme, MatchSuggestion]]:
    """A request's stored programmes that the viewer may see, best first."""
    rows = db.session.execute(
        select(Programme, MatchSuggestion)
        .join(MatchSuggestion, MatchSuggestion.programme_id == Programme.id)
        .where(MatchSuggestion.side == "request", MatchSuggestion.request_id == request.id)
        .where(Programme.status == "open", access.visible_clause(Programme, viewer))
        .where(not_declined())
        .options(joinedload(Programme.organisation))
        .order_by(MatchSuggestion.rank, MatchSuggestion.programme_id)
        .limit(limit)
    )
    return [(p, s) for p, s in rows]


def requests_for(
    programme: Programme, viewer: Any, limit: int = 10
) -> list[tuple[Request, MatchSuggestion]]:
    """A programme's stored open requests that the viewer may see, best first."""
    rows = db.session.execute(
        select(Request, MatchSuggestion)
        .join(MatchSuggestion, MatchSuggestion.request_id == Request.id)
        .where(MatchSuggestion.side == "programme", MatchSuggestion.programme_id == programme.id)
        .where(Request.status.in_(("open", "matched")), access.visible_clause(Request, viewer))
        .where(not_declined())
        .options(joinedload(Request.country))
        .order_by(MatchSuggestion.score.desc(), MatchSuggestion.request_id)
        .limit(limit)
    )
    return [(r, s) for r, s in rows]


def need_of(
    request: Request, pairs: list[tuple[Programme, MatchSuggestion]], threshold: float
) -> NeedStatus:
    """How well the programmes the viewer may see meet the request: unmet when none of them
    covers its need (``MatchSuggestion.covers``); ``threshold`` as for :func:`unmet_needs`."""
    if not pairs:
        return NeedStatus(request.ref, 0.0, "none", True, None)
    programme, best = pairs[0]
    covering = next(((p, s) for p, s in pairs if s.covers and s.score >= threshold), None)
    shown = covering[0] if covering else programme
    return NeedStatus(request.ref, best.score, best.quality, covering is None, shown.ref)


@dataclass
class RequestLists:
    """A request's stored programmes as its page lists them (each ``(programme, row)``)."""

    #: Strong and good matches, listed.
    shown: list[tuple[Programme, MatchSuggestion]]
    #: The weaker ones, folded ("Show N weaker matches").
    weaker: list[tuple[Programme, MatchSuggestion]]
    #: When no programme fits the need: the general offers, listed under that note
    #: ("General offers that may help") instead of folded among the weaker matches.
    general: list[tuple[Programme, MatchSuggestion]]


def listed(row: MatchSuggestion, config: MatchConfig) -> bool:
    """Whether a request's page and API list a stored pair at all: it scores the least listed
    score (``MatchConfig.listed``), or it is a general offer the engine ranked as if it did
    (``MatchSuggestion.general``, the engine's ``Match.general``)."""
    return config.listed(row.score) or bool(row.general)


def request_lists(
    pairs: list[tuple[Programme, MatchSuggestion]], config: MatchConfig, unmet: bool
) -> RequestLists:
    """Split a request's stored programmes (already those the viewer may see) as its page
    shows them: strong and good matches listed, weaker ones folded, near-zero ones dropped
    (``MatchConfig.listed``) — except a general offer on the need's themes in a shared
    language (``MatchSuggestion.general``, the engine's ``Match.general``: one rule), always
    listed with its own label. When the need is ``unmet`` those are set apart."""
    kept = [(p, m) for p, m in pairs if listed(m, config)]
    general = [(p, m) for p, m in kept if unmet and m.general]
    rest = [(p, m) for p, m in kept if not (unmet and m.general)]
    return RequestLists(
        shown=[(p, m) for p, m in rest if config.shown(m.quality)],
        weaker=[(p, m) for p, m in rest if not config.shown(m.quality)],
        general=general,
    )


def awaiting_first_list(request: Request) -> bool:
    """The request's programmes were never computed (just saved: the job after its commit
    has not run yet). Every computed request has its ``MatchNeed`` row, even when no
    programme fits it, so "not computed" is told apart from "nothing found"."""
    return db.session.get(MatchNeed, request.id) is None


def computed_at(record: Request | Programme) -> datetime | None:
    """When the record's stored list was computed (None: never)."""
    side_id = (
        MatchSuggestion.request_id if isinstance(record, Request) else MatchSuggestion.programme_id
    )
    side = "request" if isinstance(record, Request) else "programme"
    return db.session.scalar(
        select(func.min(MatchSuggestion.computed_at)).where(
            MatchSuggestion.side == side, side_id == record.id
        )
    )


@dataclass
class ListLag:
    """Why a record's stored list may be about to change (each the time its rows were
    computed, or of the earliest such change; ``None``: not so): the refresh after a commit
    has not run yet. Pages word each; the API gives :attr:`since`."""

    #: The record itself changed after its list was computed.
    own: datetime | None = None
    #: A record the list holds changed since (its score and reasons are those of before).
    listed: datetime | None = None
    #: A record the viewer may see changed that may join the list (``pending.joining_since``).
    joining: datetime | None = None

    @property
    def since(self) -> datetime | None:
        return min((t for t in (self.own, self.listed, self.joining) if t), default=None)


def list_lag(record: Request | Programme, pairs: list[tuple[Any, Any]], viewer: Any) -> ListLag:
    """How the viewer's stored list of ``record`` (``pairs``: the other record and its
    row, as :func:`programmes_for` / :func:`requests_for` give them) lags behind changes."""
    computed = computed_at(record)
    own = computed if computed is not None and record.updated_at > computed else None
    stale = [row.computed_at for other, row in pairs if other.updated_at > row.computed_at]
    return ListLag(
        own=own,
        listed=min(stale) if stale else None,
        joining=pending.joining_since(record, viewer, computed),
    )


def updating_since(viewer: Any) -> datetime | None:
    """When the earliest change the viewer may see that the Matches page's lists do not hold
    yet was made (``pending.catalogue_since``); ``None``: they are up to date."""
    return pending.catalogue_since(viewer)


def latest_computed() -> datetime | None:
    return db.session.scalar(select(func.max(MatchSuggestion.computed_at)))


def cases_query(viewer: Any) -> Select[Any]:
    """Workflow matches the viewer takes part in (all of them for the Secretariat)."""
    query = select(Match).options(
        joinedload(Match.request).joinedload(Request.country),
        joinedload(Match.programme).joinedload(Programme.organisation),
    )
    if not access.is_secretariat(viewer):
        own_requests = select(Request.id).where(access.owned_clause(Request, viewer))
        own_programmes = select(Programme.id).where(access.owned_clause(Programme, viewer))
        query = query.where(
            or_(Match.request_id.in_(own_requests), Match.programme_id.in_(own_programmes))
        )
    return query.order_by(Match.updated_at.desc(), Match.id.desc())
