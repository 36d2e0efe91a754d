"""Offline evaluation of the matching engine and of code suggestions on the judged set.

    python -m search.evaluate              # tables + one JSON line (the last line)
    python -m search.evaluate --calibrate  # also refit the Platt scaling and the unmet
                                           # threshold on the "fit" part and print them
    python -m search.evaluate --part fit --misses  # the "fit" part alone, with each
                                           # request's nDCG@10 and top 10 (study settings)

The judged set (``search/matching/judgements.py``): seed requests and programmes plus
records written for the evaluation, ``today = 2026-11-29``, graded by the rules written
in the header of ``search/data/match_judgements.json``. Requests are split once and for
all into a "fit" and a "report" part (``judgements.split``: stratified by kind —
prose-only or not, anything graded 2 or more or not — with the languages interleaved,
editions in another language with their original); anything fitted (calibration, the
cover scores, the suggestion floors) sees only "fit" requests, and the figures that matter
are those of the "report" part (``*_report``). The suggestion model itself is learnt from
records outside the judged set (``search.matching.suggest_model``).

Runs (each: nDCG@10 with gain ``2**grade - 1``, recall@10 of grades >= 1, MRR of the
first grade >= 2 (>= 1 when the best grade is 1), ineligible@10 = pairs in a top 10
that break the written rules or are listed ``never`` (a count), no_shared_language@10 =
share of top-10 slots offered in none of the requester's languages):

* ``structured`` — every judged request with its codes (prose-only ones with the
  judge's labels); ``prose_only`` — the prose-only requests as posted (no codes);
  ``prose_with_codes`` — the same requests with their labels; ``text_only`` — every
  request stripped of its codes; ``cross_language``, ``fr_es_requests``; ``lang_<code>``
  and ``lang_<code>_report`` — the requests written in one of the six UN languages, as
  posted. The runs above, the unmet and suggestion figures and their floors are read on the
  English, French and Spanish requests they were set on; the Arabic, Chinese and Russian
  requests (``match_eval_records_ar_ru_zh.json``) are in the ``lang_*`` runs and in
  ``unmet *_ar_ru_zh`` and ``suggestions ar_ru_zh``;
* ``tfidf`` — scikit-learn TF-IDF cosine over title + description, no rules;
  ``facets_rules`` — the written rules (available, eligible) then a facet score:
  share of the request's themes and support types covered, then shared language.
  Requests with no programme graded >= 1 count only in the unmet figures.

Unmet needs: the engine's ``NeedStatus.unmet`` against "no programme graded 3" (none
covers the main need — its subject and the kind of support asked for — in a language the
requester listed: issue 11 point 4, rule "unmet" of the set), for the requests with codes
and for the same requests without codes (text only): precision, recall, and the share of
answerable requests wrongly flagged.
Suggestions: precision / recall of the suggested themes and support types against the
labels of the judged requests.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from search.matching import MatchConfig, MatchEngine
from search.matching.judgements import (
    PARTS,
    TODAY,
    K,
    all_programmes,
    all_requests,
    as_posted,
    available,
    check_judgements,
    eligible,
    expected_unmet,
    history,
    history_judgements,
    load_judgements,
    ndcg,
    part_of,
    recall,
    reciprocal_rank,
    shares_language,
    suggestion_figures,
    without_codes,
)

#: Figures the engine must keep (tests/search/test_matching_quality.py): the targets of
#: issue 11 where they are reached, else a little under the measured figure.
FLOORS: dict[str, dict[str, float]] = {
    "structured": {"ndcg@10": 0.88, "recall@10": 0.90, "mrr": 0.88},
    "text_only": {"ndcg@10": 0.80, "recall@10": 0.85, "mrr": 0.75},
    "prose_only": {"ndcg@10": 0.80, "recall@10": 0.85, "mrr": 0.75},
    # Requests against programmes in other languages only: since issue 11 point 2, a programme
    # in none of the requester's languages ranks after those that cover the need in a shared
    # one (measured 0.833 / 0.943 / 0.795 after the audit of 3 Dec 2026 raised grades of
    # courses offered in another language).
    "cross_language": {"ndcg@10": 0.82, "recall@10": 0.85, "mrr": 0.78},
    "fr_es_requests": {"ndcg@10": 0.85, "recall@10": 0.85, "mrr": 0.85},
    # Requests written in Arabic, Chinese and Russian, as posted (issue 13; measured 3 Dec 2026
    # on 6 / 6 / 4 requests after the ICS/SCADA and cloud requests were added: 0.853 / 0.902 /
    # 0.958, recall 0.851 / 0.967 / 0.938; English 0.869)
    "lang_ar": {"ndcg@10": 0.77, "recall@10": 0.83},
    "lang_ru": {"ndcg@10": 0.83, "recall@10": 0.93},
    "lang_zh": {"ndcg@10": 0.93, "recall@10": 0.9},
    # The "report" part (nothing is fitted on it; the stratified split of 3 Dec 2026). Targets
    # of issue 11: nDCG@10 >= 0.95 structured and >= 0.90 prose-only. Measured after the second
    # audit (general offers graded 1 wherever rule '1' says, which the engine often ranks
    # below 10th: recall@10 0.960 -> 0.913) and the ICS/SCADA and cloud requests: 0.875 /
    # 0.913 / 0.876 structured, 0.862 / 0.938 / 0.825 prose-only (10 requests), 0.850 / 0.880
    # / 0.850 text only. With elections a thesaurus concept (late evening of 3 Dec 2026):
    # 0.887 / 0.919 / 0.889 structured, 0.912 / 0.938 / 0.900 prose-only (the target, kept
    # as its floor), 0.859 / 0.875 / 0.869 text only.
    # With who a programme is for and targeted at the state (4 Dec 2026): 0.897 / 0.904 /
    # 0.927 structured, 0.947 / 0.932 / 0.950 prose-only, 0.869 / 0.864 / 0.911 text only.
    # With what a programme is about (search.matching.subjects, 4 Dec 2026): 0.892 / 0.904 /
    # 0.905 structured, 0.951 / 0.946 / 0.950 prose-only, 0.874 / 0.869 / 0.909 text only.
    # With general offers listed for needs on their themes (MatchConfig.general_offers, chosen
    # on "fit": 0.919 -> 0.949; 4 Dec 2026): 0.902 / 0.944 / 0.905 structured, 0.952 / 0.946
    # / 0.950 prose-only, 0.881 / 0.899 / 0.909 text only.
    "structured_report": {"ndcg@10": 0.88, "recall@10": 0.89, "mrr": 0.9},
    "prose_only_report": {"ndcg@10": 0.92, "recall@10": 0.9, "mrr": 0.9},
    # Since programmes in no shared language whose title does not name the need's subject
    # rank after those in a shared language (no-shared-language@10 0.023 -> 0.009 on
    # *report*): 0.878 / 0.900 / 0.889 structured, 0.901 / 0.913 / 0.900 prose-only, 0.849 /
    # 0.855 / 0.869 text only (graded 1 and 2 courses in another language leave the top 10).
    "text_only_report": {"ndcg@10": 0.85, "recall@10": 0.85, "mrr": 0.88},
    # Requests where history matters (issue 16 point 5, search/data/match_eval_history.json;
    # measured 3 Dec 2026: 0.997 fit, 0.913 report; without history 0.833 / 0.821). Since
    # general offers are listed for needs on their themes (4 Dec 2026) a graded programme of
    # one of the 5 report requests leaves its top 10: 0.923 / 1.0 / 1.0 -> 0.882 / 0.9 / 1.0
    # (without history 0.788 / 0.9 / 0.867) — the price of that rule, read once, not tuned.
    "history_fit": {"ndcg@10": 0.95, "recall@10": 0.95},
    "history_report": {"ndcg@10": 0.87, "recall@10": 0.88, "mrr": 0.9},
}
#: Text-only matching within this nDCG@10 of the same requests with their codes (issue 11
#: target; held on "report" and on the whole set, for all requests stripped of their codes
#: and for the prose-only requests as posted).
MAX_TEXT_ONLY_GAP = 0.05
#: The engine must beat both baselines' nDCG@10 by at least this much.
BASELINE_MARGIN = 0.15
#: Share of "strong" matches a judge graded 2 or more.
QUALITY_FLOORS = {"strong_precision": 0.70}
#: Ceilings of ineligible@10 (a count: the target, 0) and no_shared_language@10 (a share
#: of top-10 slots, per run; target 0.02, measured 0.032-0.073 before the language rule
#: of issue 11 point 2 lands: then these come down to the target).
MAX_INELIGIBLE = 0
MAX_NO_SHARED_LANGUAGE = {
    "structured": 0.02,
    "text_only": 0.02,
    # The target everywhere since a programme in no shared language ranks among those in a
    # shared language only when its title names the need's subject (late evening of 3 Dec
    # 2026; measured 0.009 / 0.010 / 0.012 on the report part, 0.009 prose-only, 0.018 in
    # French and Spanish; before: 0.023 / 0.040 / 0.026, 0.024, 0.032).
    "structured_report": 0.02,
    "prose_only_report": 0.02,
    "text_only_report": 0.02,
    "prose_only": 0.02,
    "fr_es_requests": 0.02,
    "history_fit": 0.02,
    "history_report": 0.04,
    # Three programmes of the set are offered in Chinese: 2 slots in 35 (0.057), programmes
    # in other languages on the need (0.175 before programmes in no shared language on
    # another subject were left out of lists, 3 Dec 2026).
    "lang_zh": 0.06,
}
#: Unmet needs on the "report" part: least recall, most answerable requests flagged.
#: Targets: recall >= 0.9 with <= 10 % flagged, for both — reached, so held. With the set's
#: rule "no programme graded 3" (20 unmet needs in 43 requests) the cover rule of
#: ``MatchConfig.cover_*`` (``engine.names_main_need``: the subjects of the request's title,
#: not its kinds of support or broad concepts, or the group it names; a programme titled
#: for another kind of support or another subject does not cover; gender says whom a
#: programme is for) gives 0.90 / 0.043 structured and 0.95 / 0.043 text-only there
#: (4 Dec 2026; 0.85 / 0.087 for both in the morning, 0.75 / 0.087 and 0.55 / 0.13 before).
UNMET_FLOORS = {
    "structured": {"recall": 0.90, "false_flag_rate": 0.10},
    "text_only": {"recall": 0.90, "false_flag_rate": 0.10},
}
#: Suggested codes on the "report" part (targets: themes 0.9 / 0.8, support 0.85 / 0.7;
#: measured 0.952 / 0.800 and 0.855 / 0.757 on its 43 requests, 4 Dec 2026).
SUGGESTION_FLOORS = {
    "themes_precision": 0.92,
    "themes_recall": 0.78,
    "support_types_precision": 0.85,
    "support_types_recall": 0.72,
}
Ranker = Callable[[Mapping[str, Any], frozenset[str]], list[str]]
#: Languages of the requests' texts, reported one by one (``lang_ar`` …, issue 13).
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")
#: Requests in these languages (issue 13) are kept out of the runs of issue 11 (below).
NEW_LANGUAGES = ("ar", "ru", "zh")


def run(
    ranker: Ranker,
    requests: Sequence[Mapping[str, Any]],
    judgements: Mapping[str, dict[str, Any]],
    programmes: Mapping[str, Mapping[str, Any]],
    skip_same_language: bool = False,
) -> dict[str, float]:
    """Mean metrics of ``ranker`` over the judged requests."""
    scores: dict[str, list[float]] = {"ndcg@10": [], "recall@10": [], "mrr": []}
    bad = slots = no_language = 0
    for r in requests:
        j = judgements[r["key"]]
        skip = frozenset(
            pid for pid, p in programmes.items()
            if skip_same_language and p["text_language"] == r["text_language"]
        )  # fmt: skip
        grades = {p: g for p, g in j["relevant"].items() if p not in skip}
        ranked = ranker(r, skip)[:K]
        for pid in ranked:
            p = programmes[pid]
            bad += pid in j["never"] or not available(p, TODAY) or not eligible(p, r)
            no_language += not shares_language(p, r)
            slots += 1
        if grades:
            scores["ndcg@10"].append(ndcg(ranked, grades))
            scores["recall@10"].append(recall(ranked, grades))
            scores["mrr"].append(reciprocal_rank(ranked, grades))
    out = {k: round(sum(v) / len(v), 4) if v else 0.0 for k, v in scores.items()}
    out["ndcg@10_se"] = standard_error(scores["ndcg@10"])
    out["ineligible@10"] = bad
    out["no_shared_language@10"] = round(no_language / slots, 4) if slots else 0.0
    out["requests"] = len(scores["ndcg@10"])
    return out


def standard_error(values: Sequence[float]) -> float:
    """Standard error of the mean of per-request figures: how far a mean over this many
    requests may move with another draw of requests like them."""
    n = len(values)
    if n < 2:
        return 0.0
    mean = sum(values) / n
    return round(math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n), 4)


def engine_ranker(engine: MatchEngine) -> Ranker:
    def rank(request: Mapping[str, Any], skip: frozenset[str]) -> list[str]:
        return [m.programme_id for m in engine.match_request(request, K, today=TODAY, exclude=skip)]

    return rank


def tfidf_ranker(programmes: Sequence[Mapping[str, Any]]) -> Ranker:
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


def facets_rules_ranker(programmes: Sequence[Mapping[str, Any]]) -> Ranker:
    """The written rules, then the share of the request's themes (weight 2) and support
    types (weight 1) the programme offers, then a shared language; ties by id."""

    def share(wanted: Sequence[str], offered: Sequence[str]) -> float:
        return len(set(wanted) & set(offered)) / len(wanted) if wanted else 0.0

    def rank(request: Mapping[str, Any], skip: frozenset[str]) -> list[str]:
        scored = [
            (
                -(
                    2 * share(request["themes"], p["themes"])
                    + share(request["support_types"], p["support_types"])
                    + 0.5 * shares_language(p, request)
                ),
                p["id"],
            )
            for p in programmes
            if p["id"] not in skip and available(p, TODAY) and eligible(p, request)
        ]
        return [pid for _, pid in sorted(scored)[:K]]

    return rank


def unmet_figures(
    engine: MatchEngine, requests: Sequence[Mapping[str, Any]], judgements: Mapping[str, Any]
) -> dict[str, float]:
    """Agreement of ``NeedStatus.unmet`` with "no programme graded >= 2"."""
    tp = fp = fn = tn = 0
    for r in requests:
        expected = expected_unmet(judgements[r["key"]])
        predicted = engine.best_match_quality(r, today=TODAY).unmet
        tp += expected and predicted
        fp += predicted and not expected
        fn += expected and not predicted
        tn += not expected and not predicted
    return {
        "expected": tp + fn,
        "flagged": tp + fp,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "false_flag_rate": round(fp / (fp + tn), 4) if fp + tn else 0.0,
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


def calibrate(
    engine: MatchEngine, requests: Sequence[Mapping[str, Any]], judgements: Mapping[str, Any]
) -> tuple[float, float]:
    """Platt scaling: logistic regression of "grade >= 2" on the raw score of every
    eligible pair of ``requests``; returns ``(a, b)``."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for r in requests:
        grades = judgements[r["key"]]["relevant"]
        for m in engine.match_request(r, len(engine.programmes), today=TODAY):
            xs.append([m.raw])
            ys.append(int(grades.get(m.programme_id, 0) >= 2))
    model = LogisticRegression(C=100.0).fit(np.array(xs), np.array(ys))
    return float(model.coef_[0][0]), float(model.intercept_[0])


#: Most answerable requests the unmet rule may flag on "fit" (issue 11 target).
MAX_FALSE_FLAGS = 0.10


def fit_cover_scores(
    config: MatchConfig, requests: Sequence[Mapping[str, Any]], judgements: Mapping[str, Any]
) -> dict[str, float]:
    """``cover_min_score`` (requests with codes) and ``cover_min_score_inferred`` (the same
    requests stripped of their codes) that find the most unmet needs of ``requests`` while
    flagging at most ``MAX_FALSE_FLAGS`` of the answerable ones (ties: fewer flagged, then
    the lower score), the other cover settings as in ``config``."""
    grid = [round(0.1 + 0.02 * i, 2) for i in range(31)]
    found: dict[str, list[tuple[float, float, float]]] = {"structured": [], "text_only": []}
    programmes, past = all_programmes(), history()
    for value in grid:
        cfg = replace(config, cover_min_score=value, cover_min_score_inferred=value)
        engine = MatchEngine(cfg).fit(programmes, history=past)
        for kind, mine in (
            ("structured", requests),
            ("text_only", [without_codes(r) for r in requests]),
        ):
            f = unmet_figures(engine, mine, judgements)
            if f["false_flag_rate"] <= MAX_FALSE_FLAGS:
                found[kind].append((-f["recall"], f["false_flag_rate"], value))
    best = {k: min(v)[2] if v else grid[0] for k, v in found.items()}
    return {
        "cover_min_score": best["structured"],
        "cover_min_score_inferred": best["text_only"],
    }


#: Targets of issue 11 for suggested codes: (precision, recall) per list.
SUGGESTION_TARGETS = {"themes": (0.9, 0.8), "support_types": (0.85, 0.7)}


def fit_suggestion_floors(requests: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Per list, the least model probability of a candidate (``suggest.MIN_PROBABILITY``),
    then the least probability of a code added below the share (``suggest.ADD_PROBABILITY``,
    ties: the higher), that give the largest smaller margin over the targets (precision,
    recall) on ``requests``."""
    from search.matching.judgements import precision_recall
    from search.matching.suggest import suggest_codes

    def margin(field: str, floors: dict[str, float], adds: dict[str, float]) -> float:
        p_target, r_target = SUGGESTION_TARGETS[field]
        pairs = [
            (
                set(r[field]),
                set(suggest_codes(r["title"], r["description"], "en", floors, adds)[field]),
            )
            for r in requests
        ]
        p, rc = precision_recall(pairs)
        return min(p - p_target, rc - r_target)

    never = {"themes": 1.0, "support_types": 1.0}
    out: dict[str, dict[str, float]] = {"min_probability": {}, "add_probability": {}}
    for field in SUGGESTION_TARGETS:
        best = None
        for floor in [round(0.1 * i, 1) for i in range(6)]:
            m = margin(field, {"themes": 0.0, "support_types": 0.0, field: floor}, never)
            if best is None or m > best[0] + 1e-9:
                best = (m, floor)
        out["min_probability"][field] = floor = best[1] if best else 0.0
        best = None
        for add in [round(1.0 - 0.1 * i, 1) for i in range(9)]:  # 1.0 (never) down to 0.2
            m = margin(field, {**never, field: floor}, {**never, field: add})
            if best is None or m > best[0] + 1e-9:
                best = (m, add)
        out["add_probability"][field] = best[1] if best else 1.0
    return out


def suggest_codes_for(request: Mapping[str, Any]) -> dict[str, list[str]]:
    from search.matching.suggest import suggest_codes

    return suggest_codes(request["title"], request["description"], request["text_language"])


def evaluate(config: MatchConfig | None = None, part: str | None = None) -> dict[str, Any]:
    """Every figure of the evaluation, as one dict; with ``part`` ("fit" or "report"), the
    figures of that part's requests only."""
    parts = (part,) if part else PARTS
    judgements = load_judgements()
    programmes = all_programmes()
    by_id = {p["id"]: p for p in programmes}
    judged = [r for r in all_requests() if r["key"] in judgements and part_of(r["key"]) in parts]
    # the runs, floors and targets of issue 11 are read on the English, French and Spanish
    # requests they were set on; Arabic, Chinese and Russian ones have runs of their own
    labelled = [r for r in judged if r["text_language"] not in NEW_LANGUAGES]
    newer = [r for r in judged if r["text_language"] in NEW_LANGUAGES]
    engine = MatchEngine(config).fit(programmes, history=history())
    eng = engine_ranker(engine)
    tfidf, facets = tfidf_ranker(programmes), facets_rules_ranker(programmes)
    prose = [r for r in labelled if r["prose_only"]]
    stripped = [without_codes(r) for r in labelled]
    xlang = [r for r in labelled if r["text_language"] in ("fr", "es")]
    runs = {
        "structured": run(eng, labelled, judgements, by_id),
        "tfidf": run(tfidf, labelled, judgements, by_id),
        "facets_rules": run(facets, labelled, judgements, by_id),
        "prose_only": run(eng, [as_posted(r) for r in prose], judgements, by_id),
        "prose_with_codes": run(eng, prose, judgements, by_id),
        "tfidf_prose_only": run(tfidf, prose, judgements, by_id),
        "facets_rules_prose_only": run(facets, [as_posted(r) for r in prose], judgements, by_id),
        "text_only": run(eng, stripped, judgements, by_id),
        "cross_language": run(eng, labelled, judgements, by_id, skip_same_language=True),
        "tfidf_cross_language": run(tfidf, labelled, judgements, by_id, True),
        "fr_es_requests": run(eng, xlang, judgements, by_id),
        "tfidf_fr_es_requests": run(tfidf, xlang, judgements, by_id),
    }
    for lang in LANGUAGES:  # as posted (prose-only requests without codes), per language
        mine = [as_posted(r) for r in judged if r["text_language"] == lang]
        runs[f"lang_{lang}"] = run(eng, mine, judgements, by_id)
        if "report" in parts:
            report = [r for r in mine if part_of(r["key"]) == "report"]
            runs[f"lang_{lang}_report"] = run(eng, report, judgements, by_id)
    for part in parts:  # the same engine runs on each part: targets are read on "report"
        mine = [r for r in labelled if part_of(r["key"]) == part]
        mine_prose = [r for r in mine if r["prose_only"]]
        runs[f"structured_{part}"] = run(eng, mine, judgements, by_id)
        runs[f"prose_only_{part}"] = run(eng, [as_posted(r) for r in mine_prose], judgements, by_id)
        runs[f"prose_with_codes_{part}"] = run(eng, mine_prose, judgements, by_id)
        runs[f"text_only_{part}"] = run(eng, [without_codes(r) for r in mine], judgements, by_id)
    # matching learns from history (search.matching.history): the requests where it matters,
    # with the engine above and with one that knows no initiative ("*_without_history")
    past = history_judgements()
    plain = engine_ranker(MatchEngine(config).fit(programmes))
    for part in parts:
        mine = [r for r in all_requests() if r["key"] in past and part_of(r["key"]) == part]
        runs[f"history_{part}"] = run(eng, mine, past, by_id)
        runs[f"history_{part}_without_history"] = run(plain, mine, past, by_id)
    unmet: dict[str, Any] = {}
    suggestions: dict[str, Any] = {}
    for part in (*parts, "all"):
        mine = [r for r in labelled if part == "all" or part_of(r["key"]) == part]
        unmet[f"structured_{part}"] = unmet_figures(engine, mine, judgements)
        unmet[f"text_only_{part}"] = unmet_figures(
            engine, [without_codes(r) for r in mine], judgements
        )
        suggestions[part] = suggestion_figures(mine, suggest_codes_for)
    unmet["structured_ar_ru_zh"] = unmet_figures(engine, newer, judgements)
    unmet["text_only_ar_ru_zh"] = unmet_figures(
        engine, [without_codes(r) for r in newer], judgements
    )
    suggestions["ar_ru_zh"] = suggestion_figures(newer, suggest_codes_for)
    return {
        "judged_requests": len(labelled),
        "set": {
            "requests": len(labelled),
            "fr_es": len(xlang),
            "ar_ru_zh": len(newer),
            "prose_only": len(prose),
            "unmet": sum(expected_unmet(judgements[r["key"]]) for r in labelled),
            "programmes": len(programmes),
            "fit": sum(part_of(r["key"]) == "fit" for r in labelled),
            "report": sum(part_of(r["key"]) == "report" for r in labelled),
        },
        "runs": runs,
        "unmet": unmet,
        "quality": quality_figures(engine, labelled, judgements),
        "suggestions": suggestions,
    }


def misses(config: MatchConfig, part: str) -> list[str]:
    """Per request of ``part`` whose nDCG@10 (with its codes) is under 1: the figure, then
    the engine's top 10 and the best graded programmes, with their grades — what a change
    of the engine is studied on. Only for "fit": the "report" part's misses are not read."""
    if part != "fit":
        raise ValueError("only the fit part's misses may be read")
    judgements = load_judgements()
    programmes = all_programmes()
    titles = {p["id"]: p["title"] for p in programmes}
    engine = MatchEngine(config).fit(programmes, history=history())
    rank = engine_ranker(engine)
    out = []
    for r in all_requests():
        if r["key"] not in judgements or part_of(r["key"]) != part:
            continue
        grades = judgements[r["key"]]["relevant"]
        if not grades or r["text_language"] in NEW_LANGUAGES:
            continue
        ranked = rank(r, frozenset())
        value = ndcg(ranked, grades)
        if value >= 0.9995:
            continue
        out.append(f"{r['key']} {value:.3f} {r['title']} {r['themes']} {r['support_types']}")
        out.extend(f"  #{i + 1} [{grades.get(p, 0)}] {titles[p]}" for i, p in enumerate(ranked))
        best = sorted(grades.items(), key=lambda x: (-x[1], x[0]))
        out.append("  graded: " + "; ".join(f"[{g}] {titles[p][:50]}" for p, g in best[:6]))
    return out


#: Settings chosen on "fit" (search/matching/config.py), each with its neutral value first
#: and values tried around the one chosen: what ``--cv`` checks.
CV_SETTINGS: dict[str, tuple[Any, ...]] = {
    "subject_penalty": (0.0, 0.05, 0.15),
    "audience_bonus": (0.0, 0.1),
    "audience_penalty": (0.0, 0.1),
    "weight_targeted": (0.0, 0.05, 0.2),
    "general_offers": (False,),
    "weight_track_record": (0.0, 0.05),
    "title_boost": (1, 3),
}


def cross_validate(
    config: MatchConfig,
    settings: Mapping[str, Sequence[Any]] = CV_SETTINGS,
    folds: int = 5,
    repeats: int = 20,
    seed: int = 7,
) -> list[str]:
    """Whether each setting chosen on "fit" holds on requests it was not chosen on: the
    "fit" requests (with codes) split into ``folds`` at random, ``repeats`` times; on each
    split the value with the best nDCG@10 on the other folds is read on the held-out one.
    A setting that overfits scores much less out of fold than in-sample; one that does not
    help scores like its neutral value. Lines of text, one per setting."""
    judgements = load_judgements()
    programmes, past = all_programmes(), history()
    mine = [
        r for r in all_requests()
        if r["key"] in judgements and part_of(r["key"]) == "fit"
        and r["text_language"] not in NEW_LANGUAGES and judgements[r["key"]]["relevant"]
    ]  # fmt: skip

    def per_request(cfg: MatchConfig) -> list[float]:
        rank = engine_ranker(MatchEngine(cfg).fit(programmes, history=past))
        return [ndcg(rank(r, frozenset())[:K], judgements[r["key"]]["relevant"]) for r in mine]

    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    lines = [f"{len(mine)} 'fit' requests, {folds} folds x {repeats}: structured nDCG@10"]
    rng = random.Random(seed)
    for name, tried in settings.items():
        chosen = getattr(config, name)
        values = list(dict.fromkeys([chosen, *tried]))
        got = {v: per_request(replace(config, **{name: v})) for v in values}
        neutral = tried[0]
        out_of_fold: list[float] = []
        for _ in range(repeats):
            order = list(range(len(mine)))
            rng.shuffle(order)
            for f in range(folds):
                held = set(order[f::folds])
                train = [i for i in order if i not in held]
                best = max(values, key=lambda v: (mean([got[v][i] for i in train]), v == neutral))
                out_of_fold.append(mean([got[best][i] for i in held]))
        wins = sum(a > b + 1e-9 for a, b in zip(got[chosen], got[neutral], strict=True))
        losses = sum(a < b - 1e-9 for a, b in zip(got[chosen], got[neutral], strict=True))
        lines.append(
            f"{name} = {chosen}: in-sample "
            + ", ".join(f"{v}: {mean(got[v]):.4f}" for v in values)
            + f"; chosen on the other folds {mean(out_of_fold):.4f} (neutral {neutral}:"
            f" {mean(got[neutral]):.4f}); better than neutral on {wins} requests, worse on {losses}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--calibrate", action="store_true", help="refit (a, b) and the unmet threshold on 'fit'"
    )
    parser.add_argument(
        "--part", choices=PARTS, help="only this part's requests (study settings on 'fit')"
    )
    parser.add_argument(
        "--misses",
        action="store_true",
        help="with --part fit: each request's nDCG@10 under 1, its top 10 and grades",
    )
    parser.add_argument(
        "--cv",
        action="store_true",
        help="with --part fit: cross-validate, inside 'fit', the settings chosen on it",
    )
    args = parser.parse_args(argv)
    if args.misses and args.part != "fit":
        parser.error("--misses reads the fit part only: add --part fit")
    if args.cv and args.part != "fit":
        parser.error("--cv reads the fit part only: add --part fit")
    config = MatchConfig()
    for problem in check_judgements():
        print("JUDGEMENT:", problem)
    if args.calibrate:
        judgements = load_judgements()
        fit = [r for r in all_requests() if r["key"] in judgements and part_of(r["key"]) == "fit"]
        engine = MatchEngine(config).fit(all_programmes())
        a, b = calibrate(engine, fit, judgements)
        print(
            f"calibration on the fit part: a={a:.3f} b={b:.3f} (set MatchConfig.calibration_a / _b)"
        )
        # the cover scores go with the stored scaling (refit them after setting a new one)
        labelled_fit = [r for r in fit if r["text_language"] not in NEW_LANGUAGES]
        scores = fit_cover_scores(config, labelled_fit, judgements)
        print(f"cover scores on the fit part: {scores} (set MatchConfig.cover_min_score*)")
        print(
            f"suggestion floors on the fit part: {fit_suggestion_floors(labelled_fit)} "
            "(set search.matching.suggest.MIN_PROBABILITY / ADD_PROBABILITY)"
        )
    figures = evaluate(config, args.part)
    head = f"{'run':26} {'n':>3} {'nDCG@10':>8} {'±se':>6} {'R@10':>6} {'MRR':>6}"
    print(f"{head} {'inelig':>6} {'nolang':>6}")
    for name, m in figures["runs"].items():
        print(
            f"{name:26} {m['requests']:3d} {m['ndcg@10']:8.3f} {m['ndcg@10_se']:6.3f} "
            f"{m['recall@10']:6.3f} {m['mrr']:6.3f} {m['ineligible@10']:6d} "
            f"{m['no_shared_language@10']:6.3f}"
        )
    print("set: " + ", ".join(f"{k}={v}" for k, v in figures["set"].items()))
    for name, m in figures["unmet"].items():
        print(f"unmet {name}: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    print("quality: " + ", ".join(f"{k}={v}" for k, v in figures["quality"].items()))
    for name, m in figures["suggestions"].items():
        print(f"suggestions {name}: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    if args.misses:
        print("\n".join(misses(config, "fit")))
    if args.cv:
        print("\n".join(cross_validate(config)))
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
