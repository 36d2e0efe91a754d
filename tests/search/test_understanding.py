"""Loose plain queries and query understanding: the same behaviour on every backend
(memory, whoosh in RAM and on disk, and postgres in the suite's PostgreSQL pass)."""

from __future__ import annotations

import time

import pytest
from conftest import doc

from search import SearchQuery

EXTRA = [
    doc(
        "programme:30",
        "Incident response training for West African CERTs",
        "Hands-on courses for analysts of national teams in the Sahel and coastal states.",
        themes=["incident_response"],
        support_types=["training"],
        languages=["fr", "en"],
        regions=["Africa"],
        countries=["MLI", "NER", "SEN"],
        country_names=["Mali", "Niger", "Senegal"],
        organisation_name="ECOWAS Commission",
        organisation_type="regional_organisation",
        created_at="2025-09-01T00:00:00Z",
    ),
    doc(
        "request:31",
        "Cyber strategy review",
        "Qatar asks for a peer review of its national cyber strategy.",
        themes=["national_strategy"],
        support_types=["policy_advice"],
        regions=["Asia-Pacific"],
        countries=["QAT"],
        country_names=["Qatar"],
        organisation_type="member_state",
        created_at="2025-09-02T00:00:00Z",
    ),
    doc(
        "request:32",
        "Atelier pour les procureurs sur la preuve électronique",
        "Le Sénégal souhaite former ses procureurs à la preuve électronique.",
        text_language="fr",
        themes=["cybercrime"],
        support_types=["training"],
        languages=["fr"],
        regions=["Africa"],
        countries=["SEN"],
        country_names=["Sénégal"],
        organisation_type="member_state",
        created_at="2025-09-03T00:00:00Z",
    ),
]


@pytest.fixture
def find(backend):
    backend.upsert(EXTRA)

    def run(text: str = "", **kw):
        return backend.search(SearchQuery(text=text, **kw))

    return run


def _keys(res) -> set[str]:
    return {r.key for r in res.readings}


def test_no_record_has_every_word_shows_best_partial_matches(find):
    res = find("energy grids zanzibarian quokkas")
    assert res.ids[0] == "programme:4" and res.relaxed
    assert res.message == (
        "No record contains all of “energy grids zanzibarian quokkas”; "
        "showing those that match most of it."
    )
    assert "quokkas" in res.missing


def test_best_coverage_first(find):
    res = find("incident response training analysts")
    assert res.ids[0] == "programme:30"  # every word, in the title too
    assert not res.relaxed and res.message is None
    assert res.total == len(res.ids)


def test_strict_syntax_stays_strict(find):
    assert find('"energy grids" quokkas').total == 1  # the phrase is required
    assert find('"grids energy" water').total == 0
    assert find("Kenya AND quokkas").total == 0
    assert find("theme:gender training").total == 0
    assert find("kind:programme quokkas").total == 0
    assert find("Kenya AND quokkas").readings == []  # operators: nothing is read


def test_zero_only_when_no_word_occurs(find):
    res = find("xqzzyv plonkish")
    assert res.total == 0 and not res.relaxed and res.message is None
    assert res.missing == ["xqzzyv", "plonkish"]


def test_one_notice_for_a_misspelling(find):
    res = find("forensiks")
    assert res.fuzzy and res.suggestion == "forensics" and "request:5" in res.ids
    assert res.message == "No record contains “forensiks”; showing results for “forensics”."


def test_two_swapped_letters_are_one_edit(find):
    res = find("froensics")  # Levenshtein counts two edits; a swap is one
    assert res.fuzzy and res.suggestion == "forensics" and "request:5" in res.ids


@pytest.mark.parametrize(
    "text",
    [
        "programmes open to the Sahel",
        "programmes ouverts au Sénégal",
        "programas abiertos a Senegal",
        "courses available to Senegal",
    ],
)
def test_open_to_a_place_is_part_of_the_place(find, text):
    res = find(text)
    assert any(r.field == "place" for r in res.readings), text
    assert "programme:30" in res.ids, text
    assert not res.missing and not (res.message or "").startswith("No record"), text


def test_language_phrases_filter(find):
    for text in ("training in French", "formation en français", "training French-speaking"):
        res = find(text)
        assert "languages:fr" in _keys(res), text
        assert set(res.ids) <= {"request:1", "programme:30", "request:32"}, text
        assert res.ids, text
    reading = next(r for r in find("training in French").readings if r.field == "languages")
    assert (reading.value, reading.surface, reading.effect) == ("fr", "in French", "filter")


def test_language_filter_that_leaves_nothing_becomes_a_boost(find):
    res = find("training на русском")
    assert "languages:ru" in _keys(res) and res.total > 0
    assert next(r for r in res.readings if r.field == "languages").effect == "boost"
    assert res.message and res.message.startswith("Nothing matches In Russian")


def test_themes_and_support_types_are_read_and_undone(find):
    res = find("CSIRT tabletop")
    assert {"themes:incident_response", "support_types:exercise"} <= _keys(res)
    assert res.ids[0] == "programme:2"
    undone = find("CERT", literal=frozenset({"themes:incident_response"}))
    assert "themes:incident_response" not in _keys(undone)
    assert "request:1" in find("CERT").ids  # "équipe de réponse aux incidents"
    assert "request:1" not in undone.ids  # the word only


def test_places_filter_and_describe(find):
    res = find("incident response training for the Sahel")
    place = next(r for r in res.readings if r.field == "place")
    assert place.effect == "filter" and place.surface == "Sahel"
    assert place.detail.startswith("Sahel: ") and "member states" in place.detail
    assert res.ids[0] == "programme:30"
    assert "request:3" not in res.ids  # Kenya is not in the Sahel
    gulf = find("Gulf states cyber strategy")
    assert gulf.ids[0] == "request:31" and "place:informal:gulf" in _keys(gulf)
    undone = find("Gulf states cyber strategy", literal=frozenset({"place:informal:gulf"}))
    assert "place:informal:gulf" not in _keys(undone)


def test_a_quoted_phrase_means_its_words(find):
    """Unquoted, "incident response" is a thesaurus concept (request:1 says "réponse aux
    incidents"); quoted, only records with the phrase."""
    assert "request:1" in find("incident response").ids
    assert find('"incident response"').ids == ["programme:30"]
    assert "request:1" in find("CERT").ids
    assert "request:1" not in find('"CERT"').ids


def test_adjectives_of_places_are_places_and_can_be_undone(find):
    res = find("training for West African CERTs")
    place = next(r for r in res.readings if r.field == "place")
    assert (place.key, place.surface, place.label) == (
        "place:m49:011",
        "West African",
        "Western Africa",
    )
    assert res.ids[0] == "programme:30" and "request:3" not in res.ids
    undone = find("training for West African CERTs", literal=frozenset({place.key}))
    assert not any(r.field == "place" for r in undone.readings)
    assert undone.ids[0] == "programme:30"


def test_kind_and_place_words_in_russian_and_arabic():
    from search.querylang.interpret import default_places, understand

    und = understand("программы для стран Центральной Азии", default_places())
    assert und.filters == {"kind": ("programme",), "place": ("m49:143",)}
    assert und.text == ""
    und = understand("потребности в Кении", default_places())
    assert und.filters["kind"] == ("request",)
    und = understand("برامج للدول العربية", default_places())
    assert und.filters == {"kind": ("programme",), "place": ("org:LAS",)}
    # a kind word inside a thesaurus phrase is no kind: "вредоносных программ" is malware
    from search.text.thesaurus import default_thesaurus

    malware = understand("анализ вредоносных программ", None, thesaurus=default_thesaurus())
    assert "kind" not in malware.filters


def test_kind_words(find):
    res = find("needs in Western Africa")
    assert "kind:request" in _keys(res) and res.ids
    assert all(i.startswith("request:") for i in res.ids)
    assert "request:32" in res.ids


def test_workshops_for_prosecutors_in_french(find):
    res = find("workshops for prosecutors in French")
    assert res.ids[0] == "request:32"
    assert {"languages:fr", "support_types:training"} <= _keys(res)


def test_when_no_word_occurs_the_place_still_answers(find):
    res = find("zzqxw Senegal")
    assert {"request:32", "programme:30"} <= set(res.ids)
    assert "request:3" not in res.ids
    assert res.message == "No record contains “zzqxw”; showing every record for Senegal."


def test_long_words_are_cheap(find):
    start = time.perf_counter()
    for text in ("a" * 400, "zq" * 200, "incidentresponse" * 25, '"' + "training " * 60 + '"'):
        assert find(text).total >= 0
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize(
    ("text", "left", "code", "words"),
    [
        ("training in French", "training", "fr", "in French"),
        ("formation en français", "formation", "fr", "en français"),
        ("cursos en español", "cursos", "es", "en español"),
        ("обучение на русском языке", "обучение", "ru", "на русском языке"),
        ("تدريب بالعربية", "تدريب", "ar", "بالعربية"),
        ("CSIRT in the Arabic language", "CSIRT", "ar", "in the Arabic language"),
        ("French-speaking trainers", "trainers", "fr", "French-speaking"),
    ],
)
def test_language_phrases_are_read_in_six_languages(text, left, code, words):
    from search.querylang.interpret import understand

    und = understand(text, None)
    assert und.text == left and und.filters == {"languages": (code,)}
    assert [(r.value, r.surface) for r in und.readings] == [(code, words)]


def test_no_reading_inside_quotes_or_field_terms():
    from search.querylang.interpret import default_places, understand

    for text in ('"training in French"', "region:Africa training", 'lang:"fr" Sahel:x'):
        und = understand(text, default_places())
        assert und.text == text and not und.readings, text


def test_records_not_available_come_after_the_others(backend):
    backend.upsert(
        [
            doc(
                "programme:40",
                "Quokka census course",
                "Counting quokkas.",
                available=False,
                status="closed",
                created_at="2025-06-01T00:00:00Z",
            ),
            doc(
                "programme:41",
                "Quokka census course",
                "Counting quokkas.",
                created_at="2025-01-01T00:00:00Z",
            ),
            doc(
                "programme:42",
                "Quokka census course and more",
                "Counting quokkas, wombats.",
                available=False,
                created_at="2025-01-01T00:00:00Z",
            ),
        ]
    )
    # Same match: the available one first, though the closed one is newer.
    ids = backend.search(SearchQuery(text="quokka census")).ids
    assert ids.index("programme:41") < ids.index("programme:40")
    # A record matching more of the query still comes first.
    assert backend.search(SearchQuery(text="quokka wombats")).ids[0] == "programme:42"


def test_place_filter_admits_programmes_offered_from_the_place(backend):
    backend.upsert(
        [
            doc(
                "programme:43",
                "Numbat survey grants",
                regions=["Africa"],
                countries=["UGA"],
                provider_country="KEN",
            ),
            doc(
                "programme:44",
                "Numbat survey grants",
                regions=["Africa"],
                countries=["UGA"],
                provider_country="TZA",
            ),
        ]
    )
    ids = backend.search(SearchQuery(text="numbat", filters={"place": ("KEN",)})).ids
    assert ids == ["programme:43"]
    assert set(backend.search(SearchQuery(text="numbat programmes from Kenya")).ids) == {
        "programme:43"
    }


def test_a_corrected_place_name_is_read_as_the_place(find):
    """ "Senagal" is corrected to "Senegal", which is then read as the place (a filter and
    a chip), with one notice saying what was corrected."""
    res = find("prosecutors in Senagal")
    assert res.fuzzy and res.suggestion == "prosecutors in Senegal"
    assert "place:SEN" in _keys(res)
    assert res.ids[0] == "request:32" and "request:3" not in res.ids
    assert res.message == (
        "No record contains “Senagal”; showing results for “prosecutors in Senegal”."
    )


def test_a_misspelt_place_name_found_in_no_record_is_read_as_the_place(find):
    """No record says "Ethiopia": the gazetteer corrects "Ethopia", and the programmes open
    to Ethiopia are shown, with one notice."""
    res = find("Ethopia")
    assert res.fuzzy and res.suggestion == "Ethiopia" and "place:ETH" in _keys(res)
    assert res.total and "programme:2" in res.ids  # open to every state
    assert res.message == "No record contains “Ethopia”; showing results for “Ethiopia”."


def test_a_correction_that_completes_a_place_name_reads_it_as_the_place(find, backend):
    """Seen on the demo data: "Andean" alone names the Andean states, so "Andean sttes" read
    the place from "Andean" and searched the corrected "states" as a word of the text (6
    results), while the notice's "Andean states" finds every record of the place (28)."""
    andean = {"regions": ["Latin America and the Caribbean"], "created_at": "2025-09-05T00:00:00Z"}
    backend.upsert(
        [
            doc(
                "request:40",
                "Data protection law",
                "Peru asks for advice.",
                countries=["PER"],
                country_names=["Peru"],
                organisation_type="member_state",
                **andean,
            ),
            doc(
                "request:41",
                "National CSIRT for member states",
                "Bolivia asks for help.",
                countries=["BOL"],
                country_names=["Bolivia"],
                organisation_type="member_state",
                **andean,
            ),
        ]
    )
    typed, corrected = find("Andean sttes"), find("Andean states")
    assert "place:informal:andean" in _keys(typed)
    assert typed.total == corrected.total == 3 and typed.ids == corrected.ids
    if typed.suggestion:  # corrected (not every backend's vocabulary offers "states" here)
        assert typed.suggestion == "Andean states"
        assert [(r.key, r.surface) for r in typed.readings] == [
            (r.key, r.surface) for r in corrected.readings
        ]
        assert typed.message == ("No record contains “sttes”; showing results for “Andean states”.")


def test_an_undone_reading_is_not_read_again_through_a_spelling_correction(find, backend):
    """Seen on the demo data: undoing "In French" searched "French" as a plain word, which no
    record held, so the spelling correction made it "France" and read a place the user never
    wrote (chip "France: UN member state"). The words of an undone reading stay words."""
    backend.upsert(
        [
            doc(
                "programme:41",
                "Cyber workshops for prosecutors",
                "Regional workshops run by Expertise France.",
                organisation_name="Expertise France",
                created_at="2025-09-06T00:00:00Z",
            )
        ]
    )
    res = find("workshops for prosecutors in French")
    assert "languages:fr" in _keys(res)
    undone = find("workshops for prosecutors in French", literal=frozenset({"languages:fr"}))
    assert not any(r.field in ("place", "languages") for r in undone.readings)
    # nor spelling-corrected: the demo page then said "showing results for "workshops for
    # prosecutors in France"" and listed the programmes of Expertise France
    assert "French" not in undone.missing or not undone.fuzzy
    assert "France" not in (undone.suggestion or "") and "France" not in (undone.message or "")


def test_an_undone_theme_of_several_words_gives_back_loose_words(find):
    """Undoing *Theme: Incident response* searches "incident" and "response" as plain
    words: each a clause of its own, so a record with one of them (and the other words)
    still counts, and a word found nowhere gives the relaxed notice, not a required group."""
    undone = find("incident response quokka", literal=frozenset({"themes:incident_response"}))
    assert "themes:incident_response" not in _keys(undone)
    assert undone.relaxed and undone.total > 0
    assert undone.message and undone.message.startswith("No record contains all of")
    both = find("incident response", literal=frozenset({"themes:incident_response"}))
    assert set(both.ids) <= set(undone.ids)
