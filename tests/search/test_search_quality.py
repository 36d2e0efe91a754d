"""Search quality on the judged query set (``python -m search.quality``).

Two groups of floors:

* the **reporting part** of the judged set (``split == "report"``): nDCG@10 must not fall
  and the zero-result rate (over queries with a word present in the catalogue) must not
  rise.  They start at what main achieved when the set was written (3 Dec 2026) and are
  raised as the forgiving search of issue 10 lands; ``TARGETS`` are the goals
  (nDCG@10 >= 0.85, no empty result when a word is present, whoosh and postgres within
  0.03) and ``docs/SEARCH.md`` / ``docs/PERFORMANCE.md`` give the current gaps.
* the earlier set ``2026-11`` (53 queries the engine was tuned on): the floors it had.

Only figures are checked, never timings.
"""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import POSTGRES_URL

from search.quality import (
    TARGETS,
    Vocabulary,
    build_backend,
    dispose,
    evaluate,
    load_documents,
    load_judgements,
    ndcg,
    recall,
)

#: Reporting part in English, French and Spanish, per backend: (nDCG@10 floor,
#: zero-result-rate-with-a-word ceiling).  Measured 3 Dec 2026 before the forgiving search:
#: whoosh 0.345 / 0.391, memory 0.336 / 0.406, postgres 0.345 / 0.391; after it (f84572a,
#: fcf126f): whoosh 0.787 / 0.0, memory 0.793 / 0.0, postgres 0.794 / 0.0; with the
#: search thesaurus layer, swaps as one edit, availability and place readings: whoosh
#: 0.846, memory 0.843, postgres 0.839; with strict quoted phrases, elided articles, place
#: adjectives and corrected place names read as places: whoosh 0.852, memory 0.850,
#: postgres 0.844 (0 empty results); postgres ranking by memory's relevance rule instead of
#: ts_rank: 0.850, as memory.
REPORT_FLOORS: dict[str, tuple[float, float]] = {
    "whoosh": (0.845, 0.0),
    "memory": (0.845, 0.0),
    "postgres": (0.845, 0.0),
}
#: The whole reporting part (all six languages): the target of issue 10, nDCG@10 >= 0.85,
#: is met on whoosh (0.858), memory (0.854) and postgres (0.854; 0.847 with ts_rank).
OVERALL_FLOORS = dict.fromkeys(("whoosh", "memory", "postgres"), TARGETS["ndcg@10"])
#: Earlier set 2026-11: mean nDCG@10 per backend and per category (whoosh).
OLD_SET_FLOORS = {"whoosh": 0.905, "memory": 0.905}  # measured 0.912 / 0.915 (3 Dec 2026)
OLD_SET_CATEGORY_FLOORS = {  # measured on whoosh, 3 Dec 2026
    "en": 0.92,  # 0.929
    "fr": 0.89,  # 0.897
    "es": 0.89,  # 0.900
    "misspelt": 0.90,  # 0.910
    "acronym": 0.92,  # 0.933
    "cross_language": 0.87,  # 0.879
    "phrase": 0.90,  # 0.906 (quoted phrases no longer reach other languages' records)
    "field": 0.95,  # 0.958
}
NEW_KINDS = (
    "natural", "place", "fr", "es", "misspelt", "acronym", "programmes_for", "needs_in", "strict",
)  # fmt: skip


@pytest.fixture(scope="module")
def docs():
    return load_documents()


@pytest.fixture(scope="module")
def results(docs):
    """Each SQLite-suite backend evaluated once on the whole set (split and set filtered
    afterwards from the per-query outcomes)."""
    out = {}
    queries = load_judgements()
    for name in ("whoosh", "memory"):
        backend = build_backend(name, docs)
        try:
            out[name] = evaluate(backend, queries, docs)
        finally:
            dispose(backend)
    return out


def test_judged_set_shape(docs):
    ids = {d["id"] for d in docs}
    queries = load_judgements()
    assert len({q.id for q in queries}) == len(queries)
    new = [q for q in queries if q.judged_set == "2026-12"]
    assert len(new) >= 120
    kinds = Counter((q.kind, q.split) for q in new)
    for kind in NEW_KINDS:
        assert kinds[(kind, "tune")] >= 4 and kinds[(kind, "report")] >= 4, kind
    assert sum(q.split == "report" for q in queries) >= 60
    assert sum("place" in q.categories for q in new) >= 40
    for q in queries:
        assert q.split in ("tune", "report"), q.id
        assert q.grades and set(q.grades) <= ids, q.id
        assert all(1 <= g <= 3 for g in q.grades.values()), q.id
        assert max(q.grades.values()) >= 2, q.id


def test_split_filter():
    report = load_judgements(split="report")
    tune = load_judgements(split="tune")
    assert report and tune and {q.split for q in report} == {"report"}
    assert len(report) + len(tune) == len(load_judgements())
    with pytest.raises(ValueError):
        load_judgements(split="everything")


def test_metrics():
    grades = {"a": 3, "b": 1}
    assert ndcg(["a", "b"], grades) == pytest.approx(1.0)
    assert ndcg(["x", "y"], grades) == 0.0
    assert 0.0 < ndcg(["b", "a"], grades) < 1.0
    assert recall(["a", "x"], grades) == pytest.approx(0.5)
    many = {str(i): 1 for i in range(20)}
    assert recall([str(i) for i in range(10)], many) == pytest.approx(1.0)


def test_word_present_is_folded_and_reads_field_values(docs):
    vocab = Vocabulary.of(docs)
    assert vocab.any_present("Côte d'Ivoire")
    assert vocab.any_present("cote divoire strategy")  # "strategy" is there
    assert vocab.any_present("theme:gender")
    assert not vocab.any_present("theme:astrology")
    assert not vocab.any_present("zzqx of the")  # stop words do not count
    assert not Vocabulary.of(docs, frozenset({"nobody"})).any_present("training")


def _part(result, queries):
    """Figures of ``result`` restricted to ``queries``."""
    wanted = {q.id for q in queries}
    outcomes = [o for o in result["outcomes"] if o.id in wanted]
    present = [o for o in outcomes if o.word_present]
    return (
        sum(o.ndcg for o in outcomes) / len(outcomes),
        sum(o.total == 0 for o in present) / len(present),
    )


def _report_en_fr_es():
    """The reporting part in English, French and Spanish (the floors above were set on it;
    Arabic, Chinese and Russian have floors of their own, below)."""
    return [q for q in load_judgements(split="report") if q.lang in ("en", "fr", "es")]


@pytest.mark.parametrize("name", ["whoosh", "memory"])
def test_report_part_floors(name, results):
    ndcg_floor, zero_ceiling = REPORT_FLOORS[name]
    score, zero = _part(results[name], _report_en_fr_es())
    assert score >= ndcg_floor, (name, round(score, 4))
    assert zero <= zero_ceiling, (name, round(zero, 4))


@pytest.mark.parametrize("name", ["whoosh", "memory"])
def test_whole_report_part_meets_the_target(name, results):
    score, zero = _part(results[name], load_judgements(split="report"))
    assert score >= OVERALL_FLOORS[name], (name, round(score, 4))
    assert zero == 0.0


@pytest.mark.parametrize("name", sorted(OLD_SET_FLOORS))
def test_earlier_set_floors(name, results):
    old = [q for q in load_judgements() if q.judged_set == "2026-11"]
    score, _ = _part(results[name], old)
    assert score >= OLD_SET_FLOORS[name], (name, round(score, 4))
    if name == "whoosh":
        by_cat: dict[str, list[float]] = {}
        per_query = results[name]["per_query"]
        for q in old:
            for c in q.categories:
                by_cat.setdefault(c, []).append(per_query[q.id])
        low = {
            c: round(sum(v) / len(v), 3)
            for c, v in by_cat.items()
            if sum(v) / len(v) < OLD_SET_CATEGORY_FLOORS.get(c, 0.0)
        }
        assert not low, low


@pytest.mark.skipif(not POSTGRES_URL, reason="KB_TEST_DATABASE_URL is not PostgreSQL")
def test_postgres_report_part_and_gap_to_whoosh(docs, results):
    every = load_judgements()
    backend = build_backend("postgres", docs, url=POSTGRES_URL)
    try:
        res = evaluate(backend, every, docs)
    finally:
        dispose(backend)
    queries = _report_en_fr_es()
    score, zero = _part(res, queries)
    ndcg_floor, zero_ceiling = REPORT_FLOORS["postgres"]
    assert score >= ndcg_floor, score
    assert zero <= zero_ceiling, zero
    whoosh, _ = _part(results["whoosh"], queries)
    assert abs(score - whoosh) <= TARGETS["backend_gap"], (score, whoosh)
    overall, zero = _part(res, load_judgements(split="report"))
    assert overall >= OVERALL_FLOORS["postgres"], overall
    assert zero == 0.0
    # One relevance rule (search.backends.relevance): postgres ranks as memory does.
    memory = results["memory"]["per_query"]
    differ = {q: v for q, v in res["per_query"].items() if abs(v - memory[q]) > 1e-9}
    assert not differ, differ


#: Reporting part per query language, whoosh (issue 13 point 6).  Measured 3 Dec 2026, see
#: docs/SEARCH.md "Languages of the content".
LANGUAGE_FLOORS = {"ar": 0.845, "ru": 0.875, "zh": 0.885}  # measured 0.852, 0.882, 0.893


@pytest.mark.parametrize("lang", sorted(LANGUAGE_FLOORS))
def test_arabic_chinese_russian_queries(lang, results):
    queries = [q for q in load_judgements(split="report") if q.lang == lang]
    assert len(queries) >= 7
    score, zero = _part(results["whoosh"], queries)
    assert score >= LANGUAGE_FLOORS[lang], (lang, round(score, 4))
    assert zero == 0.0


def test_editions_take_their_originals_grades_except_in_phrases():
    queries = {q.id: q for q in load_judgements()}
    grades = queries["en-national-strategy"].grades
    assert grades["qx-req-ar-1"] == grades["qx-req-08"]
    assert "qx-req-ar-1" not in queries["st-national-strategy-requests"].grades  # a phrase
    assert queries["ar-national-strategy"].lang == "ar"


@pytest.mark.parametrize("lang", ["ar", "es", "fr", "ru", "zh"])
def test_each_query_language_is_within_the_gap_of_english(lang, results):
    """Issue 13 point 6: queries in each language score within ``LANGUAGE_GAP`` nDCG@10 of
    English queries on the reporting part (whoosh, the default backend)."""
    from search.quality import LANGUAGE_GAP

    report = load_judgements(split="report")
    english, _ = _part(results["whoosh"], [q for q in report if q.lang == "en"])
    score, _ = _part(results["whoosh"], [q for q in report if q.lang == lang])
    assert english - score <= LANGUAGE_GAP, (lang, round(score, 4), round(english, 4))
