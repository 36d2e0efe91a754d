"""Matching learns from history (issue 16 point 5): what a state already receives is not
proposed to it again; a provider with a track record in the region on the request's main
theme gets a small, explained boost; planned work and other states' work change nothing."""

from __future__ import annotations

from datetime import date

from search.matching import MatchEngine
from search.matching.history import History

TODAY = date(2026, 11, 29)


def _programme(pid: str, org: int, themes: list[str], support: list[str], title: str) -> dict:
    return {
        "id": pid,
        "title": title,
        "description": f"{title}. Support for national incident response teams.",
        "text_language": "en",
        "themes": themes,
        "support_types": support,
        "languages": ["en"],
        "eligible_regions": [],
        "eligible_countries": [],
        "status": "open",
        "organisation_id": org,
        "updated_at": "2026-11-01",
    }


PROGRAMMES = [
    _programme("p1", 1, ["incident_response"], ["technical_assistance"], "CERT set-up support"),
    _programme("p2", 2, ["incident_response"], ["technical_assistance"], "CERT establishment help"),
    _programme("p3", 1, ["incident_response"], ["exercise"], "Regional CERT drill"),
]
REQUEST = {
    "id": "r1",
    "title": "Support to set up the national CERT",
    "description": "We need technical assistance to set up our national incident response team.",
    "text_language": "en",
    "themes": ["incident_response"],
    "support_types": ["technical_assistance"],
    "languages": ["en"],
    "country": "MWI",
    "region": "Africa",
    "status": "open",
}


def _work(states, status="completed", implementers=(1,), support=("technical_assistance",)):
    return {
        "id": "i1",
        "states": list(states),
        "regions": ["Africa"],
        "themes": ["incident_response"],
        "support_types": list(support),
        "work_status": status,
        "funders": [9],
        "implementers": list(implementers),
    }


def _ids(history) -> list[str]:
    engine = MatchEngine().fit(PROGRAMMES, history=history)
    return [m.programme_id for m in engine.match_request(REQUEST, 10, today=TODAY)]


def test_a_programme_the_state_receives_is_not_proposed_again():
    assert "p1" in _ids([])
    found = _ids([_work(["MWI"])])
    assert "p1" not in found
    assert "p3" in found  # same provider and theme, other support (a drill): still proposed
    engine = MatchEngine().fit(PROGRAMMES, history=[_work(["MWI"])])
    assert "p1" not in engine.request_scores(REQUEST, TODAY)
    assert engine.programme_scores(PROGRAMMES[0], [REQUEST], TODAY) == {}


def test_planned_work_and_other_states_change_nothing():
    assert "p1" in _ids([_work(["MWI"], status="planned")])
    assert "p1" in _ids([_work(["MWI"], status="cancelled")])
    assert "p1" in _ids([_work(["KEN"], implementers=(3,))])


def test_track_record_in_the_region_gives_a_small_explained_boost():
    plain = MatchEngine().fit(PROGRAMMES)
    before = {m.programme_id: m for m in plain.match_request(REQUEST, 10, today=TODAY)}
    engine = MatchEngine().fit(PROGRAMMES, history=[_work(["KEN"], implementers=(2,))])
    after = {m.programme_id: m for m in engine.match_request(REQUEST, 10, today=TODAY)}
    assert after["p2"].score > before["p2"].score
    assert after["p2"].score - before["p2"].score < 0.2  # small
    assert after["p1"].score == before["p1"].score  # nobody else moves
    reasons = {r.kind: r for r in after["p2"].reasons}
    assert reasons["track_record"].text == "Has delivered incident response work in Africa"
    assert reasons["track_record"].items == ("Africa", "incident_response")
    assert "track_record" not in {r.kind for r in after["p1"].reasons}
    total = sum(r.contribution for r in after["p2"].reasons)
    assert abs(total - after["p2"].score) < 1e-6
    # the same score in the per-programme path (incremental refresh)
    scores = engine.programme_scores(PROGRAMMES[1], [REQUEST], TODAY)
    assert abs(scores["r1"] - after["p2"].score) < 1e-6


def test_funding_alone_is_no_track_record():
    history = History([{**_work(["KEN"], implementers=()), "funders": [2]}])
    assert history.delivered("Africa", 2) == set()
    assert history.receives("KEN", 2, ["incident_response"], ["technical_assistance"])
