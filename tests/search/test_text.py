"""Analysis, thesaurus, parser and document validation."""

from __future__ import annotations

import pytest

from search import InvalidDocument, concepts_in, expand, suggest_codes, validate
from search.querylang.parser import (
    MAX_QUERY_CHARS,
    And,
    Concept,
    FieldTerm,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
    parse,
)
from search.querylang.rewrite import add_concepts
from search.text.analysis import analyze, fold, query_terms
from search.text.thesaurus import default_thesaurus


def test_fold():
    assert fold("Côte d'Ivoire") == "cote d'ivoire"
    assert fold("CIBERDELINCUENCIA Ñandú") == "ciberdelincuencia nandu"


def test_stemming_per_language():
    assert analyze("Les équipes nationales", "fr") == analyze("équipe nationale", "fr")
    assert analyze("capacitaciones", "es") == analyze("capacitación", "es")
    assert analyze("trainings", "en") == analyze("training", "en")
    assert analyze("cybercriminalité", "fr") == analyze("cybercriminalite", "fr")
    assert analyze("the of and", "en") == []
    assert query_terms("incidents")["fr"] == analyze("incident", "fr")[0]


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("We need a CSIRT", "cert"),
        ("Les équipes de réponse aux incidents", "cert"),
        ("equipo de respuesta a incidentes", "cert"),
        ("CIIP and critical information infrastructure", "critical_infrastructure"),
        ("infraestructuras críticas", "critical_infrastructure"),
        ("cyber-crime", "cybercrime"),
        ("la cybercriminalité", "cybercrime"),
        ("ciberdelincuencia", "cybercrime"),
        ("CBMs", "confidence_building"),
        ("mesures de confiance", "confidence_building"),
        ("medidas de fomento de la confianza", "confidence_building"),
        ("stratégies nationales", "national_strategy"),
        ("estrategias nacionales", "national_strategy"),
        ("criminalística", "forensics"),
        ("investigation numérique", "forensics"),
        ("formation", "training"),
        ("capacitación", "training"),
        ("exercice de simulation", "tabletop_exercise"),
        ("protección de datos", "data_protection"),
        ("género", "gender"),
        ("sensibilisation", "awareness"),
        ("responsible state behaviour", "norms"),
        ("cyber diplomacy", "diplomacy"),
    ],
)
def test_concepts_in(text, concept):
    assert concept in concepts_in(text)


def test_expand_and_codes():
    syn = expand("CERT")
    assert syn[0] == "CERT" and "CSIRT" in syn and "équipe de réponse aux incidents" in syn
    assert expand("unknownword") == ["unknownword"]
    codes = suggest_codes("Tabletop exercise on CII for women in cyber")
    assert codes == {
        "themes": ["critical_infrastructure", "gender"],
        "support_types": ["exercise"],
    }


def test_every_code_has_a_concept():
    th = default_thesaurus()
    themes = {t for c in th.concepts.values() for t in c.themes}
    support = {s for c in th.concepts.values() for s in c.support_types}
    assert len(th.concepts) >= 40
    assert {
        "national_strategy", "incident_response", "critical_infrastructure", "cybercrime",
        "international_law", "norms_implementation", "confidence_building", "diplomacy",
        "technical_skills", "awareness", "standards", "data_protection", "gender",
    } <= themes  # fmt: skip
    assert {
        "training", "technical_assistance", "policy_advice", "equipment", "funding",
        "expert_exchange", "exercise", "research",
    } <= support  # fmt: skip
    for c in th.concepts.values():
        assert {"en", "fr", "es"} <= set(c.terms), c.id


def test_parse_structures():
    assert parse("a b").node == And((Word("a"), Word("b")))
    assert parse("a OR b").node == Or((Word("a"), Word("b")))
    assert parse("a -b").node == And((Word("a"), Not(Word("b"))))
    assert parse('"x y"').node == Phrase(("x", "y"))
    assert parse("forens*").node == Prefix("forens")
    assert parse("theme:Cybercrime").node == FieldTerm("themes", "cybercrime")
    assert parse("country:ken").node == FieldTerm("countries", "KEN")
    assert parse('region:"latin america and the caribbean"').node == FieldTerm(
        "regions", "Latin America and the Caribbean"
    )
    assert parse("kind:programmes").node == FieldTerm("kind", "programme")


def test_parse_oddities_become_messages():
    for text in ['"open', "(a", "a)", "AND OR NOT", "*", "x*y", "foo:bar", "theme:"]:
        assert parse(text).messages, text
    assert parse("AND OR NOT").node is None
    long = parse("word " * 5000)
    assert any(str(MAX_QUERY_CHARS) in m for m in long.messages)
    assert parse("a\x00b\x1fc").node == And((Word("a"), Word("b"), Word("c")))
    deep = parse("(" * 400 + "x" + ")" * 400)
    assert deep.node == Word("x")


def test_elided_articles_leave_the_word():
    """Outside quotes, "l'administration" is the word "administration", not a phrase."""
    node = parse("normes pour l'administration publique").node
    assert node == And((Word("normes"), Word("pour"), Word("administration"), Word("publique")))
    assert parse("besoins d’Haïti").node == And((Word("besoins"), Word("Haïti")))
    assert parse('"l\'administration"').node == Phrase(("l", "administration"))
    assert parse("e-government").node == Phrase(("e", "government"), loose=True)


def test_a_quoted_phrase_is_never_a_concept():
    th = default_thesaurus()
    assert add_concepts(parse('"incident response"').node, th) == Phrase(("incident", "response"))
    assert add_concepts(parse('"CERT"').node, th) == Phrase(("CERT",))
    assert isinstance(add_concepts(parse("CERT").node, th), Concept)
    assert isinstance(add_concepts(parse("awareness-raising").node, th), Concept)


def test_ransomware_is_its_own_concept():
    for text in ("ransomware", "rançongiciels", "secuestro de datos", "برمجيات الفدية"):
        assert "ransomware" in concepts_in(text), text
        assert "malware_analysis" not in concepts_in(text), text
    assert "ransomware" not in concepts_in("malware analysis")


def test_add_concepts_finds_multiword_runs():
    node = add_concepts(parse("incident response team Kenya").node, default_thesaurus())
    assert isinstance(node, And)
    assert isinstance(node.items[0], Concept) and "cert" in node.items[0].ids
    assert node.items[1] == Word("Kenya")


def test_validate_documents():
    rec = validate(
        {
            "id": "request:1",
            "kind": "Request",
            "regions": ["africa"],
            "countries": ["ken"],
            "created_at": "2025-01-02T00:00:00+01:00",
        }
    )
    assert rec.kind == "request" and rec.regions == ("Africa",) and rec.countries == ("KEN",)
    assert rec.created_at == 1735772400
    with pytest.raises(InvalidDocument):
        validate({"id": "", "kind": "request"})
    with pytest.raises(InvalidDocument):
        validate({"id": "x:1", "kind": "thing"})
    with pytest.raises(InvalidDocument):
        validate({"id": "x:1", "kind": "request", "created_at": "yesterday"})
    with pytest.raises(InvalidDocument):
        validate({"id": "x:1", "kind": "request", "themes": 3})


@pytest.mark.parametrize(
    "text, concept",
    [
        ("réponse à des incidents", "incident_response"),  # articles skipped
        ("laboratoire d'investigation numérique", "forensics"),  # elision
        ("equipos de respuesta", "cert"),
        ("sensibilisation dans les écoles", "schools"),
        ("mentorship for a small CERT", "expert_exchange"),
    ],
)
def test_search_thesaurus_reads_function_words_and_its_own_layer(text, concept):
    assert concept in default_thesaurus().concepts_in(text)


def test_matching_reads_the_base_thesaurus_only():
    from search.text.thesaurus import base_thesaurus

    assert "schools" in default_thesaurus().concepts
    assert "schools" not in base_thesaurus().concepts
    assert not base_thesaurus().lookup("mentorship")
    assert default_thesaurus().version != base_thesaurus().version
