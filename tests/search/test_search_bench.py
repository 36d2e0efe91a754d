"""The search benchmark's query mix and its FTS5 control (no timings are checked)."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "search_bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("search_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(bench):
    rng = random.Random(7)
    docs = list(bench.make_corpus(300, rng))
    return docs, bench.query_mix(docs, rng, 80)


def test_mix_has_every_shape_and_asks_for_facets_and_snippets(bench, corpus):
    _, mix = corpus
    assert {m["shape"] for m in mix} == set(bench.SHAPES)
    assert all(m["full"] for m in mix)
    multi = [m["text"] for m in mix if m["shape"] == "multi_word"]
    assert all(len(t.split()) >= 3 for t in multi)
    places = [m["text"] for m in mix if m["shape"] == "place"]
    assert any(p in t for t in places for p in bench.PLACES)


def test_misspell_changes_the_word_by_one_edit(bench):
    rng = random.Random(1)
    for word in ("cybersecurity", "formation", "capacitación"):
        typo = bench.misspell(word, rng)
        assert typo != word and abs(len(typo) - len(word)) <= 1
        assert typo[0] == word[0]


def test_fts5_control_runs_the_whole_mix(bench, corpus):
    docs, mix = corpus
    out = bench.bench_fts5(docs, mix)
    assert 0 <= out["fts5_zero_results"] < len(mix)
    for shape in bench.SHAPES:
        assert out[f"fts5_p95_{shape}_ms"] >= 0.0


def test_place_scope_reads_places_with_the_gazetteer(bench):
    text, scope = bench._place_scope("training ECOWAS")
    assert "ECOWAS" not in text and "training" in text
    assert scope is not None and "SEN" in scope[0]
    assert bench._place_scope("training only") == ("training only", None)


def test_keep_then_reuse_runs_only_the_queries(bench, tmp_path, capsys):
    """``--keep DIR`` builds and keeps the indexes; ``--reuse DIR`` runs the same mix on
    them without building, and leaves them as it found them.  Both report CPU time."""
    import json

    keep = tmp_path / "kept"
    assert (
        bench.main(["--records", "300", "--queries", "16", "--procs", "1", "--keep", str(keep)])
        == 0
    )
    built = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert built["index_s"] > 0 and not built["reused"]
    assert (keep / "fts5.sqlite").exists() and (keep / "whoosh").is_dir()
    generations = sorted(p.name for p in (keep / "whoosh").glob("gen-*"))
    assert bench.main(["--reuse", str(keep)]) == 0
    reused = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert reused["reused"] and reused["index_s"] is None and reused["fts5_index_s"] is None
    assert not reused["index_stale"]
    assert (reused["records"], reused["queries"]) == (300, 16)
    assert reused["zero_results"] == built["zero_results"]
    assert reused["fts5_zero_results"] == built["fts5_zero_results"]
    assert sorted(p.name for p in (keep / "whoosh").glob("gen-*")) == generations
    for res in (built, reused):
        assert 0 < res["cpu_p50_ms"] <= res["cpu_p95_ms"]
        assert res["fts5_cpu_p95_ms"] > 0 and res["cpu_p95_ratio_fts5"] > 0
        assert all(res[f"cpu_p95_{shape}_ms"] >= 0 for shape in bench.SHAPES)


def test_reuse_needs_a_kept_directory(bench, tmp_path):
    with pytest.raises(SystemExit):
        bench.main(["--reuse", str(tmp_path)])


def test_hostile_queries_run_against_a_kept_index(bench, tmp_path, capsys):
    import json

    keep = tmp_path / "kept"
    args = ["--records", "200", "--queries", "8", "--procs", "1", "--keep", str(keep)]
    assert bench.main(args) == 0
    capsys.readouterr()
    spec = importlib.util.spec_from_file_location(
        "hostile_queries", BENCH.parent / "hostile_queries.py"
    )
    assert spec and spec.loader
    hostile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hostile)
    assert hostile.main([str(keep)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["backend"] == "whoosh" and out["records"] == 200
    assert out["400-letter word"]["total"] == 0
    runs = [v for v in out.values() if isinstance(v, dict)]
    assert len(runs) == 8 and all(r["cold_cpu_ms"] > 0 and r["cpu_ms"] > 0 for r in runs)
