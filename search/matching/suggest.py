"""Themes and support types suggested for a need written in prose (the six UN languages).

Two sources of evidence, both matched on folded, accent-free keys
(``search.text.thesaurus.keys``), title words counting ``TITLE_BOOST`` times:

* the concepts of the shared thesaurus (``search/data/thesaurus.json``) and the codes
  they stand for;
* suggestion cues (``search/data/suggestion_cues.json``): phrases that say what kind of
  support is wanted ("asesoría", "study visit", "bourses") or which subject a need is
  about ("SCADA", "fichier électoral", "mujeres"), each with a weight.

A code is a candidate when its score reaches ``MIN_SCORE`` and ``MIN_SHARE`` of the best
code of its list, at most ``LIMIT`` per list, most likely first; a candidate is then
suggested unless a small model learnt from labelled records outside the judged set
(``search.matching.suggest_model``: the seed programmes and the unjudged seed requests)
gives it a probability under ``MIN_PROBABILITY`` (the best candidate of a list is kept when
the model would drop them all). A code the share leaves out but the text names
(``MIN_SCORE``) is added when the model gives it at least ``ADD_PROBABILITY``. The
thresholds were chosen on the "fit" part of the judged set only
(``search.matching.judgements.part_of``; the largest smaller margin over the targets of
issue 11, ``python -m search.evaluate --calibrate``); ``python -m search.evaluate``
reports precision and recall on the "report" part.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from search.text.analysis import WORD_RE
from search.text.thesaurus import Concept, Thesaurus, base_thesaurus

CUES_FILE = Path(__file__).resolve().parents[1] / "data" / "suggestion_cues.json"
#: The same cues in Arabic, Chinese and Russian (same ids).
MORE_CUES_FILE = CUES_FILE.with_name("suggestion_cues_ar_ru_zh.json")
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")
TITLE_BOOST = 2
LIMIT = 3
#: Per list: (minimum score, minimum share of the best code's score).
MIN_SCORE = {"themes": 1.0, "support_types": 1.0}
MIN_SHARE = {"themes": 0.4, "support_types": 0.3}
#: Per list: least probability of a candidate under ``suggest_model`` (chosen on "fit").
MIN_PROBABILITY = {"themes": 0.2, "support_types": 0.2}
#: Per list: a code under ``MIN_SHARE`` of the best one (a second theme the text names
#: once, "mujeres" in an awareness campaign) is added when its score reaches ``MIN_SCORE``
#: and the model gives it at least this probability (chosen on "fit"; 1.0: never).
ADD_PROBABILITY = {"themes": 0.6, "support_types": 1.0}


@lru_cache(maxsize=1)
def _cues() -> tuple[Thesaurus, dict[str, float]]:
    data = json.loads(CUES_FILE.read_text(encoding="utf-8"))["cues"]
    more = json.loads(MORE_CUES_FILE.read_text(encoding="utf-8"))["cues"]
    concepts = [
        Concept(
            id=cid,
            terms={
                lang: list(v.get(lang) or more.get(cid, {})[lang])
                for lang in LANGUAGES
                if v.get(lang) or more.get(cid, {}).get(lang)
            },
            themes=list(v.get("themes", [])),
            support_types=list(v.get("support_types", [])),
        )
        for cid, v in data.items()
    ]
    return Thesaurus(concepts), {cid: float(v.get("weight", 1.0)) for cid, v in data.items()}


def _hits(thesaurus: Thesaurus, title: str, description: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for text, weight in ((title, TITLE_BOOST), (description, 1)):
        for _, _, ids in thesaurus.spans(WORD_RE.findall(text or "")):
            for cid in ids:
                found[cid] += weight
    return found


def code_scores(title: str, description: str) -> dict[str, Counter[str]]:
    """Evidence for every theme and support-type code found in the text."""
    scores: dict[str, Counter[str]] = {"themes": Counter(), "support_types": Counter()}
    shared = base_thesaurus()
    cues, weights = _cues()
    for source, hits, weight_of in (
        (shared, _hits(shared, title, description), lambda _cid: 1.0),
        (cues, _hits(cues, title, description), lambda cid: weights[cid]),
    ):
        for cid, n in hits.items():
            concept = source.concepts[cid]
            for code in concept.themes:
                scores["themes"][code] += n * weight_of(cid)
            for code in concept.support_types:
                scores["support_types"][code] += n * weight_of(cid)
    return scores


def pick(scores: Mapping[str, float], field: str, limit: int = LIMIT) -> list[str]:
    """The codes of one list that clear both thresholds, most likely first."""
    if not scores:
        return []
    floor = max(MIN_SCORE[field], MIN_SHARE[field] * max(scores.values()))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [code for code, s in ranked[:limit] if s >= floor]


def suggest_codes(
    title: str,
    description: str,
    language: str = "en",
    min_probability: Mapping[str, float] | None = None,
    add_probability: Mapping[str, float] | None = None,
) -> dict[str, list[str]]:
    """``{"themes": [...], "support_types": [...]}`` for a need written in prose, most
    likely first (``language`` is accepted for callers: the evidence reads the six UN
    languages). ``min_probability`` and ``add_probability`` override ``MIN_PROBABILITY``
    and ``ADD_PROBABILITY`` (for calibration)."""
    from search.matching.suggest_model import probabilities

    floors = MIN_PROBABILITY if min_probability is None else min_probability
    adds = ADD_PROBABILITY if add_probability is None else add_probability
    scores = code_scores(title, description)
    likely = probabilities(scores)
    out: dict[str, list[str]] = {}
    for field in ("themes", "support_types"):
        candidates = pick(scores[field], field)
        model = likely.get(field, {})
        kept = [c for c in candidates if model.get(c, 1.0) >= floors[field]] or candidates[:1]
        more = [
            code
            for code, score in sorted(scores[field].items(), key=lambda kv: (-kv[1], kv[0]))
            if code not in kept
            and score >= MIN_SCORE[field]
            and model.get(code, 0.0) >= adds[field]
        ]
        out[field] = (kept + more)[:LIMIT]
    return out
