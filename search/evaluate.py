"""Offline evaluation of the matching engine on the labelled seed set.

    python -m search.evaluate              # table + one JSON line (the last line)
    python -m search.evaluate --calibrate  # also refit the Platt scaling of the score

Runs, on ``search/data/match_judgements.json`` with ``today = 2026-11-29``:

* ``engine`` / ``baseline`` — all judged requests against the whole catalogue; the
  baseline is scikit-learn TF-IDF + ``linear_kernel`` over title + description, no rules;
* ``text_only`` — requests stripped of themes and support types (codes are inferred);
* ``cross_language`` — each request against the programmes written in *another*
  language only (French/Spanish requests vs English programmes and the reverse).

Metrics: nDCG@10 (gain ``2**grade - 1``), recall@10 (grade >= 1), MRR (first grade >= 2,
or >= 1 for a request whose best grade is 1), and ineligible-in-top-10 (pairs breaking a
hard rule or listed as ``never``).  Requests with no relevant programme count only in the
unmet-need figures.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from search.matching import MatchConfig, MatchEngine
from search.matching import rules as hard_rules
from search.matching.judgements import (
    TODAY,
    K,
    calibrate,
    check_judgements,
    inference_figures,
    load_judgements,
    ndcg,
    recall,
    reciprocal_rank,
)
from search.matching.seed_loader import load_programmes, load_requests

#: Minimum figures the engine must reach (tests/search/test_matching_quality.py); they
#: leave a margin under the measured ones for thesaurus and catalogue edits.
FLOORS: dict[str, dict[str, float]] = {
    "engine": {"ndcg@10": 0.85, "recall@10": 0.90, "mrr": 0.80},
    "text_only": {"ndcg@10": 0.80, "recall@10": 0.85, "mrr": 0.75},
    "cross_language": {"ndcg@10": 0.85, "recall@10": 0.85, "mrr": 0.85},
    "fr_es_requests": {"ndcg@10": 0.85, "recall@10": 0.85, "mrr": 0.85},
}
#: The engine must beat the baseline's nDCG@10 by at least this much.
BASELINE_MARGIN = 0.15
#: Share of "strong" matches a judge graded 2 or more, and of flagged unmet needs that
#: really have no good match.
QUALITY_FLOORS = {"strong_precision": 0.70, "unmet_precision": 0.60}
Ranker = Callable[[Mapping[str, Any], frozenset[str]], list[str]]


def run(
    ranker: Ranker,
    requests: Sequence[Mapping[str, Any]],
    judgements: Mapping[str, dict[str, Any]],
    programmes: Mapping[str, Mapping[str, Any]],
    skip_same_language: bool = False,
) -> dict[str, float]:
    """Mean metrics of ``ranker`` over the judged requests."""
    scores: dict[str, list[float]] = {"ndcg@10": [], "recall@10": [], "mrr": []}
    bad = 0
    for r in requests:
        j = judgements[r["key"]]
        skip = frozenset(
            pid for pid, p in programmes.items()
            if skip_same_language and p["text_language"] == r["text_language"]
        )  # fmt: skip
        grades = {p: g for p, g in j["relevant"].items() if p not in skip}
        ranked = ranker(r, skip)[:K]
        bad += sum(
            1
            for pid in ranked
            if pid in j["never"]
            or not hard_rules.offerable(programmes[pid], TODAY)
            or not hard_rules.eligible(programmes[pid], r)
        )
        if grades:
            scores["ndcg@10"].append(ndcg(ranked, grades))
            scores["recall@10"].append(recall(ranked, grades))
            scores["mrr"].append(reciprocal_rank(ranked, grades))
    out = {k: round(sum(v) / len(v), 4) if v else 0.0 for k, v in scores.items()}
    out["ineligible@10"] = bad
    out["requests"] = len(scores["ndcg@10"])
    return out


def engine_ranker(engine: MatchEngine) -> Ranker:
    def rank(request: Mapping[str, Any], skip: frozenset[str]) -> list[str]:
        return [m.programme_id for m in engine.match_request(request, K, today=TODAY, exclude=skip)]

    return rank


def baseline_ranker(programmes: Sequence[Mapping[str, Any]]) -> Ranker:
    """scikit-learn TF-IDF cosine over title + description, no rules."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    ids = [p["id"] for p in programmes]
    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform(f"{p['title']} {p['description']}" for p in programmes)

    def rank(request: Mapping[str, Any], skip: frozenset[str]) -> list[str]:
        q = vectorizer.transform([f"{request['title']} {request['description']}"])
        sims = linear_kernel(q, matrix).ravel()
        order = sorted(range(len(ids)), key=lambda i: (-sims[i], ids[i]))
        return [ids[i] for i in order if ids[i] not in skip][:K]

    return rank


def unmet_figures(
    engine: MatchEngine, requests: Sequence[Mapping[str, Any]], judgements: Mapping[str, Any]
) -> dict[str, float]:
    """Agreement of ``unmet`` (best score under the threshold) with "no grade >= 2"."""
    tp = fp = fn = tn = 0
    for r in requests:
        expected = max(judgements[r["key"]]["relevant"].values(), default=0) < 2
        predicted = engine.best_match_quality(r, today=TODAY).unmet
        tp += expected and predicted
        fp += predicted and not expected
        fn += expected and not predicted
        tn += not expected and not predicted
    return {
        "unmet_expected": tp + fn,
        "unmet_flagged": tp + fp,
        "unmet_precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "unmet_recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "unmet_accuracy": round((tp + tn) / len(requests), 4),
    }


def quality_figures(
    engine: MatchEngine, requests: Sequence[Mapping[str, Any]], judgements: Mapping[str, Any]
) -> dict[str, float]:
    """Share of top-10 matches per quality label that a judge graded 2 or more."""
    hits: dict[str, list[int]] = {"strong": [], "good": [], "weak": []}
    for r in requests:
        grades = judgements[r["key"]]["relevant"]
        for m in engine.match_request(r, K, today=TODAY):
            hits[m.quality].append(int(grades.get(m.programme_id, 0) >= 2))
    out: dict[str, float] = {}
    for q, v in hits.items():
        out[f"{q}_n"] = len(v)
        out[f"{q}_precision"] = round(sum(v) / len(v), 4) if v else 0.0
    return out


def evaluate(config: MatchConfig | None = None) -> dict[str, Any]:
    """Every figure of the evaluation, as one dict."""
    judgements = load_judgements()
    programmes = load_programmes()
    by_id = {p["id"]: p for p in programmes}
    all_requests = load_requests()
    requests = [r for r in all_requests if r["key"] in judgements]
    engine = MatchEngine(config).fit(programmes)
    stripped = [{**r, "themes": [], "support_types": []} for r in requests]
    xlang = [r for r in requests if r["text_language"] != "en"]
    eng, base = engine_ranker(engine), baseline_ranker(programmes)
    runs = {
        "engine": run(eng, requests, judgements, by_id),
        "baseline": run(base, requests, judgements, by_id),
        "text_only": run(eng, stripped, judgements, by_id),
        "cross_language": run(eng, requests, judgements, by_id, skip_same_language=True),
        "baseline_cross_language": run(base, requests, judgements, by_id, True),
        "fr_es_requests": run(eng, xlang, judgements, by_id),
        "baseline_fr_es_requests": run(base, xlang, judgements, by_id),
    }
    return {
        "judged_requests": len(requests),
        "runs": runs,
        "unmet": unmet_figures(engine, requests, judgements),
        "quality": quality_figures(engine, requests, judgements),
        "inference": inference_figures(all_requests),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calibrate", action="store_true", help="refit and print (a, b)")
    args = parser.parse_args(argv)
    config = MatchConfig()
    for problem in check_judgements():
        print("JUDGEMENT:", problem)
    if args.calibrate:
        judgements = load_judgements()
        requests = [r for r in load_requests() if r["key"] in judgements]
        a, b = calibrate(MatchEngine(config).fit(load_programmes()), requests, judgements)
        print(f"calibration: a={a:.3f} b={b:.3f} (set MatchConfig.calibration_a / _b)")
        config = replace(config, calibration_a=round(a, 2), calibration_b=round(b, 2))
    figures = evaluate(config)
    print(f"{'run':26} {'n':>3} {'nDCG@10':>8} {'R@10':>6} {'MRR':>6} {'inelig':>6}")
    for name, m in figures["runs"].items():
        print(
            f"{name:26} {m['requests']:3d} {m['ndcg@10']:8.3f} {m['recall@10']:6.3f} "
            f"{m['mrr']:6.3f} {m['ineligible@10']:6d}"
        )
    for section in ("unmet", "quality", "inference"):
        print(section + ": " + ", ".join(f"{k}={v}" for k, v in figures[section].items()))
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
