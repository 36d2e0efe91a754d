"""The gazetteer: its facts (193 states, groups, sub-regions, memberships, names) and
``find`` on realistic text."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from search.places import default_gazetteer
from search.places.gazetteer import load

ROOT = Path(__file__).resolve().parents[2]
g = default_gazetteer()


def codes(text: str) -> list[tuple[str, str]]:
    return [(m.surface, m.place.code) for m in g.find(text)]


# -- facts -----------------------------------------------------------------------------


def test_193_member_states_each_in_one_un_group_and_one_finest_subregion() -> None:
    states = g.states()
    assert len(states) == 193
    groups = g.places("un_group")
    assert [p.name for p in groups] == sorted(g.un_groups())
    assert sum(len(p.members) for p in groups) == 193
    for s in states:
        in_groups = [p for p in groups if s.code in p.members]
        assert len(in_groups) == 1, s.code
        finest = [
            p
            for p in g.containing(s.code)
            if p.kind == "subregion"
            and not any(c.parent == p.code and c.kind != "state" for c in g.places())
        ]
        assert [p.code for p in finest] == [g.subregion(s.code).code], s.code
    assert Counter(len(p.members) for p in groups) == Counter([54, 54, 33, 29, 23])


def test_seed_countries_agree_with_the_gazetteer() -> None:
    """``seed_data/countries.json`` (what the app seeds) and the gazetteer (the source of
    truth for places) list the same states, names and UN groups."""
    seed = json.loads((ROOT / "seed_data" / "countries.json").read_text(encoding="utf-8"))
    assert {c["iso3"]: (c["name"], c["region"]) for c in seed} == {
        s.code: (s.name, g.un_group(s.code)) for s in g.states()
    }


def test_m49_subregions_and_codes() -> None:
    eastern_africa = g.get("m49:014")
    assert eastern_africa is not None and eastern_africa.kind == "subregion"
    assert eastern_africa.name == "Eastern Africa" and len(eastern_africa.members) == 18
    assert {"KEN", "ETH", "TZA", "MDG"} <= eastern_africa.members
    assert g.get("m49:143").members == {"KAZ", "KGZ", "TJK", "TKM", "UZB"}  # Central Asia
    assert g.get("m49:154").members >= {"DNK", "EST", "FIN", "GBR", "IRL", "SWE"}
    assert g.get("m49:029").name == "Caribbean" and "JAM" in g.get("m49:029").members
    assert g.get("m49:035").members >= {"IDN", "VNM", "TLS"}  # South-eastern Asia
    assert g.subregion("KEN").code == "m49:014"
    assert g.get("m49:202").members >= g.get("m49:014").members  # Sub-Saharan Africa
    assert g.get("m49:002").members == g.get("group:Africa").members


@pytest.mark.parametrize(
    ("code", "inside", "outside", "size"),
    [
        ("org:ECOWAS", {"NGA", "GHA", "SEN", "CIV"}, {"MLI", "BFA", "NER", "CMR"}, 12),
        ("org:SADC", {"ZAF", "COD", "TZA"}, {"KEN"}, 16),
        ("org:EAC", {"KEN", "SOM", "COD"}, {"ETH"}, 8),
        ("org:IGAD", {"ETH", "DJI", "SDN"}, {"TZA"}, 8),
        ("org:LAS", {"EGY", "SAU", "SYR", "COM"}, {"IRN", "TUR", "ISR"}, 21),
        ("org:GCC", {"SAU", "QAT", "OMN"}, {"IRQ", "YEM"}, 6),
        ("org:ASEAN", {"IDN", "TLS", "MMR"}, {"PNG"}, 11),
        ("org:OAS", {"USA", "CAN", "JAM"}, {"NIC", "ESP"}, 34),
        ("org:CARICOM", {"JAM", "HTI", "SUR"}, {"CUB", "DOM"}, 14),
        ("org:SICA", {"PAN", "DOM"}, {"MEX"}, 8),
        ("org:EU", {"FRA", "HRV", "CYP"}, {"GBR", "NOR", "CHE"}, 27),
        ("org:OSCE", {"USA", "MNG", "KAZ"}, {"ISR", "JPN"}, 56),
        ("org:COMMONWEALTH", {"GAB", "TGO", "RWA", "GBR"}, {"IRL", "ZWE"}, 56),
        ("org:PIF", {"AUS", "FJI", "PLW"}, {"IDN"}, 14),
        ("org:CAN", {"BOL", "PER"}, {"VEN", "CHL"}, 4),
        ("org:MERCOSUR", {"BRA", "BOL"}, {"VEN", "CHL"}, 5),
        ("org:AU", {"MAR", "EGY", "ZAF"}, {"ISR"}, 54),
        ("informal:sahel", {"MLI", "NER", "TCD", "SEN"}, {"DZA"}, 10),
        ("informal:gulf", {"ARE", "KWT"}, {"IRN"}, 6),
        ("grouping:LDC", {"AFG", "HTI", "TCD"}, {"STP", "BTN", "IND"}, 44),
        ("grouping:LLDC", {"BOL", "MNG", "LAO"}, {"PER"}, 32),
        ("grouping:SIDS", {"FJI", "JAM", "SGP"}, {"NZL"}, 37),
    ],
)
def test_memberships(code: str, inside: set[str], outside: set[str], size: int) -> None:
    place = g.get(code)
    assert place is not None
    assert inside <= place.members
    assert not outside & place.members
    assert len(place.members) == size


def test_every_organisation_and_informal_name_says_where_it_comes_from() -> None:
    for p in g.places("organisation"):
        assert p.source and p.as_of, p.code
    for p in g.places("informal"):
        assert p.basis, p.code
    for path in (ROOT / "search" / "data").glob("places_*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert all(s.get("source") and s.get("date") for s in data["_sources"]), path


def test_names_in_english_french_and_spanish() -> None:
    for s in g.states():
        assert all(s.names[lang] for lang in ("en", "fr", "es")), s.code
    civ = g.state("CIV")
    assert "Ivory Coast" in civ.names["en"] and "Costa de Marfil" in civ.names["es"]
    assert "Allemagne" in g.state("DEU").names["fr"]
    assert "Alemania" in g.state("DEU").names["es"]
    for p in g.places():
        if p.kind != "state":
            assert p.names["en"] and p.names["fr"] and p.names["es"], p.code


def test_every_place_is_named_in_the_six_un_languages() -> None:
    for p in g.places():
        assert all(p.names.get(lang) for lang in ("en", "fr", "es", "ar", "ru", "zh")), p.code
    # M49 areas by their UNSD names in each language (shown first), CLDR's kept as others
    east = g.get("m49:014")
    assert east is not None
    assert east.names["ar"][0] == "شرق أفريقيا" and east.names["zh"][0] == "东非"
    assert east.names["ru"][0] == "Восточная Африка"
    lac = g.get("m49:419")
    assert lac is not None and lac.names["ru"][0] == "Латинская Америка и Карибский бассейн"
    assert "Латинская Америка" in lac.names["ru"]  # CLDR's
    # states: UNSD's short and formal forms
    bol = g.state("BOL")
    assert bol.names["ru"][:2] == ["Боливия", "Многонациональное Государство Боливия"]
    assert "دولة بوليفيا المتعددة القوميات" in bol.names["ar"]
    assert bol.names["zh"][0] == "多民族玻利维亚国"
    assert g.get("org:IGAD").names["zh"][0] == "政府间发展管理局"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("обучение для МОВР", "org:IGAD"),
        ("培训 东南非共同市场 成员", "org:COMESA"),
        ("تدريب لدول أفريقيا جنوب الصحراء الكبرى", "m49:202"),
        ("Карибский бассейн", "m49:029"),
    ],
)
def test_names_in_arabic_chinese_and_russian_are_found(text: str, code: str) -> None:
    assert code in {m.place.code for m in g.find(text)}


def test_get_containing_and_describe() -> None:
    assert g.get("ken").code == "KEN"
    assert g.get("Africa").code == "group:Africa"
    assert g.get("org:ecowas").code == "org:ECOWAS"
    assert g.get("nowhere") is None
    kenya = [p.code for p in g.containing("KEN")]
    assert {"group:Africa", "m49:014", "m49:202", "m49:002", "org:EAC", "org:IGAD"} <= set(kenya)
    assert kenya.index("group:Africa") < kenya.index("org:EAC") < kenya.index("m49:014")
    assert g.un_group("FJI") == "Asia-Pacific"
    assert g.keys_of_state("KEN") >= {"Africa", "m49:014", "org:EAC"}
    text = g.describe(g.get("m49:014"))
    assert text.startswith("Eastern Africa: 18 member states — Burundi, Comoros, ")
    assert text.endswith(", …")
    assert g.describe(g.get("org:GCC"), limit=6).endswith("United Arab Emirates")


def test_bad_data_is_refused(tmp_path: Path) -> None:
    for name in ("places_m49.json", "places_groups.json"):
        (tmp_path / name).write_text(
            (ROOT / "search" / "data" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    data = json.loads((tmp_path / "places_groups.json").read_text(encoding="utf-8"))
    data["organisations"][0]["members_of"] = []
    data["organisations"][0]["members"] = ["KEN", "XXX"]
    (tmp_path / "places_groups.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="XXX"):
        load(tmp_path)


# -- find ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("incident response training for the Sahel", [("Sahel", "informal:sahel")]),
        ("Andean states", [("Andean states", "informal:andean")]),
        ("Gulf states cyber strategy", [("Gulf states", "informal:gulf")]),
        ("needs in Cote d'Ivoire", [("Cote d'Ivoire", "CIV")]),
        ("Côte d’Ivoire", [("Côte d’Ivoire", "CIV")]),
        ("formation en Côte d'Ivoire", [("Côte d'Ivoire", "CIV")]),
        ("Ivory Coast CERT", [("Ivory Coast", "CIV")]),
        ("apoyo a Costa de Marfil", [("Costa de Marfil", "CIV")]),
        ("ECOWAS member states", [("ECOWAS", "org:ECOWAS")]),
        ("la CEDEAO et l'UA", [("CEDEAO", "org:ECOWAS"), ("UA", "org:AU")]),
        ("workshops in West Africa", [("West Africa", "m49:011")]),
        ("Afrique de l'Ouest", [("Afrique de l'Ouest", "m49:011")]),
        ("programmes for Eastern Africa", [("Eastern Africa", "m49:014")]),
        ("Southeast Asia and the Pacific islands", [
            ("Southeast Asia", "m49:035"), ("Pacific islands", "informal:pacific_islands"),
        ]),
        ("Asia-Pacific", [("Asia-Pacific", "group:Asia-Pacific")]),
        ("Guinea-Bissau, Equatorial Guinea and Guinea", [
            ("Guinea-Bissau", "GNB"), ("Equatorial Guinea", "GNQ"), ("Guinea", "GIN"),
        ]),
        ("Niger and Nigeria", [("Niger", "NER"), ("Nigeria", "NGA")]),
        ("Sudan and South Sudan", [("Sudan", "SDN"), ("South Sudan", "SSD")]),
        ("Democratic Republic of the Congo", [("Democratic Republic of the Congo", "COD")]),
        ("the DRC", [("DRC", "COD")]),
        ("EU and US support", [("EU", "org:EU"), ("US", "USA")]),
        ("the OAS and CARICOM", [("OAS", "org:OAS"), ("CARICOM", "org:CARICOM")]),
        ("Estados Unidos y la Unión Europea", [
            ("Estados Unidos", "USA"), ("Unión Europea", "org:EU"),
        ]),
        ("LDCs and small island developing states", [
            ("LDCs", "grouping:LDC"), ("small island developing states", "grouping:SIDS"),
        ]),
        ("Nordic countries, the Baltic states and the Western Balkans", [
            ("Nordic countries", "informal:nordic"), ("Baltic states", "informal:baltic"),
            ("Western Balkans", "informal:western_balkans"),
        ]),
        ("Horn of Africa", [("Horn of Africa", "informal:horn_of_africa")]),
        ("G5 Sahel", [("G5 Sahel", "org:G5SAHEL")]),
        ("CHAD", [("CHAD", "TCD")]),
        ("Türkiye or Turkey", [("Türkiye", "TUR"), ("Turkey", "TUR")]),
        ("Royaume-Uni", [("Royaume-Uni", "GBR")]),
        # adjectives of places
        ("programmes for East African ministries", [("East African", "m49:014")]),
        ("East African Community", [("East African Community", "org:EAC")]),
        ("West African CERTs", [("West African", "m49:011")]),
        ("Central Asian states", [("Central Asian", "m49:143")]),
        ("Southeast Asian regulators", [("Southeast Asian", "m49:035")]),
        ("Latin American CERTs", [("Latin American", "informal:latin_america")]),
        ("Pacific island CERT", [("Pacific island", "informal:pacific_islands")]),
        ("Arab women in cyber", [("Arab", "org:LAS")]),
        ("United Arab Emirates", [("United Arab Emirates", "ARE")]),
        ("what do African states need", [("African states", "group:Africa")]),
        ("South African police", [("South African", "ZAF")]),
        ("Central African Republic", [("Central African Republic", "CAF")]),
        ("Central African states", [("Central African", "m49:017")]),
        ("programmes pour les pays centrafricains", [("centrafricains", "CAF")]),
        ("les pays ouest-africains", [("ouest-africains", "m49:011")]),
        ("programas centroamericanos", [("centroamericanos", "informal:central_america")]),
        ("cursos latinoamericanos", [("latinoamericanos", "informal:latin_america")]),
        ("para los países árabes", [("países árabes", "org:LAS")]),
        ("программы для центральноазиатских стран", [("центральноазиатских", "m49:143")]),
        ("программы для Дании", [("Дании", "DNK")]),
    ],
)  # fmt: skip
def test_find(text: str, expected: list[tuple[str, str]]) -> None:
    assert codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "help us build a team",  # us
        "Europeans, menus, campus, museum, eucalyptus",  # eu, us inside words
        "a hanging chad",  # chad, not Chad
        "roast turkey and china plates",
        "we can go to a nice restaurant",  # can, nice
        "the aes key and the cis benchmark",  # encryption, not places
        "a guinea pig",
        "your georgia peach",
        "oas, au, eu, uk in lower case",
        "орган по защите данных",  # данных ("of data") has the stem of Дания (Denmark)
        "formation en arabe",  # the language, not the Arab states
        "Arabic course",
        "",
    ],
)
def test_no_false_positives_on_ordinary_words(text: str) -> None:
    assert codes(text) == []


def test_mentions_point_into_the_text() -> None:
    text = "Needs of Kenya, the EAC and the Sahel."
    found = g.find(text)
    assert [text[m.start : m.end] for m in found] == [m.surface for m in found]
    assert [m.place.code for m in found] == ["KEN", "org:EAC", "informal:sahel"]


def test_matching_reads_the_gazetteer() -> None:
    from search.matching.codes import REGIONS
    from search.matching.seed_loader import country_regions

    assert g.un_groups() == REGIONS
    assert country_regions() == {s.code: g.un_group(s.code) for s in g.states()}


def test_the_eligibility_rule_reads_place_membership_from_the_gazetteer() -> None:
    from search.matching import eligibility

    by_subregion = {"eligible_regions": ["m49:014"], "eligible_countries": []}
    assert eligibility.open_to(by_subregion, "KEN", "Africa")
    assert not eligibility.open_to(by_subregion, "SEN", "Africa")
    by_org = {"eligible_regions": ["org:ECOWAS"], "eligible_countries": []}
    assert eligibility.open_to(by_org, "SEN", "Africa")
    assert not eligibility.open_to(by_org, "MLI", "Africa")  # left ECOWAS in 2025
    assert eligibility.open_to({"eligible_regions": ["Africa"]}, "MLI", "Africa")


def test_adjectives_are_names_of_their_place() -> None:
    """Each adjective reads its place, in English, French and Spanish, with its source."""
    data = json.loads((ROOT / "search/data/places_groups.json").read_text(encoding="utf-8"))
    assert any(s["facts"] == "adjectives of place names" for s in data["_sources"])
    adjectives = {k: v for k, v in data["adjectives"].items() if not k.startswith("_")}
    assert {"m49:011", "m49:014", "m49:143", "m49:035", "org:LAS", "group:Africa"} <= set(
        adjectives
    )
    for code, names in adjectives.items():
        for name in (n for lang in ("en", "fr", "es") for n in names.get(lang, [])):
            assert [m.place.code for m in g.find(name)] == [code], (code, name)


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("Carribean", "Caribbean"),
        ("Phillipines", "Philippines"),
        ("Kazakstan", "Kazakhstan"),
        ("Guatamala", "Guatemala"),
        ("training", None),  # no place is that close
        ("Keyna", None),  # too short to correct safely
        ("Senegal", None),  # a name is not a misspelling
    ],
)
def test_closest_name_corrects_misspelt_place_names(word: str, name: str | None) -> None:
    assert g.closest_name(word) == name
