"""Which new records a saved search matches, for the person who saved it.

Every answer is what that person's own page would show: lists run the list's query with the
saver as viewer, searches run the search engine with the saver's access tokens, and on top
of either the record must be published and :func:`kb.access.can_view` must hold. An alert
never names a record its recipient may not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select

from kb import access
from kb.alerts.searches import MATCHES, as_args
from kb.extensions import db
from kb.models import CatalogueRecord, Country, Programme, Request, SavedSearch, User
from kb.models.types import has_code
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


class Matcher:
    """Matches one batch of new records against saved searches (one per job run)."""

    def __init__(self, records: Iterable[CatalogueRecord]) -> None:
        self.records = list(records)
        self.today = date.today()
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
        if saved.kind in ("requests", "programmes"):
            return self._listed(saved, user, candidates)
        if saved.kind == "search":
            return [r for r in candidates if self._found(saved, user, r)]
        if saved.kind == "state_programmes":
            return self._eligible(user, candidates)
        return self._servable(user, candidates)

    # -- a filtered list: the list's own query, for this viewer, limited to the batch ---
    def _listed(
        self, saved: SavedSearch, user: User, candidates: list[CatalogueRecord]
    ) -> list[CatalogueRecord]:
        from kb.catalogue import queries

        model = Request if saved.kind == "requests" else Programme
        build = queries.request_query if model is Request else queries.programme_query
        filters = queries.Filters.from_args(as_args(saved.params or {}), model.kind)
        ids = {r.id for r in candidates}
        query = build(user, filters).where(model.id.in_(ids))
        found = set(db.session.scalars(query).unique())
        return [r for r in candidates if r in found]

    # -- the search page: the same engine and query, over this one record ---------------
    def _found(self, saved: SavedSearch, user: User, record: CatalogueRecord) -> bool:
        from kb.searching.routes import build_query

        query = build_query(as_args(saved.params or {}), user, per_page=1)
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
        themes = set(state_themes(country.iso3))
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
        from kb.catalogue.eligibility import eligible_clause

        found = []
        for r in candidates:
            themes = request_themes(r) if isinstance(r, Request) else []
            if not themes or not isinstance(r, Request):
                continue
            query = select(Programme.id).where(
                Programme.organisation_id == user.organisation_id,
                eligible_clause(r.country, self.today),
                or_(*(has_code(Programme.themes, t) for t in themes)),
            )
            if db.session.scalar(query.limit(1)) is not None:
                found.append(r)
        return found
