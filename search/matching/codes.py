"""Code lists and readable labels, and codes inferred from free text.

The labels repeat ``kb/codes.py`` (``search`` must not import ``kb``); the inference uses
the shared thesaurus (``search/data/thesaurus.json``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence

from search.places import un_group_names
from search.text.analysis import WORD_RE, fold_token
from search.text.thesaurus import base_thesaurus

THEMES: dict[str, str] = {
    "national_strategy": "national strategy",
    "incident_response": "incident response",
    "critical_infrastructure": "critical infrastructure",
    "cybercrime": "cybercrime",
    "international_law": "international law",
    "norms_implementation": "norms implementation",
    "confidence_building": "confidence building",
    "diplomacy": "cyber diplomacy",
    "technical_skills": "technical skills",
    "awareness": "awareness",
    "standards": "standards",
    "data_protection": "data protection",
    "gender": "gender",
}
SUPPORT_TYPES: dict[str, str] = {
    "training": "training",
    "technical_assistance": "technical assistance",
    "policy_advice": "policy advice",
    "equipment": "equipment",
    "funding": "funding",
    "expert_exchange": "expert exchange",
    "exercise": "exercise",
    "research": "research",
}
LANGUAGES: dict[str, str] = {
    "ar": "Arabic",
    "zh": "Chinese",
    "en": "English",
    "fr": "French",
    "ru": "Russian",
    "es": "Spanish",
    "pt": "Portuguese",
}
#: The UN regional groups, from the gazetteer (``search/places``, one source of truth).
REGIONS: tuple[str, ...] = un_group_names()
DELIVERY_MODES: tuple[str, ...] = ("in_person", "online", "hybrid")

#: Folded word sequences that signal a wish for online or in-person delivery.
_DELIVERY_CUES: dict[str, tuple[tuple[str, ...], ...]] = {
    "online": (
        ("remote",), ("remotely",), ("virtual",), ("virtually",), ("e", "learning"),
        ("online", "course"), ("online", "training"), ("delivered", "online"),
        ("formation", "en", "ligne"), ("cours", "en", "ligne"), ("a", "distance"),
        ("distanciel",), ("remoto",), ("remota",), ("virtuales",), ("curso", "en", "linea"),
    ),
    "in_person": (
        ("in", "person"), ("on", "site"), ("onsite",), ("study", "visit"), ("placement",),
        ("placements",), ("presentiel",), ("sur", "place"), ("presencial",), ("visita",),
        ("visite", "d", "etude"),
    ),
}  # fmt: skip


def label(code: str, table: dict[str, str]) -> str:
    """Readable label of a code (the code with spaces when unknown)."""
    return table.get(code, code.replace("_", " "))


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)


def code_scores(found: Mapping[str, float]) -> tuple[Counter, Counter]:
    """Theme and support-type scores of concept counts (``{concept id: count}``)."""
    concepts = base_thesaurus().concepts
    themes: Counter[str] = Counter()
    support: Counter[str] = Counter()
    for cid, n in found.items():
        concept = concepts[cid]
        for t in concept.themes:
            themes[t] += n
        for s in concept.support_types:
            support[s] += n
    return themes, support


def concept_counts(title: str, description: str, title_boost: int = 2) -> Counter:
    """Thesaurus concepts of a text (title words ``title_boost`` times)."""
    thesaurus = base_thesaurus()
    found: Counter[str] = Counter()
    for text, weight in ((title, title_boost), (description, 1)):
        for _, _, ids in thesaurus.spans(WORD_RE.findall(text or "")):
            for cid in ids:
                found[cid] += weight
    return found


def _top(scores: Counter, limit: int) -> list[str]:
    if not scores:
        return []
    best = max(scores.values())
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [code for code, n in ranked[:limit] if n >= max(1.0, best / 3)]


def codes_from_concepts(found: Mapping[str, float], limit: int = 3) -> dict[str, list[str]]:
    """Likely codes, most likely first: at most ``limit`` per list, each with at least a
    third of the best code's count."""
    themes, support = code_scores(found)
    return {"themes": _top(themes, limit), "support_types": _top(support, limit)}


def infer_codes_from_text(
    title: str, description: str, *, title_boost: int = 2, limit: int = 3
) -> dict[str, list[str]]:
    """Likely theme and support-type codes of a text in any language, most likely first
    (``search.matching.suggest``: thesaurus concepts plus suggestion cues)."""
    from search.matching.suggest import suggest_codes

    return suggest_codes(title, description)


_CUE_STARTS = {cue[0] for cues in _DELIVERY_CUES.values() for cue in cues}


def delivery_preference(text: str) -> str | None:
    """``"online"``, ``"in_person"`` or None, from cue words in ``text`` (any language)."""
    words = [fold_token(w) for w in WORD_RE.findall(text or "")]
    hits = dict.fromkeys(_DELIVERY_CUES, 0)
    for i, w in enumerate(words):
        if w not in _CUE_STARTS:
            continue
        for mode, cues in _DELIVERY_CUES.items():
            hits[mode] += sum(1 for cue in cues if tuple(words[i : i + len(cue)]) == cue)
    if hits["online"] == hits["in_person"]:
        return None
    return "online" if hits["online"] > hits["in_person"] else "in_person"


def clean_codes(codes: Iterable[str] | None, table: Iterable[str]) -> list[str]:
    """Known codes only, deduplicated, in input order."""
    known = set(table)
    out: list[str] = []
    for c in codes or ():
        if c in known and c not in out:
            out.append(c)
    return out


def subject_themes(themes: Sequence[str], audience: Collection[str]) -> list[str]:
    """Themes in order without those that only say whom a record is for (``audience``,
    ``MatchConfig.cover_audience_themes``: a fellowship for women diplomats is about
    diplomacy), or all of them when it has no other."""
    subjects = [t for t in themes if t not in audience]
    return subjects or list(themes)
