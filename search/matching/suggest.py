"""Themes and support types suggested for a need written in prose (en, fr, es)."""

from __future__ import annotations

from search.matching.codes import infer_codes_from_text


def suggest_codes(title: str, description: str, language: str = "en") -> dict[str, list[str]]:
    """``{"themes": [...], "support_types": [...]}``, most likely first."""
    return infer_codes_from_text(title, description)
