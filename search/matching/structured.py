"""Structured features: themes, support types, languages, region and delivery mode.

The request side carries the component weights, so that the product of a request row
and a programme row is the weighted sum of these components (see :func:`segments`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from search.matching.audiences import audiences_in
from search.matching.codes import (
    DELIVERY_MODES,
    REGIONS,
    SUPPORT_TYPES,
    THEMES,
    clean_codes,
    delivery_preference,
)
from search.matching.config import MatchConfig
from search.matching.features import DocTerms
from search.matching.suggest import suggest_codes
from search.places import default_gazetteer, state_groups
from search.text.analysis import WORD_RE
from search.text.thesaurus import base_thesaurus

#: Rows: request preference (none, online, in person); columns: in person, online, hybrid, ?.
DELIVERY_FIT = np.array(
    [[0.6, 0.6, 1.0, 0.6], [0.1, 1.0, 0.8, 0.5], [1.0, 0.1, 0.8, 0.5]], dtype=np.float32
)
PREFERENCES = (None, "online", "in_person")


def segments(n_languages: int) -> dict[str, slice]:
    """Column ranges of the structured features, per component."""
    sizes = {
        "themes": 2 * len(THEMES),
        "support": 2 * len(SUPPORT_TYPES),
        "language": n_languages + 2,
        "region": len(REGIONS),
        "delivery": 4,
    }
    out, start = {}, 0
    for kind, size in sizes.items():
        out[kind] = slice(start, start + size)
        start += size
    return out


@dataclass(frozen=True)
class Codes:
    """Themes / support types used for scoring, and whether they were inferred; with the
    thesaurus concepts the record's title names — its main need or main offer — which the
    cover rule reads (``engine.names_main_need``)."""

    themes: list[str]
    support_types: list[str]
    inferred_themes: bool
    inferred_support_types: bool
    title_concepts: frozenset[str] = frozenset()
    #: The groups (``search.matching.audiences``) its title names (who a programme is for) and
    #: those its title and description name (who a need concerns).
    title_audiences: frozenset[str] = frozenset()
    text_audiences: frozenset[str] = frozenset()


def record_codes(
    record: Mapping[str, Any], cfg: MatchConfig, terms: DocTerms | None = None
) -> Codes:
    """A record's codes; a list it leaves empty is suggested from its text
    (``search.matching.suggest``)."""
    themes = clean_codes(record.get("themes"), THEMES)
    support = clean_codes(record.get("support_types"), SUPPORT_TYPES)
    title, description = record.get("title") or "", record.get("description") or ""
    spans = base_thesaurus().spans(WORD_RE.findall(title))
    named = frozenset(cid for _, _, ids in spans for cid in ids)
    heard = audiences_in(title)
    groups = {"title_audiences": heard, "text_audiences": heard | audiences_in(description)}
    if themes and support:
        return Codes(themes, support, False, False, named, **groups)
    guess = suggest_codes(title, description)
    return Codes(
        themes or guess["themes"],
        support or guess["support_types"],
        not themes,
        not support,
        named,
        **groups,
    )


def _codes_block(codes: Sequence[Codes], cfg: MatchConfig, side: str) -> np.ndarray:
    """Theme and support columns; the request side carries weights and coverage shares."""
    total = sum(cfg.weights().values()) or 1.0
    s = cfg.precision_share
    blocks = []
    for attr, table, w in (
        ("themes", THEMES, cfg.weight_themes),
        ("support_types", SUPPORT_TYPES, cfg.weight_support),
    ):
        index = {c: i for i, c in enumerate(table)}
        n = len(table)
        out = np.zeros((len(codes), 2 * n), dtype=np.float32)
        for row, c in enumerate(codes):
            found = getattr(c, attr)
            inferred = getattr(c, "inferred_" + attr)
            value = cfg.inferred_code_weight if inferred else 1.0
            for code in found:
                j = index[code]
                if side == "request":
                    out[row, j] = w / total * (1 - s) * value / len(found)
                    out[row, n + j] = w / total * s * value
                else:
                    out[row, j] = value
                    out[row, n + j] = value / len(found)
        blocks.append(out)
    return np.hstack(blocks)


def offered_languages(programme: Mapping[str, Any]) -> list[str]:
    """Working languages, then languages of interpretation or translated material."""
    own = list(programme.get("languages") or [])
    return own + [c for c in programme.get("interpretation_languages") or [] if c not in own]


def language_columns(n_languages: int) -> slice:
    """Columns of the languages themselves (not the "unstated" flags) in the struct block."""
    seg = segments(n_languages)["language"]
    return slice(seg.start, seg.stop - 2)


def _languages_block(
    records: Sequence[Mapping[str, Any]], languages: Mapping[str, int], cfg: MatchConfig, side: str
) -> np.ndarray:
    total = sum(cfg.weights().values()) or 1.0
    w = cfg.weight_language / total
    out = np.zeros((len(records), len(languages) + 2), dtype=np.float32)
    for row, r in enumerate(records):
        own = list(
            dict.fromkeys(offered_languages(r) if side == "programme" else r.get("languages") or [])
        )
        if side == "request":
            own = own or ([r["text_language"]] if r.get("text_language") else [])
            for code in own:
                if code in languages:
                    out[row, languages[code]] = w / len(own)
            out[row, -2] = 0.5 * w
            out[row, -1] = 0.0 if own else 0.5 * w
        else:
            for code in own:
                if code in languages:
                    out[row, languages[code]] = 1.0
            out[row, -2] = 0.0 if own else 1.0
            out[row, -1] = 1.0 if own else 0.0
    return out


@cache
def groups_of_place(code: str) -> frozenset[str]:
    """The UN regional groups a listed region names: itself for a group, the groups of its
    states for a place of the gazetteer (Eastern Africa, the EAC: Africa), so a programme
    for a sub-region or an organisation counts as aimed at its requesters' region."""
    place = default_gazetteer().get(code)
    if place is None:
        return frozenset({code})
    groups = state_groups()
    return frozenset(groups[s] for s in place.members if s in groups) or frozenset({code})


def struct_features(
    records: Sequence[Mapping[str, Any]],
    codes: Sequence[Codes],
    languages: Mapping[str, int],
    cfg: MatchConfig,
    side: str,
) -> np.ndarray:
    """Dense structured features (columns as in :func:`segments`)."""
    total = sum(cfg.weights().values()) or 1.0
    region = np.zeros((len(records), len(REGIONS)), dtype=np.float32)
    delivery = np.zeros((len(records), 4), dtype=np.float32)
    region_index = {r: i for i, r in enumerate(REGIONS)}
    modes = {m: i for i, m in enumerate(DELIVERY_MODES)}
    for row, r in enumerate(records):
        if side == "request":
            if r.get("region") in region_index:
                region[row, region_index[r["region"]]] = (
                    cfg.weight_region / total * cfg.region_specificity
                )
            pref = r.get("delivery_mode")
            if pref not in PREFERENCES:
                pref = delivery_preference(f"{r.get('title')} {r.get('description')}")
            delivery[row] = DELIVERY_FIT[PREFERENCES.index(pref)] * (cfg.weight_delivery / total)
        else:
            # A programme listing states is open to those only: its regions describe it.
            listed = [] if r.get("eligible_countries") else r.get("eligible_regions") or []
            for name in listed:
                for group in groups_of_place(name):
                    if group in region_index:
                        region[row, region_index[group]] = 1.0
            delivery[row, modes.get(r.get("delivery_mode") or "", 3)] = 1.0
    return np.hstack(
        [
            _codes_block(codes, cfg, side),
            _languages_block(records, languages, cfg, side),
            region,
            delivery,
        ]
    )
