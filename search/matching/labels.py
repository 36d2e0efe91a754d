"""What users read about a match: its label, and what the number behind it means."""

from __future__ import annotations

from search.matching.config import MatchConfig

LABELS: dict[str, str] = {
    "strong": "Strong match",
    "good": "Good match",
    "weak": "Weak match",
    "none": "No match",
}


def label(quality: str) -> str:
    return LABELS.get(quality, quality)


def score_meaning(cfg: MatchConfig) -> str:
    """One sentence on the score, with the thresholds in force."""
    return (
        "The score estimates the chance (0 to 1) that a reviewer would call this a good "
        f"match, learnt from judged pairs: strong from {cfg.strong_threshold:.2f}, good from "
        f"{cfg.good_threshold:.2f}. A programme that does not cover the request's main theme "
        "or is offered in none of its languages is labelled weak whatever its score."
    )
