"""A small supervised check on suggested codes, learnt from labelled records that are not
in the judged set: the seed programmes and the seed requests outside
``search/data/match_judgements.json`` (each written with its themes and support types).

Features (language-independent, so one model serves the six UN languages): for every
theme and support-type code, its evidence in the text (``suggest.code_scores``: thesaurus
concepts and suggestion cues) and that evidence as a share of its list's best code. One
logistic regression per code gives the probability that a record with this evidence is
labelled with the code. ``suggest.suggest_codes`` drops a candidate code whose probability
is under ``suggest.MIN_PROBABILITY`` (a threshold chosen on the "fit" part of the judged
set only).

The fitted coefficients are data (``search/data/suggestion_model.json``), so the app needs
no learning library; refit them after changing the thesaurus or the cues with
``python -m search.matching.suggest_model`` (scikit-learn, deterministic).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from search.matching.codes import SUPPORT_TYPES, THEMES

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "suggestion_model.json"
FIELDS = ("themes", "support_types")
CODES: dict[str, tuple[str, ...]] = {"themes": tuple(THEMES), "support_types": tuple(SUPPORT_TYPES)}
#: Inverse regularisation strength of the logistic regressions.
C = 1.0


def features(scores: Mapping[str, Mapping[str, float]]) -> list[float]:
    """Evidence per code, then per code its share of its list's best code, list by list."""
    out: list[float] = []
    for field in FIELDS:
        found = scores.get(field) or {}
        best = max(found.values(), default=0.0) or 1.0
        out += [float(found.get(c, 0.0)) for c in CODES[field]]
        out += [float(found.get(c, 0.0)) / best for c in CODES[field]]
    return out


@lru_cache(maxsize=1)
def _model() -> dict[str, dict[str, tuple[list[float], float]]]:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))["models"]
    return {
        field: {code: (list(m["coef"]), float(m["intercept"])) for code, m in codes.items()}
        for field, codes in data.items()
    }


def probabilities(scores: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """``{list: {code: probability}}`` for a text's evidence (``suggest.code_scores``)."""
    x = features(scores)
    out: dict[str, dict[str, float]] = {}
    for field, codes in _model().items():
        out[field] = {}
        for code, (coef, intercept) in codes.items():
            z = intercept + sum(a * b for a, b in zip(coef, x, strict=True))
            out[field][code] = 1.0 / (1.0 + math.exp(-z))
    return out


def training_records() -> list[dict[str, Any]]:
    """The seed programmes and the seed requests that are not judged, with their codes."""
    from search.matching.judgements import load_judgements
    from search.matching.seed_loader import load_programmes, load_requests

    judged = set(load_judgements())
    return [*load_programmes(), *(r for r in load_requests() if r["key"] not in judged)]


def fit(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Fit one logistic regression per code on ``records`` (scikit-learn)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from search.matching.suggest import code_scores

    x = np.array([features(code_scores(r["title"], r["description"])) for r in records])
    models: dict[str, dict[str, Any]] = {}
    for field in FIELDS:
        models[field] = {}
        for code in CODES[field]:
            y = np.array([code in (r.get(field) or []) for r in records], dtype=int)
            if y.min() == y.max():
                continue  # a code no training record has (or all have) is never vetoed
            m = LogisticRegression(C=C, max_iter=5000).fit(x, y)
            models[field][code] = {
                "coef": [round(float(v), 6) for v in m.coef_[0]],
                "intercept": round(float(m.intercept_[0]), 6),
            }
    return {
        "about": (
            "Logistic regressions of search/matching/suggest_model.py, fitted by "
            "python -m search.matching.suggest_model on the seed programmes and the seed "
            "requests outside the judged set; features: per code, its evidence and its share "
            "of the best code of its list (themes, then support types)."
        ),
        "training_records": len(records),
        "models": models,
    }


def main() -> None:
    model = fit(training_records())
    MODEL_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE} ({model['training_records']} training records)")


if __name__ == "__main__":
    main()
