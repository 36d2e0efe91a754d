"""Which new records a saved search matches, for the person who saved it.

Every answer is what that person's own page would show: lists run the list's query with the
saver as viewer, searches run the search engine with the saver's access tokens, and on top
of either the record must be published and :func:`kb.access.can_view` must hold. An alert
never names a record its recipient may not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from kb import access
from kb.alerts.searches import MATCHES, as_args
from kb.extensions import db
from kb.models import CatalogueRecord, Country, Programme, Request, SavedSearch, User
from search import SearchQuery
from search.backends.registry import get_backend
from search.interface.backend import SearchBackend
from search.matching import eligibility

LIVE_REQUESTS = ("open", "matched", "in_progress")


def request_themes(record: Request) -> list[str]:
    """The themes a request is about: its own, or those suggested from its text."""
    return list(record.themes or record.suggested_themes or [])


def state_themes(country_code: str) -> list[str]:
    """The themes of a state's live requests, in code-list order."""
    rows = db.session.scalars(
        select(Request).where(
            Request.country_code == country_code, Request.status.in_(LIVE_REQUESTS)
        )
    )
    found = {t for r in rows for t in request_themes(r)}
    return sorted(found)


class _Everyone:
    """A viewer who sees every record: the saver's own visibility is applied to the
    candidates first, so a search's conditions can be evaluated once for all its savers."""

    is_authenticated = True
    is_active = True
    role = "secretariat"
    country_code = None
    organisation_id = None


EVERYONE = _Everyone()


class Matcher:
    """Matches one batch of new records against saved searches (one per job run).

    Each distinct search (kind and arguments) is evaluated once over the whole batch; each
    saver then gets the part of that answer they may see."""

    def __init__(self, records: Iterable[CatalogueRecord]) -> None:
        self.records = list(records)
        self.today = date.today()
        self._answers: dict[str, set[str]] = {}
        self._themes: dict[str, set[str]] = {}
        self._programmes: dict[int, list[Programme]] = {}
        self._single: dict[str, SearchBackend] = {}

    def matches(self, saved: SavedSearch, user: User) -> list[CatalogueRecord]:
        """The records of the batch ``saved`` matches and ``user`` may see, published after
        the search was saved, and not the user's own."""
        candidates = [
            r
            for r in self.records
            if r.kind in MATCHES[saved.kind]
            and r.status in access.PUBLISHED[r.kind]
            and r.published_at is not None
            and r.published_at >= saved.created_at
            and access.can_view(user, r)
            and not access.owns(user, r)
        ]
        if not candidates:
            return []
        if saved.kind == "state_programmes":
            return self._eligible(user, candidates)
        if saved.kind == "org_requests":
            return self._servable(user, candidates)
        if saved.key not in self._answers:
            self._answers[saved.key] = self._answer(saved)
        found = self._answers[saved.key]
        return [r for r in candidates if r.ref in found]

    def _answer(self, saved: SavedSearch) -> set[str]:
        """The refs of the batch's records the search's conditions hold for."""
        records = [r for r in self.records if r.kind in MATCHES[saved.kind]]
        if saved.kind == "search":
            return {r.ref for r in records if self._found(saved, r)}
        return self._listed(saved, records)

    # -- a filtered list: the list's own query, limited to the batch ---------------------
    def _listed(self, saved: SavedSearch, records: list[CatalogueRecord]) -> set[str]:
        from kb.catalogue import queries

        model = Request if saved.kind == "requests" else Programme
        build = queries.request_query if model is Request else queries.programme_query
        filters = queries.Filters.from_args(as_args(saved.params or {}), model.kind)
        ids = {r.id for r in records}
        query = build(EVERYONE, filters).where(model.id.in_(ids))
        return {f"{model.kind}:{i}" for i in db.session.scalars(query.with_only_columns(model.id))}

    # -- the search page: the same engine and query, over this one record ---------------
    def _found(self, saved: SavedSearch, record: CatalogueRecord) -> bool:
        from kb.searching.routes import build_query

        query = build_query(as_args(saved.params or {}), EVERYONE, per_page=1)
        query = SearchQuery(
            text=query.text,
            filters=query.filters,
            viewer_tokens=query.viewer_tokens,
            per_page=1,
            facets=False,
            snippets=False,
            literal=query.literal,
        )
        result = self._index_of(record).search(query)
        # Alone in its index, the record is a hit with every word, or a partial match
        # ("relaxed") or a spelling guess ("fuzzy"), which an alert does not count.
        return result.total == 1 and not result.relaxed and not result.fuzzy

    def _index_of(self, record: CatalogueRecord) -> SearchBackend:
        if record.ref not in self._single:
            from kb.searching.documents import country_names, to_document

            backend = get_backend("memory")
            backend.upsert([to_document(record, country_names())])
            self._single[record.ref] = backend
        return self._single[record.ref]

    # -- offered: programmes my state may take up, in my requests' themes ----------------
    def _eligible(self, user: User, candidates: list[CatalogueRecord]) -> list[CatalogueRecord]:
        country = db.session.get(Country, user.country_code or "")
        if country is None:
            return []
        if country.iso3 not in self._themes:
            self._themes[country.iso3] = set(state_themes(country.iso3))
        themes = self._themes[country.iso3]
        return [
            p
            for p in candidates
            if isinstance(p, Programme)
            and themes.intersection(p.themes or [])
            and eligibility.open_to(p.audience(), country.iso3, country.region)
            and eligibility.available(p.availability(), self.today)
        ]

    # -- offered: requests one of my organisation's available programmes could serve ------
    def _servable(self, user: User, candidates: list[CatalogueRecord]) -> list[CatalogueRecord]:
        org = user.organisation_id or 0
        if org not in self._programmes:
            query = select(Programme).where(
                Programme.organisation_id == org, Programme.status == "open"
            )
            self._programmes[org] = [
                p
                for p in db.session.scalars(query)
                if eligibility.available(p.availability(), self.today)
            ]
        programmes = self._programmes[org]
        found = []
        for r in candidates:
            if not isinstance(r, Request):
                continue
            themes = set(request_themes(r))
            if any(
                themes.intersection(p.themes or [])
                and eligibility.open_to(p.audience(), r.country_code, r.country.region)
                for p in programmes
            ):
                found.append(r)
        return found
