"""``python -m search.evaluate_overlaps``: precision and recall of the overlap rule
(:mod:`search.matching.overlaps`) on the judged pairs of ``search/data/overlap_judgements.json``,
per part ("fit" chooses the threshold, "report" is only reported); the last line is JSON.

    python -m search.evaluate_overlaps [--threshold 0.3] [--sweep]
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from search.matching.overlaps import THRESHOLD, Work, pair

DATA = Path(__file__).parent / "data" / "overlap_judgements.json"


def load(path: Path = DATA) -> tuple[dict[int, Work], list[dict[str, Any]]]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    works = {
        w["id"]: Work(
            id=w["id"],
            title=w["title"],
            text=w["text"],
            states=frozenset(w["states"]),
            themes=frozenset(w["themes"]),
            funders=frozenset(w["funders"]),
            implementers=frozenset(w["implementers"]),
            start=date.fromisoformat(w["start"]) if w.get("start") else None,
            end=date.fromisoformat(w["end"]) if w.get("end") else None,
        )
        for w in raw["works"]
    }
    return works, raw["pairs"]


def measure(
    works: dict[int, Work], pairs: list[dict[str, Any]], part: str, threshold: float
) -> dict[str, float]:
    listed = true_positive = relevant = 0
    for judged in pairs:
        if judged["part"] != part:
            continue
        a, b = (works[i] for i in judged["pair"])
        found = pair(a, b)
        flagged = found is not None and found.score >= threshold
        listed += flagged
        relevant += judged["overlap"]
        true_positive += flagged and judged["overlap"]
    precision = true_positive / listed if listed else 1.0
    recall = true_positive / relevant if relevant else 1.0
    return {
        "pairs": sum(p["part"] == part for p in pairs),
        "listed": listed,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument(
        "--sweep", action="store_true", help="precision/recall on 'fit' per threshold"
    )
    args = parser.parse_args(argv)
    works, pairs = load()
    if args.sweep:
        for step in range(10, 80, 5):
            print(f"{step / 100:.2f}", measure(works, pairs, "fit", step / 100))
    result = {part: measure(works, pairs, part, args.threshold) for part in ("fit", "report")}
    for part, figures in result.items():
        print(
            f"{part:7} pairs {figures['pairs']:3}  listed {figures['listed']:3}  "
            f"precision {figures['precision']:.3f}  recall {figures['recall']:.3f}"
        )
    summary = {"threshold": args.threshold, **result}
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
