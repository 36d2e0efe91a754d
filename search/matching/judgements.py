"""The labelled seed set (``search/data/match_judgements.json``) and ranking metrics."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from search.matching import MatchEngine
from search.matching import rules as hard_rules
from search.matching.codes import infer_codes_from_text
from search.matching.seed_loader import load_programmes, load_requests, programme_id

JUDGEMENTS = Path(__file__).resolve().parents[1] / "data" / "match_judgements.json"
#: The day the judgements hold for (seed statuses and dates are fixed).
TODAY = date(2026, 11, 29)
K = 10


def load_judgements(path: Path = JUDGEMENTS) -> dict[str, dict[str, Any]]:
    """``{request key: {"relevant": {programme id: grade}, "never": {programme ids}}}``."""
    raw = json.loads(path.read_text(encoding="utf-8"))["requests"]
    return {
        key: {
            "relevant": {programme_id(p): int(g) for p, g in v["relevant"].items()},
            "never": {programme_id(p) for p in v["never"]},
        }
        for key, v in raw.items()
    }


def ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    gain = sum((2 ** grades.get(p, 0) - 1) / math.log2(i + 2) for i, p in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return gain / best if best else 0.0


def recall(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    relevant = {p for p, g in grades.items() if g >= 1}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], grades: Mapping[str, int]) -> float:
    floor = 2 if max(grades.values(), default=0) >= 2 else 1
    return next((1 / (i + 1) for i, p in enumerate(ranked) if grades.get(p, 0) >= floor), 0.0)


def check_judgements(today: date = TODAY) -> list[str]:
    """Judgements that contradict the hard rules (should be empty)."""
    judgements, by_id = load_judgements(), {p["id"]: p for p in load_programmes()}
    requests = {r["key"]: r for r in load_requests()}
    problems = []
    for key, j in judgements.items():
        r = requests[key]
        for pid in j["never"]:
            if hard_rules.offerable(by_id[pid], today) and hard_rules.eligible(by_id[pid], r):
                problems.append(f"{key}: {pid} is listed as never but is eligible")
        for pid in j["relevant"]:
            if not (hard_rules.offerable(by_id[pid], today) and hard_rules.eligible(by_id[pid], r)):
                problems.append(f"{key}: {pid} is graded but not eligible")
    return problems


def inference_figures(requests: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Micro precision / recall of codes inferred from text against the owners' codes."""
    out: dict[str, float] = {}
    for key in ("themes", "support_types"):
        tp = fp = fn = 0
        for r in requests:
            truth = set(r[key])
            guess = set(infer_codes_from_text(r["title"], r["description"])[key])
            tp, fp, fn = tp + len(truth & guess), fp + len(guess - truth), fn + len(truth - guess)
        out[f"infer_{key}_precision"] = round(tp / (tp + fp), 4) if tp + fp else 0.0
        out[f"infer_{key}_recall"] = round(tp / (tp + fn), 4) if tp + fn else 0.0
    return out


def calibrate(engine: MatchEngine, requests: Sequence[Mapping[str, Any]], judgements) -> tuple:
    """Platt scaling: logistic regression of "grade >= 2" on the raw score of every
    eligible pair of the judged requests; returns ``(a, b)``."""
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
