"""One relevance rule (``search.backends.relevance``) read from two representations of a
record: the memory backend's analysed fields and the postgres backend's ``tsvector``
entries.  Both must give the same relevance for every kind of syntax node."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import CORPUS, doc

from search.backends.memory.backend import MemoryBackend
from search.backends.postgres.backend import _Postings, tsvector_positions
from search.backends.postgres.query import lexemes
from search.backends.postgres.schema import to_row, tsvector_literals
from search.backends.relevance import DESC, NAMES, TITLE, coverage_relevance, relevance
from search.interface.documents import validate
from search.querylang.parser import Coverage, FieldTerm, Not, Or, Phrase, Prefix, Word, parse
from search.querylang.rewrite import add_concepts
from search.text.analysis import language_key
from search.text.thesaurus import default_thesaurus

_ENTRY = re.compile(r"'((?:[^']|'')*)'(?::([0-9A-D,]+))?")


def query_entries(literal: str, exact: list[str], prefixes: list[str]) -> str:
    """What ``ts_filter(setweight(tsv, 'C', lexemes), '{c}')`` gives for a ``tsvector``
    literal: the entries of the query's lexemes that have positions."""
    kept = [
        f"'{lex}':{pos}"
        for lex, pos in _ENTRY.findall(literal)
        if pos and (lex.replace("''", "'") in exact or lex.startswith(tuple(prefixes)))
    ]
    return " ".join(kept)


RECORDS = [
    *CORPUS,
    doc(
        "programme:kenya",
        "Incident response training: incident handling for CERT teams",
        "Hands-on incident response exercises; training in incident triage and malware "
        "analysis for the national CERT of Kenya.",
        organisation_name="Kenya Incident Response Academy",
        country_names=["Kenya", "Uganda"],
        countries=["KEN", "UGA"],
        themes=["incident_response"],
        support_types=["training"],
    ),
    doc(
        "request:ru",
        "Стратегия кибербезопасности",
        "Разработка национальной стратегии кибербезопасности",
        text_language="ru",
        languages=["ru"],
    ),
]


def _views(record: dict[str, Any], node: Any = None) -> tuple[Any, Any]:
    """The record as the memory backend holds it, and as the postgres backend reads it:
    the entries of its ``tsvector`` and of its title's that ``node`` names (every word
    without a node)."""
    thesaurus = default_thesaurus()
    memory = MemoryBackend(thesaurus)._entry(record)
    rec = validate(record)
    tsv, ttv = tsvector_literals(rec, thesaurus)
    exact, prefixes = lexemes(node) if node is not None else ([], [""])
    return memory, _Postings(
        language_key(rec.text_language),
        query_entries(tsv, exact, prefixes),
        query_entries(ttv, exact, prefixes),
        to_row(rec, thesaurus)["facets"],
    )


QUERIES = [
    "incident",
    "incident response training",
    "kenya",
    '"incident response"',
    '"incident handling"',
    "incid*",
    "ken*",
    "cert -malware",
    "training OR stratégie",
    "theme:incident_response training",
    "kind:programme incident",
    "équipe de réponse aux incidents",
    "кибербезопасности",
    "analystes",
]


@pytest.mark.parametrize("text", QUERIES)
def test_memory_and_postgres_read_the_same_relevance(text):
    node = add_concepts(parse(text).node, default_thesaurus())
    assert node is not None
    scored = 0
    for record in RECORDS:
        memory, postgres = _views(record, node)
        expected = relevance(node, memory)
        assert relevance(node, postgres) == expected, (text, record["id"])
        scored += bool(expected)
    assert scored, text  # the query scores some record


def test_field_weights_and_counts():
    record = RECORDS[-2]  # the Kenyan programme
    memory, postgres = _views(record)
    for view in (memory, postgres):
        # "incident" twice in the title, twice in the description, once in the names
        assert relevance(Word("incident"), view) == 2 * TITLE + 2 * DESC + NAMES
        assert relevance(Word("uganda"), view) == NAMES
        assert relevance(Phrase(("incident", "response")), view) == TITLE + DESC + NAMES
        assert relevance(Prefix("triag"), view) == DESC
        assert relevance(FieldTerm("kind", "programme"), view) == 0.0
        assert relevance(FieldTerm("kind", "request"), view) is None
        assert relevance(Not(Word("quokka")), view) == 0.0
        assert relevance(Or((Word("quokka"), Word("uganda"))), view) == NAMES
        cov = Coverage((), (Word("quokka"), Word("uganda"), Word("cert")), 1)
        found = coverage_relevance(cov, view)
        assert found is not None and found[1] == [1, 2]


def test_tsvector_text_is_read_with_its_escapes():
    text = "'en:a':1C,4C 'it''s':3C 'back\\\\slash':5C 'n:kenya':2C"
    assert tsvector_positions(text) == {
        "en:a": [1, 4],
        "it's": [3],
        "back\\slash": [5],
        "n:kenya": [2],
    }
    assert tsvector_positions(None) == {}
