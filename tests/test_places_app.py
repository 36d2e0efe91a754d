"""Places in the app: the ``place`` filter of lists, API, exports and search; place pages
and country pages; nothing hidden leaks through any of them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kb import codes
from kb.searching.service import search_service
from search.places import default_gazetteer
from tests.test_search_app import search_backend  # noqa: F401 - memory, and postgres in the PG pass


@pytest.fixture
def world(make: Any) -> dict[str, Any]:
    """Requests from ECOWAS (SEN, CIV), the EAC (KEN) and the EU (DEU); a confidential one
    from Senegal; programmes open to Africa, to Kenya only, to all, to WEOG, and one
    offered from Senegal for Germany only."""
    make.country("SEN")
    senegal_org = make.organisation(name="Dakar Cyber Institute", country_code="SEN")
    records = {
        "sen": make.request("SEN", title="Senegal CERT"),
        "civ": make.request("CIV", title="Ivorian cybercrime unit"),
        "ken": make.request("KEN", title="Kenyan awareness"),
        "deu": make.request("DEU", title="German exercise"),
        "secret": make.request(
            "SEN", title="Senegal confidential plan", status="submitted", visibility="secretariat"
        ),
        "africa": make.programme(title="For Africa", eligible_regions=["Africa"]),
        "kenya": make.programme(title="Kenya only", eligible_countries=["KEN"]),
        "global": make.programme(title="For everyone"),
        "weog": make.programme(title="WEOG only", eligible_regions=["Western Europe and Others"]),
        "from_sen": make.programme(
            senegal_org, title="From Dakar to Berlin", eligible_countries=["DEU"]
        ),
    }
    return records


def titles(client: Any, url: str) -> set[str]:
    data = client.get(url).get_json()
    return {item["title"] for item in data["items"]}


def test_lists_filter_by_place(client: Any, world: dict[str, Any]) -> None:
    page = client.get("/requests?place=org:ECOWAS").get_data(as_text=True)
    assert "Senegal CERT" in page and "Ivorian cybercrime unit" in page
    assert "Kenyan awareness" not in page and "German exercise" not in page
    assert "Senegal confidential plan" not in page
    assert "2 requests match these filters" in page
    page = client.get("/programmes?place=org:ECOWAS").get_data(as_text=True)
    for shown in ("For Africa", "For everyone", "From Dakar to Berlin"):
        assert shown in page
    for hidden in ("Kenya only", "WEOG only"):
        assert hidden not in page
    page = client.get("/programmes?place=m49:014").get_data(as_text=True)
    assert "Kenya only" in page and "From Dakar to Berlin" not in page


def test_unknown_place_is_named_not_a_500(client: Any, world: dict[str, Any]) -> None:
    page = client.get("/requests?place=nowhere")
    assert page.status_code == 200
    assert "Ignored unknown values for: place" in page.get_data(as_text=True)
    api = client.get("/api/v1/requests?place=nowhere")
    assert api.status_code == 422
    assert "place" in json.dumps(api.get_json())


def test_api_and_exports_take_the_place(client: Any, world: dict[str, Any]) -> None:
    assert titles(client, "/api/v1/requests?place=org:ECOWAS") == {
        "Senegal CERT",
        "Ivorian cybercrime unit",
    }
    assert titles(client, "/api/v1/programmes?place=informal:sahel") == {
        "For Africa",
        "For everyone",
        "From Dakar to Berlin",
    }
    assert client.get("/api/v1/requests?place=org:ECOWAS").get_json()["total"] == 2
    csv = client.get("/requests/export.csv?place=org:EU").get_data(as_text=True)
    assert "German exercise" in csv and "Senegal CERT" not in csv


def test_secretariat_sees_confidential_records_of_the_place(
    client: Any, auth: Any, make: Any, world: dict[str, Any]
) -> None:
    auth.login(make.user("secretariat").email)
    page = client.get("/requests?place=org:ECOWAS").get_data(as_text=True)
    assert "Senegal confidential plan" in page


def test_place_pages(client: Any, auth: Any, make: Any, world: dict[str, Any]) -> None:
    index = client.get("/places").get_data(as_text=True)
    assert "Eastern Africa" in index and "Economic Community of West African States" in index
    page = client.get("/places/org:ECOWAS")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Economic Community of West African States: 12 member states" in html
    assert "Senegal CERT" in html and "Ivorian cybercrime unit" in html
    assert "For Africa" in html and "Kenya only" not in html
    assert "Senegal confidential plan" not in html
    assert client.get("/places/org:ecowas").status_code == 200
    assert client.get("/places/nowhere").status_code == 404
    assert client.get("/places/m49:014").status_code == 200
    assert client.get("/places/group:Latin America and the Caribbean").status_code == 200
    auth.login(make.user("secretariat").email)
    assert "Senegal confidential plan" in client.get("/places/org:ECOWAS").get_data(as_text=True)


def test_places_in_the_reader_s_language(client: Any, world: dict[str, Any]) -> None:
    html = client.get("/places/m49:014?lang=fr").get_data(as_text=True)
    assert "<h1>Afrique orientale" in html
    # the sentence about the place: its name, the count and the states, in French, sorted
    assert "Afrique orientale : 18 États Membres — Burundi, Comores, Djibouti" in html
    html = client.get("/places/m49:014?lang=zh").get_data(as_text=True)
    assert "东非：18 个会员国——" in html and "、" in html
    html = client.get("/places/org:ECOWAS?lang=ar").get_data(as_text=True)
    assert "الجماعة الاقتصادية لدول غرب أفريقيا: 12 دولة عضوًا" in html
    assert "Economic Community of West African States" in html  # "also written", lang="en"
    assert 'lang="en" dir="ltr">Economic Community of West African States' in html
    html = client.get("/places/org:IGAD?lang=ru").get_data(as_text=True)
    assert "Межправительственный орган по вопросам развития" in html
    # lists sorted by the names in the reader's language (English: Central America first)
    index = client.get("/places?lang=fr").get_data(as_text=True)
    assert index.index("Afrique australe") < index.index("Amérique centrale")
    html = client.get("/requests?place=org:ECOWAS&lang=es").get_data(as_text=True)
    assert "Comunidad Económica de los Estados de África Occidental" in html


def test_country_page_shows_its_subregion_and_organisations(
    client: Any, world: dict[str, Any]
) -> None:
    html = client.get("/countries/SEN").get_data(as_text=True)
    assert 'href="/places/m49:011"' in html and "Western Africa" in html
    assert 'href="/places/org:ECOWAS"' in html
    assert "informal:sahel" in html


@pytest.mark.usefixtures("search_backend")
def test_search_filters_by_place(client: Any, world: dict[str, Any]) -> None:
    search_service().reindex()
    data = client.get("/search.json?place=org:ECOWAS&kind=request").get_json()
    assert {h["title"] for h in data["hits"]} == {"Senegal CERT", "Ivorian cybercrime unit"}
    assert data["total"] == 2
    # Programmes open to a state of the place, or offered from one (as in the lists).
    data = client.get("/search.json?place=org:ECOWAS&kind=programme").get_json()
    expected = {"For Africa", "For everyone", "From Dakar to Berlin"}
    assert {h["title"] for h in data["hits"]} == expected
    assert titles(client, "/api/v1/programmes?place=org:ECOWAS") == expected
    data = client.get("/search.json?place=m49:014&kind=programme").get_json()
    assert {h["title"] for h in data["hits"]} == {"For Africa", "Kenya only", "For everyone"}
    html = client.get("/search?place=org:ECOWAS").get_data(as_text=True)
    assert "Economic Community of West African States ×" in html
    assert "Senegal confidential plan" not in html
    html = client.get("/search?place=org:ECOWAS&lang=ru").get_data(as_text=True)
    assert "Экономическое сообщество западноафриканских государств ×" in html
    # a place read from the query: the chip says it in the reader's language
    html = client.get("/search?q=training+ECOWAS&lang=fr").get_data(as_text=True)
    ecowas = "Communauté économique des États de l&#39;Afrique de l&#39;Ouest"
    assert f"{ecowas} : 12 États Membres" in html
    html = client.get("/search?q=training+ECOWAS&lang=zh").get_data(as_text=True)
    assert "西非国家经济共同体：12 个会员国" in html
    api = client.get("/api/v1/search?place=org:ECOWAS&kind=request")
    assert api.status_code == 200
    assert client.get("/api/v1/search?place=nowhere").status_code == 422


@pytest.mark.usefixtures("search_backend")
def test_search_place_filter_follows_the_rule_for_sub_regions(
    client: Any, make: Any, world: dict[str, Any]
) -> None:
    """A programme open to Eastern Africa only is open to Kenya, not to Senegal (also in
    Africa): search's place filter says so, as the lists and the API do (issue 11 point 1)."""
    make.programme(title="Eastern Africa only", eligible_regions=["m49:014"])
    make.programme(title="EAC and WEOG", eligible_regions=["org:EAC", "Western Europe and Others"])
    search_service().reindex()
    for place, open_to in {
        "SEN": {"For Africa", "For everyone", "From Dakar to Berlin"},
        "org:ECOWAS": {"For Africa", "For everyone", "From Dakar to Berlin"},
        "KEN": {"For Africa", "Kenya only", "For everyone", "Eastern Africa only", "EAC and WEOG"},
        "m49:011": {"For Africa", "For everyone", "From Dakar to Berlin"},
        "DEU": {"For everyone", "WEOG only", "From Dakar to Berlin", "EAC and WEOG"},
    }.items():
        data = client.get(f"/search.json?place={place}&kind=programme&per_page=50").get_json()
        assert {h["title"] for h in data["hits"]} == open_to, place
        assert titles(client, f"/api/v1/programmes?place={place}&per_page=50") == open_to, place
    # the Region facet and filter count what the lists' region filter lists: the programmes
    # open to (some) states of the group, those open to all included
    for region in ("Africa", "Western Europe and Others"):
        data = client.get(f"/search.json?kind=programme&region={region}&per_page=50").get_json()
        listed = titles(client, f"/api/v1/programmes?region={region}&per_page=50")
        assert {h["title"] for h in data["hits"]} == listed, region
        assert dict(map(tuple, data["facets"]["regions"]))[region] == len(listed)
    data = client.get("/search.json?kind=programme&region=global").get_json()
    assert {h["title"] for h in data["hits"]} == {"For everyone"}
    # a state named in the query is read as the place: the programmes open to Burundi
    data = client.get("/search.json?q=Burundi&kind=programme").get_json()
    burundi = {"For Africa", "For everyone", "Eastern Africa only", "EAC and WEOG"}
    assert {h["title"] for h in data["hits"]} == burundi
    data = client.get("/search.json?q=Senegal&kind=programme").get_json()
    assert "Eastern Africa only" not in {h["title"] for h in data["hits"]}


def test_app_codes_agree_with_the_gazetteer() -> None:
    assert tuple(codes.REGIONS) == default_gazetteer().un_groups()


def test_a_programme_listing_a_place_is_open_to_its_states(client: Any, make: Any) -> None:
    make.country("SEN")
    make.country("KEN")
    make.programme(title="For ECOWAS states", eligible_regions=["org:ECOWAS"])
    assert "For ECOWAS states" in titles(client, "/api/v1/programmes?country=SEN")
    assert "For ECOWAS states" not in titles(client, "/api/v1/programmes?country=KEN")
    assert "For ECOWAS states" in titles(client, "/api/v1/programmes?place=informal:sahel")
    assert "For ECOWAS states" not in titles(client, "/api/v1/programmes?place=org:EAC")


def test_the_api_lists_place_codes(client: Any) -> None:
    items = client.get("/api/v1/codes/places").get_json()
    codes_ = {item["code"]: item["label"] for item in items}
    assert codes_["org:ECOWAS"] == "Economic Community of West African States"
    assert codes_["m49:014"] == "Eastern Africa" and "KEN" not in codes_


def test_a_place_s_basis_source_and_note_in_the_reader_s_language(
    client: Any, world: dict[str, Any]
) -> None:
    """The gazetteer's notes are messages of the catalogues (kb/i18n_places.py)."""
    html = client.get("/places/org:ECOWAS?lang=fr").get_data(as_text=True)
    assert "Source : ecowas.int, États membres, au <time" in html
    assert "Le Burkina Faso, le Mali et le Niger se sont retirés le 29 janvier 2025" in html
    html = client.get("/places/org:ECOWAS?lang=zh").get_data(as_text=True)
    assert "来源：ecowas.int，成员国，截至<time" in html
    assert "布基纳法索、马里和尼日尔于2025年1月29日退出" in html
    html = client.get("/places/informal:sahel?lang=ar").get_data(as_text=True)
    assert "الأساس: البلدان العشرة المشمولة باستراتيجية الأمم المتحدة المتكاملة" in html


def test_every_basis_source_and_note_of_the_gazetteer_is_a_message() -> None:
    from kb.i18n_pseudo import source_messages
    from search.places import default_gazetteer

    messages = source_messages()
    for place in default_gazetteer().places():
        for text in (place.basis, place.source, place.note):
            assert not text or text in messages, (place.code, text)
