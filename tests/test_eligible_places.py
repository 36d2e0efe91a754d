"""Programmes open to M49 regions and sub-regions, organisations and groupings: entered
through the web form, the API (and imports) and the Word form, validated, and applied by
the one eligibility rule."""

from __future__ import annotations

from typing import Any

from kb.extensions import db
from kb.models import Programme
from kb.places import eligible
from tests.test_api import assert_problem, bearer
from tests.test_word_pages import fill, form_values, upload


def _form(provider: Any, **extra: Any) -> dict[str, Any]:
    return {
        "organisation_id": provider.organisation_id,
        "title": "Cyber drills for East African CERTs",
        "description": "A yearly regional drill for national CERTs, with a debrief.",
        "text_language": "en",
        "themes": ["incident_response"],
        "support_types": ["exercise"],
        "languages": ["en"],
        "delivery_mode": "online",
        "cost_model": "free",
        "visibility": "public",
        **extra,
    }


def _titles(client: Any, url: str) -> set[str]:
    return {item["title"] for item in client.get(url).get_json()["items"]}


def test_the_web_form_takes_places_and_the_rule_applies(client, auth, make) -> None:
    for iso3 in ("KEN", "TZA", "GHA"):
        make.country(iso3)
    provider = make.user("provider")
    auth.login(provider.email)
    form = client.get("/programmes/new").get_data(as_text=True)
    assert 'name="eligible_places"' in form and "Eastern Africa" in form
    assert "only those states may apply" in form  # the rule, as the help text says it
    response = client.post(
        "/programmes/new",
        data=_form(provider, eligible_regions=["Asia-Pacific"], eligible_places=["m49:014"]),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    record = db.session.query(Programme).one()
    assert record.eligible_regions == ["Asia-Pacific", "m49:014"]
    page = client.get(f"/programmes/{record.id}").get_data(as_text=True)
    assert "States of Asia-Pacific, Eastern Africa" in page
    # the edit form shows the place selected, not lost among the check boxes
    edit = client.get(f"/programmes/{record.id}/edit").get_data(as_text=True)
    assert '<option selected value="m49:014">' in edit or 'value="m49:014" selected' in edit
    record.status = "open"
    db.session.commit()
    assert record.title in _titles(client, "/api/v1/programmes?country=KEN")  # Eastern Africa
    assert record.title not in _titles(client, "/api/v1/programmes?country=GHA")
    # a place not offered is refused with a message on that field, and nothing is saved
    bad = client.post("/programmes/new", data=_form(provider, eligible_places=["m49:999"]))
    assert bad.status_code == 200 and 'id="eligible_places-err"' in bad.get_data(as_text=True)
    assert db.session.query(Programme).count() == 1
    # place names in the reader's language where the gazetteer has them
    french = client.get(f"/programmes/{record.id}?lang=fr").get_data(as_text=True)
    assert "Afrique orientale" in french


def test_listed_states_win_over_places(client, auth, make) -> None:
    for iso3 in ("KEN", "TZA"):
        make.country(iso3)
    provider = make.user("provider")
    auth.login(provider.email)
    data = _form(provider, eligible_places=["org:EAC"], eligible_countries=["TZA"])
    assert client.post("/programmes/new", data=data).status_code == 302
    record = db.session.query(Programme).one()
    record.status = "open"
    db.session.commit()
    assert record.title in _titles(client, "/api/v1/programmes?country=TZA")
    assert record.title not in _titles(client, "/api/v1/programmes?country=KEN")


def test_the_api_takes_place_codes_and_names_the_field_of_an_unknown_one(client, make) -> None:
    org = make.organisation()
    provider = make.user("provider", organisation=org)
    body = {
        "title": "Cable resilience reviews",
        "description": "Reviews of landing stations and backup routes for island states.",
        "themes": ["critical_infrastructure"],
        "support_types": ["research"],
        "languages": ["en"],
        "organisation_id": org.id,
        "eligible_regions": ["grouping:SIDS", "org:CARICOM"],
    }
    created = client.post("/api/v1/programmes", json=body, headers=bearer(provider))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["eligible_regions"] == ["grouping:SIDS", "org:CARICOM"]
    bad = client.post(
        "/api/v1/programmes",
        json={**body, "eligible_regions": ["Atlantis"]},
        headers=bearer(provider),
    )
    problem = assert_problem(bad, 422, "eligible_regions")
    assert "Atlantis" in str(problem)
    listed = client.get("/api/v1/codes/eligible_places").get_json()
    assert {"code": "m49:014", "label": "Eastern Africa"} in listed
    assert all(not item["code"].startswith("group:") for item in listed)


def test_the_word_form_takes_place_names_and_codes(client, auth, make) -> None:
    provider = make.user("provider")
    auth.login(provider.email)
    blank = client.get("/word/templates/programme.docx").data
    filled = fill(
        blank,
        {
            "Title": "Cyber drills for East African CERTs",
            "Description": "A yearly regional drill for national CERTs, with a debrief.",
            "Delivery mode": "online",
            "Cost model": "free",
            "Other eligible places": "Eastern Africa, EAC, grouping:SIDS, Narnia",
        },
        {
            "Themes": ["incident_response"],
            "Support types": ["exercise"],
            "Working languages": ["en"],
            "Interpretation or translated material in": ["fr"],
        },
    )
    html = upload(client, filled, "programme").get_data(as_text=True)
    assert "Other eligible places: “Narnia” is not a known region" in html
    values = form_values(html)
    assert values["eligible_places"] == ["m49:014", "org:EAC", "grouping:SIDS"]
    assert values["interpretation_languages"] == ["fr"]  # reviewed, so kept on saving


def test_resolution_and_labels() -> None:
    assert eligible.resolve("east african community") == "org:EAC"
    assert eligible.resolve("M49:014") == "m49:014"
    assert eligible.resolve("Global (anywhere)") == "global"
    assert eligible.resolve("Africa") == "Africa"  # the UN group, stored by name
    assert eligible.resolve("Narnia") is None
    assert eligible.is_listable("informal:sahel") and not eligible.is_listable("KEN")
    assert eligible.label("org:EAC") == "East African Community"
