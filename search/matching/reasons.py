"""Human-readable reasons that decompose a match score.

A component's *part* is its weighted value ``w_k * c_k / W``; the raw score is the sum of
the parts.  A reason's contribution is ``score * part / raw``: the contributions of a
match add up to its calibrated score, in the proportions of the raw score.  Phrases are
cached, since the same few recur across thousands of pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

from search.matching.codes import SUPPORT_TYPES, THEMES, label, language_name
from search.matching.eligibility import places_of
from search.matching.features import concept_label, surfaces
from search.matching.history import History, track_items
from search.matching.history import reason_text as history_reason
from search.matching.model import Reason
from search.matching.rules import day
from search.matching.structured import Codes
from search.places import default_gazetteer
from search.text.analysis import fold
from search.text.thesaurus import base_thesaurus

#: Order of the reasons (also the tie order of equal contributions).
ORDER = (
    "text", "themes", "support", "language", "region", "delivery", "freshness", "track_record",
)  # fmt: skip
#: Reasons shown even when they add nothing (they tell the user what is missing).
ALWAYS_SHOWN = frozenset({"language", "region"})
#: Words that say nothing about what is needed or offered: never shown as a shared "Text:"
#: word (they still count in the score).  Folded, en/fr/es.
_UNINFORMATIVE_WORDS = """
    one two three four five six seven eight nine ten first second new small large
    would like need needs help established existing current also well many several
    year years month months week weeks day days staff people team teams work
    un une deux trois quatre cinq premier nouveau nouvelle petit petite besoin aide
    souhaite souhaitons annee annees mois semaine semaines jour jours equipe equipes
    uno una dos tres cuatro cinco primer primero nuevo nueva pequeno pequena necesita
    ayuda ano anos mes meses semana semanas dia dias equipo equipos
"""
UNINFORMATIVE = frozenset(_UNINFORMATIVE_WORDS.split())
DELIVERY = {
    "online": "Delivered online",
    "in_person": "Delivered in person",
    "hybrid": "Hybrid delivery",
}


def age_phrase(days: int | None) -> str:
    if days is None:
        return "Update date unknown"
    if days < 45:
        return f"Updated {days} day{'s' if days != 1 else ''} ago"
    if days < 540:
        return f"Updated {round(days / 30.4)} months ago"
    return f"Updated {round(days / 365.25)} years ago"


class RequestContext:
    """What the reasons of one request need, computed once per request."""

    def __init__(self, request: Mapping[str, Any], words: tuple, concepts: Sequence, named) -> None:
        text = f"{request.get('title') or ''} {request.get('description') or ''}"
        self.request = request
        self.folded = fold(text)
        self.labels: dict[int, str] = {}
        self.language = request.get("text_language")
        self.surfaces = surfaces(text, self.language)
        self.words = dict(zip(words[0].tolist(), words[1].tolist(), strict=True))
        self.concepts = [(f, float(v)) for f, v in enumerate(concepts) if v and named[f]]
        self.wanted = tuple(request.get("languages") or [self.language or "en"])
        self.country = request.get("country") or ""
        self.region = request.get("region") or ""
        self.country_name = request.get("country_name") or self.country


class Explainer:
    """Builds :class:`Reason` lists; holds phrase caches shared by many pairs."""

    def __init__(self, word_terms: Sequence[str], concept_terms: Sequence[str]) -> None:
        self.word_terms, self.concept_terms = word_terms, concept_terms
        #: Who delivered what where, for the track-record reason (set by the engine).
        self.history: History | None = None
        self._phrases: dict[tuple, tuple[str, tuple[str, ...]]] = {}

    def text_items(
        self, ctx: RequestContext, p_words: tuple[list, list], p_concepts: list, limit: int = 4
    ) -> list[str]:
        """Top shared concepts (named in the request's language), then shared words."""
        found = sorted((-qv * p_concepts[f], f) for f, qv in ctx.concepts if p_concepts[f] > 0)
        out: list[str] = []
        seen: set[str] = set()
        for _, f in found[:limit]:
            name = ctx.labels.get(f) or self._label(ctx, f)
            if name.lower() not in seen:
                out.append(name)
                seen.update(name.lower().split())
                seen.add(fold(name).replace(" ", "").replace("-", ""))
        if len(out) >= limit:
            return out
        q = ctx.words
        shared = sorted((-q[t] * v, t) for t, v in zip(*p_words, strict=True) if t in q)
        for w, t in shared[: limit * 2]:
            if len(out) >= limit or w > shared[0][0] / 4:
                break
            word = ctx.surfaces.get(self.word_terms[t], self.word_terms[t])
            if (
                word not in seen
                and len(word) > 2
                and not word.isdigit()
                and fold(word) not in UNINFORMATIVE
            ):
                out.append(word)
                seen.add(word)
        return out

    def _label(self, ctx: RequestContext, f: int) -> str:
        """The concept's name as the request writes it, else its name in that language."""
        feature = self.concept_terms[f]
        concept = base_thesaurus().concepts.get(feature[2:])
        names = [] if concept is None else concept.terms.get((ctx.language or "en")[:2], [])
        used = [n for n in names if fold(n) in ctx.folded]
        ctx.labels[f] = max(used, key=len) if used else concept_label(feature, ctx.language)
        return ctx.labels[f]

    def _codes(self, kind: str, rc: Codes, pc: Codes) -> tuple[str, tuple[str, ...]]:
        attr = "themes" if kind == "themes" else "support_types"
        shared = tuple(c for c in getattr(rc, attr) if c in getattr(pc, attr))
        inferred = getattr(rc, "inferred_" + attr)
        key = (kind, shared, inferred)
        if key not in self._phrases:
            table = THEMES if kind == "themes" else SUPPORT_TYPES
            head = "Themes" if kind == "themes" else "Support"
            note = " (inferred from text)" if inferred else ""
            self._phrases[key] = (
                f"{head}: {', '.join(label(c, table) for c in shared)}{note}",
                shared,
            )
        return self._phrases[key]

    def _language(
        self, wanted: tuple[str, ...], offered: tuple[str, ...], interpreted: tuple[str, ...] = ()
    ) -> tuple[str, tuple]:
        key = ("language", wanted, offered, interpreted)
        if key not in self._phrases:
            shared = tuple(c for c in wanted if c in offered)
            bridged = tuple(c for c in wanted if c in interpreted and c not in offered)
            if shared:
                text = "Offered in " + ", ".join(language_name(c) for c in shared)
            elif bridged:
                text = (
                    "Offered in "
                    + ", ".join(language_name(c) for c in bridged)
                    + " (interpretation or translation)"
                )
            elif not offered and not interpreted:
                text = "Languages not stated"
            else:
                text = "Not offered in " + " or ".join(language_name(c) for c in wanted)
            self._phrases[key] = (text, shared or bridged)
        return self._phrases[key]

    def _region(self, ctx: RequestContext, programme: Mapping[str, Any]) -> tuple[str, tuple]:
        if ctx.country and ctx.country in (programme.get("eligible_countries") or ()):
            return f"Targeted at {ctx.country_name}", (ctx.country,)
        listed = programme.get("eligible_regions") or ()
        if ctx.region and ctx.region in listed:
            return f"Eligible: {ctx.region}", (ctx.region,)
        # a place of the gazetteer that counts the state (Eastern Africa, the EAC …): the
        # programme is open to its states, not to all (the rule of eligibility.OPEN_TO)
        places = places_of(ctx.country, ctx.region) if listed else frozenset()
        for code in listed:
            if code in places:
                place = default_gazetteer().get(code)
                return f"Eligible: {place.name if place else code}", (code,)
        return "Eligible: open to all countries", ("global",)

    def reasons(
        self,
        ctx: RequestContext,
        programme: Mapping[str, Any],
        parts: Sequence[float],
        score: float,
        codes: tuple[Codes, Codes],
        text: Sequence[str],
        today: date,
    ) -> list[Reason]:
        """Reasons of one pair (``parts`` in :data:`ORDER`), largest contribution first."""
        raw = sum(parts)
        out: list[Reason] = []
        for rank, (kind, part) in enumerate(zip(ORDER, parts, strict=True)):
            share = score * part / raw if raw > 0 and part > 0 else 0.0
            if share <= 0 and kind not in ALWAYS_SHOWN:
                continue
            if kind == "text":
                phrase, items = (
                    ("Text: " + ", ".join(text) if text else "Related text"),
                    tuple(text),
                )
            elif kind in ("themes", "support"):
                phrase, items = self._codes(kind, *codes)
            elif kind == "language":
                offered = tuple(programme.get("languages") or ())
                interpreted = tuple(programme.get("interpretation_languages") or ())
                phrase, items = self._language(ctx.wanted, offered, interpreted)
            elif kind == "region":
                phrase, items = self._region(ctx, programme)
            elif kind == "track_record":
                items = track_items(
                    self.history,
                    ctx.region,
                    codes[0].themes,
                    programme.get("organisation_id"),
                    codes[1].themes,
                )
                phrase = history_reason(items) if items else "Track record"
            elif kind == "delivery":
                mode = programme.get("delivery_mode") or ""
                phrase, items = DELIVERY.get(mode, "Delivery"), ((mode,) if mode else ())
            else:
                updated = day(programme.get("updated_at")) or day(programme.get("created_at"))
                days = None if updated is None else max(today.toordinal() - updated, 0)
                phrase, items = age_phrase(days), ()
            out.append(Reason(kind, phrase, share, items, rank))
        out.sort(key=lambda r: (-r.contribution, r.order))
        return out


def named_concepts(concept_terms: Sequence[str]) -> np.ndarray:
    """Which concept-space features are concepts (``c:``) rather than implied themes."""
    return np.array([t.startswith("c:") for t in concept_terms], dtype=bool)
