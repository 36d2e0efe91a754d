"""The search result cache: keyed on query, viewer tokens and index generation."""

from __future__ import annotations

import pytest

from kb import access
from kb.catalogue import operations
from kb.searching.service import search_service
from kb.uow import unit_of_work
from search import SearchQuery


@pytest.fixture
def whoosh(app, tmp_path):
    app.config.update(SEARCH_BACKEND="whoosh", SEARCH_DIR=str(tmp_path / "index"))
    app.extensions["kb_search"] = None
    yield search_service()
    app.extensions["kb_search"] = None


def _search(user, text: str):
    return search_service().search(SearchQuery(text=text, viewer_tokens=access.viewer_tokens(user)))


def test_results_are_reused_until_the_index_changes(whoosh, make):
    make.request("KEN", title="Quokkaland forensic laboratory")
    search_service().reindex()
    first = _search(None, "quokkaland")
    assert _search(None, "quokkaland") is first and whoosh.cache.hits == 1
    secretariat = make.user("secretariat")
    with unit_of_work():
        record = make.request("KEN", title="Quokkaland cyber drills")
        operations.update_record(secretariat, record, {"urgency": "high"}, partial=True)
    again = _search(None, "quokkaland")
    assert again is not first and again.total == 2


def test_the_viewer_is_part_of_the_key(whoosh, make):
    make.request("KEN", title="Quokkaland confidential plan", visibility="secretariat")
    make.request("KEN", title="Quokkaland public plan")
    search_service().reindex()
    secretariat = make.user("secretariat")
    assert _search(secretariat, "quokkaland").total == 2
    assert _search(None, "quokkaland").total == 1
    assert _search(secretariat, "quokkaland").total == 2


def test_an_undone_reading_is_part_of_the_key(whoosh, make):
    """Undoing a chip (``literal``) after the search was made is a new search: the cached
    result still had the reading."""
    make.request("KEN", title="Quokkaland forensic laboratory")
    search_service().reindex()

    def search(literal: frozenset[str] = frozenset()):
        return search_service().search(
            SearchQuery(
                text="quokkaland Kenya", viewer_tokens=access.viewer_tokens(None), literal=literal
            )
        )

    assert "place:KEN" in {r.key for r in search().readings}
    undone = search(frozenset({"place:KEN"}))
    assert "place:KEN" not in {r.key for r in undone.readings}


def test_another_process_writing_the_index_invalidates(whoosh, make):
    make.request("KEN", title="Quokkaland public plan")
    search_service().reindex()
    first = _search(None, "quokkaland")
    whoosh.marker.bump()  # what a drain in another worker does after writing
    assert _search(None, "quokkaland") is not first
