"""The API's matching endpoints: explained matches, pairs, unmet needs, workflow, notifications."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kb.matching.service import match_service
from kb.uow import unit_of_work
from tests.test_api import assert_problem, bearer

FUTURE = date.today() + timedelta(days=365)


@pytest.fixture
def pair(make):
    org = make.organisation(name="Forensics Institute")
    request = make.request(
        "KEN",
        title="Digital forensics laboratory for the cybercrime unit",
        description="Our police cybercrime unit needs a digital forensics laboratory and "
        "training for examiners.",
        themes=["cybercrime"],
        support_types=["equipment", "training"],
    )
    programme = make.programme(
        org,
        title="Digital forensics laboratory set-up for law enforcement",
        description="We equip digital forensics laboratories and train police examiners.",
        themes=["cybercrime"],
        support_types=["equipment", "training"],
        end_date=FUTURE,
    )
    hidden = make.programme(
        org,
        title="Confidential forensics laboratory programme",
        description="We equip digital forensics laboratories and train police examiners.",
        themes=["cybercrime"],
        visibility="secretariat",
    )
    focal = make.user("focal_point", country="KEN")
    provider = make.user("provider", organisation=org)
    with unit_of_work():  # the stored suggestions the endpoints read
        match_service().refresh()
    return request, programme, hidden, focal, provider


def test_record_matches_are_explained_and_filtered(client, pair):
    request, programme, hidden, *_ = pair
    body = client.get(f"/api/v1/requests/{request.id}/matches").get_json()
    titles = [i["record"]["title"] for i in body["items"]]
    assert programme.title in titles and hidden.title not in titles
    first = body["items"][0]
    assert first["quality"] in ("strong", "good", "weak") and 0 <= first["score"] <= 1
    assert any(r["kind"] == "themes" for r in first["reasons"])
    assert set(body["need"]) >= {"best_score", "unmet", "quality"}
    back = client.get(f"/api/v1/programmes/{programme.id}/matches").get_json()
    assert [i["record"]["title"] for i in back["items"]] == [request.title]
    assert_problem(client.get(f"/api/v1/programmes/{hidden.id}/matches"), 404)


def test_reasons_are_worded_in_the_language_asked_for(client, pair):
    """As on the pages: "Thèmes : Cybercriminalité" in French; the records' words as written."""
    request = pair[0]
    for url in (f"/api/v1/requests/{request.id}/matches", "/api/v1/matches?theme=cybercrime"):
        english = client.get(url).get_json()["items"][0]["reasons"]
        french = client.get(url, headers={"Accept-Language": "fr"}).get_json()["items"][0]
        themes = next(r for r in french["reasons"] if r["kind"] == "themes")
        assert "Cybercriminalité" in themes["text"] and "<" not in themes["text"]
        assert [r["kind"] for r in french["reasons"]] == [r["kind"] for r in english]
        assert any(r["text"].startswith("Themes: ") for r in english)


def test_pairs_and_unmet_needs(client, pair):
    with unit_of_work():
        match_service().refresh()
    data = client.get("/api/v1/matches?theme=cybercrime").get_json()
    assert data["total"] >= 1
    assert all(p["programme"]["title"] != pair[2].title for p in data["items"])
    unmet = client.get("/api/v1/matches/unmet").get_json()
    assert 0 < unmet["threshold"] < 1
    assert_problem(client.get("/api/v1/matches?since=yesterday"), 422, "since")


def test_workflow_over_the_api(client, pair):
    request, programme, _hidden, focal, provider = pair
    provider_auth, focal_auth = bearer(provider), bearer(focal)
    assert_problem(client.get("/api/v1/match-cases"), 401)
    created = client.post(
        "/api/v1/match-cases",
        json={"request_id": request.id, "programme_id": programme.id, "message": "We can help"},
        headers=provider_auth,
    )
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert case["status"] == "proposed" and case["your_steps"] == []
    again = client.post(
        "/api/v1/match-cases",
        json={"request_id": request.id, "programme_id": programme.id},
        headers=provider_auth,
    )
    assert_problem(again, 409)
    assert_problem(
        client.post(f"/api/v1/match-cases/{case['id']}/actions/accept", headers=provider_auth), 403
    )
    notes = client.get("/api/v1/notifications", headers=focal_auth).get_json()
    assert notes["unread"] == 1
    accepted = client.post(
        f"/api/v1/match-cases/{case['id']}/actions/accept", json={"note": "Yes"}, headers=focal_auth
    )
    assert accepted.get_json()["status"] == "accepted"
    assert_problem(
        client.post(
            f"/api/v1/match-cases/{case['id']}/actions/complete", json={}, headers=focal_auth
        ),
        409,
    )
    listed = client.get("/api/v1/match-cases", headers=provider_auth).get_json()
    assert listed["total"] == 1
    assert client.post("/api/v1/notifications/read", headers=focal_auth).get_json()["unread"] == 0


def test_outsiders_cannot_see_or_act_on_cases(client, pair, make):
    request, programme, _hidden, focal, _provider = pair
    case = client.post(
        "/api/v1/match-cases",
        json={"request_id": request.id, "programme_id": programme.id},
        headers=bearer(focal),
    ).get_json()
    outsider = bearer(make.user("provider"))
    assert_problem(client.get(f"/api/v1/match-cases/{case['id']}", headers=outsider), 404)
    assert_problem(
        client.post(f"/api/v1/match-cases/{case['id']}/actions/accept", headers=outsider), 404
    )
    assert client.get("/api/v1/match-cases", headers=outsider).get_json()["total"] == 0
    bad = client.post(
        "/api/v1/match-cases", json={"request_id": "x", "programme_id": -1}, headers=outsider
    )
    assert_problem(bad, 422, "request_id", "programme_id")
