"""What users read about a match: its label (the interface words what the number means,
with the thresholds of ``MatchConfig``)."""

from __future__ import annotations

LABELS: dict[str, str] = {
    "strong": "Strong match",
    "good": "Good match",
    "weak": "Weak match",
    "none": "No match",
}


def label(quality: str) -> str:
    return LABELS.get(quality, quality)
