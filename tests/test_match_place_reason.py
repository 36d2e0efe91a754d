"""A programme open to a place of the gazetteer (a sub-region, an organisation) says so in
its match's region reason — "Eligible: Eastern Africa" — never "open to all countries"
(issue 11, point 1: the rule as users read it)."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask_babel import force_locale

from kb.i18n import reason_text
from search.matching import MatchEngine

TODAY = date(2026, 12, 4)
TEXT = "Training of port CERT staff on the cybersecurity of seaports and maritime logistics."


def _programme(pid: int, regions: list[str]) -> dict:
    return {
        "id": f"programme:{pid}",
        "title": "Seaport cybersecurity training",
        "description": TEXT,
        "text_language": "en",
        "themes": ["critical_infrastructure"],
        "support_types": ["training"],
        "languages": ["en"],
        "eligible_regions": regions,
        "eligible_countries": [],
        "delivery_mode": "hybrid",
        "status": "open",
        "updated_at": "2026-11-01",
    }


def _request(country: str) -> dict:
    return {
        "id": f"request:{country}",
        "title": "Cybersecurity of our seaports",
        "description": TEXT,
        "text_language": "en",
        "themes": ["critical_infrastructure"],
        "support_types": ["training"],
        "languages": ["en"],
        "country": country,
        "country_name": country,
        "region": "Africa",
        "status": "open",
    }


def _region_reasons(country: str) -> dict[str, dict]:
    engine = MatchEngine().fit(
        [_programme(1, ["m49:014"]), _programme(2, []), _programme(3, ["org:ECOWAS"])]
    )
    found = {}
    for match in engine.match_request(_request(country), 10, today=TODAY):
        reason = next(r for r in match.reasons if r.kind == "region")
        found[match.programme_id] = {
            "kind": reason.kind,
            "text": reason.text,
            "items": reason.items,
        }
    return found


def test_a_place_is_named_in_the_region_reason(app: Flask) -> None:
    kenya = _region_reasons("KEN")  # Kenya is in Eastern Africa, not in ECOWAS
    assert set(kenya) == {"programme:1", "programme:2"}
    assert kenya["programme:1"]["text"] == "Eligible: Eastern Africa"
    assert list(kenya["programme:1"]["items"]) == ["m49:014"]
    assert kenya["programme:2"]["text"] == "Eligible: open to all countries"
    senegal = _region_reasons("SEN")
    assert set(senegal) == {"programme:2", "programme:3"}
    assert senegal["programme:3"]["text"].startswith("Eligible: ")
    assert list(senegal["programme:3"]["items"]) == ["org:ECOWAS"]
    with app.test_request_context("/"):
        with force_locale("fr"):
            assert reason_text(kenya["programme:1"]) == "Admissible : Afrique orientale"
            assert reason_text(kenya["programme:2"]) == "Admissible : ouvert à tous les pays"
        with force_locale("en"):
            assert reason_text(kenya["programme:1"]) == "Eligible: Eastern Africa"
