"""The ``place`` filter on every backend: records from a place's states, or open to them
(a programme listing states is open to those only; one listing only regions, to theirs)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PUBLIC, doc

from search import PlaceScope, SearchQuery

SECRET = frozenset({"secretariat"})

PLACES_CORPUS = [
    doc("request:20", "Nigeria CERT", regions=["Africa"], countries=["NGA"]),
    doc("request:21", "Mali CERT", regions=["Africa"], countries=["MLI"]),
    doc("request:22", "France CERT", regions=["Western Europe and Others"], countries=["FRA"]),
    doc("programme:30", "For Africa", kind="programme", regions=["Africa"]),
    doc("programme:31", "Kenya only", regions=["Africa"], countries=["KEN"]),
    doc("programme:32", "Anywhere", regions=["global"]),
    doc("programme:33", "WEOG states", regions=["Western Europe and Others"]),
    doc("programme:34", "West Africa", regions=["m49:011"]),
    doc(
        "request:35",
        "Ghana confidential",
        regions=["Africa"],
        countries=["GHA"],
        status="submitted",
        visibility="secretariat",
        access=["secretariat", "owner:country:GHA"],
    ),
]


@pytest.fixture
def places(backend: Any) -> Any:
    backend.upsert(PLACES_CORPUS)

    def run(place: Any, tokens: frozenset[str] = PUBLIC, **kw: Any) -> set[str]:
        filters = {"place": place, **kw.pop("filters", {})}
        q = SearchQuery(text=kw.pop("text", ""), filters=filters, viewer_tokens=tokens, **kw)
        result = backend.search(q)
        ids = set(result.ids)
        assert result.total == len(ids)  # totals describe what is shown
        return ids

    return run


def test_organisation_membership(places: Any) -> None:
    # request:1 is from Côte d'Ivoire (ECOWAS), programme:2 is global (no region, no state)
    assert places("org:ECOWAS", per_page=100) == {
        "request:1",
        "programme:2",
        "request:20",
        "programme:30",
        "programme:32",
        "programme:34",
    }


def test_listed_states_limit_a_programme_to_them(places: Any) -> None:
    assert "programme:31" not in places("org:ECOWAS")  # Kenya only, though it lists Africa
    assert "programme:31" in places("org:EAC")
    assert "programme:4" not in places("group:Asia-Pacific") - places("FJI")


def test_informal_name_and_subregion(places: Any) -> None:
    assert places("informal:sahel", per_page=100) == {
        "programme:2",
        "request:20",
        "request:21",
        "programme:30",
        "programme:32",
        "programme:34",
    }
    assert places("m49:014", per_page=100) == {
        "programme:2",
        "request:3",
        "request:5",
        "programme:30",
        "programme:31",
        "programme:32",
    }


def test_several_places_are_or_ed_and_other_filters_and_ed(places: Any) -> None:
    both = places(["org:EU", "org:EAC"], per_page=100)
    assert both == places("org:EU", per_page=100) | places("org:EAC", per_page=100)
    assert {"request:22", "programme:33", "request:3", "programme:31"} <= both
    assert places("org:EU", filters={"kind": ["request"]}) == {"request:22"}
    assert places("org:EU", text="CERT") == {"request:22", "programme:2"}  # CSIRT, global


def test_hidden_records_stay_hidden(places: Any) -> None:
    assert "request:35" not in places("org:ECOWAS", per_page=100)
    assert "request:35" in places("org:ECOWAS", SECRET, per_page=100)
    assert "request:6" not in places("m49:014", per_page=100)


def test_unknown_place_finds_nothing(places: Any) -> None:
    assert places("nowhere") == set()


def test_codes_are_read_case_insensitively(places: Any) -> None:
    assert places("ORG:ecowas", per_page=100) == places("org:ECOWAS", per_page=100)


def test_facets_count_only_records_in_scope(backend: Any) -> None:
    backend.upsert(PLACES_CORPUS)
    res = backend.search(SearchQuery(filters={"place": ["org:EU"]}, viewer_tokens=PUBLIC))
    counted = dict(res.facets["kind"])
    assert sum(counted.values()) == res.total == 4


def test_scope_rule() -> None:
    scope = PlaceScope.of(["org:GCC"])
    assert scope.countries == {"BHR", "KWT", "OMN", "QAT", "SAU", "ARE"}
    assert {"global", "Asia-Pacific", "org:GCC", "m49:145"} <= scope.regions
    assert scope.admits(["SAU"], ["Asia-Pacific"])
    assert not scope.admits(["IRN"], ["Asia-Pacific"])
    assert scope.admits([], ["Asia-Pacific"])
    assert not scope.admits([], ["Africa"])
    assert scope.admits([], ["global"])
