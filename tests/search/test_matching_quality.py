"""The matching engine on the labelled seed set: documented floors, baseline, hard rules."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest

from search import evaluate


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """Run ``python -m search.evaluate`` in-process; its last line is the JSON figures."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        evaluate.main([])
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("run") and not any(x.startswith("JUDGEMENT") for x in lines)
    return json.loads(lines[-1])


def test_judgements_agree_with_hard_rules() -> None:
    assert evaluate.check_judgements() == []
    assert len(evaluate.load_judgements()) >= 20


@pytest.mark.parametrize("run", sorted(evaluate.FLOORS))
def test_engine_meets_floors(figures: dict[str, Any], run: str) -> None:
    got = figures["runs"][run]
    for metric, floor in evaluate.FLOORS[run].items():
        assert got[metric] >= floor, (run, metric, got[metric], floor)


@pytest.mark.parametrize("run", ["engine", "text_only", "cross_language", "fr_es_requests"])
def test_no_ineligible_programme_in_top_10(figures: dict[str, Any], run: str) -> None:
    assert figures["runs"][run]["ineligible@10"] == 0


def test_engine_beats_tfidf_baseline(figures: dict[str, Any]) -> None:
    runs = figures["runs"]
    margin = evaluate.BASELINE_MARGIN
    assert runs["engine"]["ndcg@10"] >= runs["baseline"]["ndcg@10"] + margin
    assert runs["cross_language"]["ndcg@10"] >= runs["baseline_cross_language"]["ndcg@10"] + margin
    assert runs["baseline"]["ineligible@10"] > 0  # the baseline knows no rules


def test_calibrated_labels_and_unmet_needs(figures: dict[str, Any]) -> None:
    quality, unmet = figures["quality"], figures["unmet"]
    assert quality["strong_precision"] >= evaluate.QUALITY_FLOORS["strong_precision"]
    assert unmet["unmet_precision"] >= evaluate.QUALITY_FLOORS["unmet_precision"]
    assert quality["strong_precision"] > quality["good_precision"] > quality["weak_precision"]
