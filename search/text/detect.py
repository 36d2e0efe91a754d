"""Which of the six UN languages a text is written in.

Two steps, cheapest first:

1. **Script.**  Arabic, Cyrillic and Han letters each belong to one of the six languages
   (ar, ru, zh): when they are the majority of a text's letters the script decides, even for
   one word (``网络犯罪``, ``киберпреступность``).  Latin letters leave en / fr / es open.
2. **lingua** (lingua-language-detector, n-gram models, built for short and mixed texts),
   restricted to the six languages, decides between the Latin-script ones.  It answers only
   when the text has at least ``MIN_LETTERS`` letters and lingua's confidence in its best
   language is at least ``MIN_CONFIDENCE``; otherwise the answer is None and the caller keeps
   what it had (the language the author declared, or English).  Acronyms and one-word
   queries ("CSIRT", "formation") are too short to call.

The lingua models of a language are loaded on first use (about 1 s and 100 MB for the
three Latin-script languages), once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

#: The six UN languages, as ISO 639-1 codes.
UN_LANGUAGES: tuple[str, ...] = ("ar", "en", "es", "fr", "ru", "zh")
#: Languages told apart by their script alone.
SCRIPT_LANGUAGES: tuple[str, ...] = ("ar", "ru", "zh")
#: Fewer letters than this (in Latin script) are not given to lingua.
MIN_LETTERS = 12
#: lingua's confidence in its best language needed to answer.
MIN_CONFIDENCE = 0.6
#: Characters of a text given to lingua, and counted for the script (the start is enough).
SAMPLE_CHARS = 2000
SCRIPT_SAMPLE_CHARS = 500

_LINGUA: dict[Language, str] = {
    Language.ARABIC: "ar",
    Language.ENGLISH: "en",
    Language.SPANISH: "es",
    Language.FRENCH: "fr",
    Language.RUSSIAN: "ru",
    Language.CHINESE: "zh",
}


#: Code point ranges of the letters of each script (Latin: basic, Latin-1, extended A/B
#: and additional; the others: their main blocks).
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x41, 0x24F, "latin"),
    (0x400, 0x52F, "ru"),
    (0x620, 0x6FF, "ar"),
    (0x750, 0x77F, "ar"),
    (0x1E00, 0x1EFF, "latin"),
    (0x3400, 0x9FFF, "zh"),
    (0xF900, 0xFAFF, "zh"),
)


#: Any letter of the three scripts that decide a language by themselves.
_DECIDING = re.compile("[\u0400-\u052f\u0620-\u06ff\u0750-\u077f\u3400-\u9fff\uf900-\ufaff]")


def script_counts(text: str) -> dict[str, int]:
    """Letters of ``text`` (its first ``SCRIPT_SAMPLE_CHARS`` characters) per script."""
    sample = text[:SCRIPT_SAMPLE_CHARS]
    if sample.isascii():
        return {"latin": sum(c.isalpha() for c in sample)}
    counts: dict[str, int] = {}
    for c in sample:
        if not c.isalpha():
            continue
        code = ord(c)
        for low, high, name in _RANGES:
            if low <= code <= high:
                counts[name] = counts.get(name, 0) + 1
                break
    return counts


def script_language(text: str) -> str | None:
    """``ar``, ``ru`` or ``zh`` when that script has most of the letters of ``text``."""
    if _DECIDING.search(text, 0, SCRIPT_SAMPLE_CHARS) is None:
        return None
    counts = script_counts(text)
    total = sum(counts.values())
    if not total:
        return None
    best = max(counts, key=lambda s: counts[s])
    if best in SCRIPT_LANGUAGES and counts[best] * 2 > total:
        return best
    return None


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    """The lingua detector for the six languages (models loaded lazily)."""
    return LanguageDetectorBuilder.from_languages(*_LINGUA).build()


def detect_language(text: str) -> str | None:
    """The UN language ``text`` is written in, or None when it cannot tell (see module)."""
    text = (text or "").strip()
    by_script = script_language(text)
    if by_script is not None:
        return by_script
    sample = text[:SAMPLE_CHARS]
    if script_counts(sample).get("latin", 0) < MIN_LETTERS:
        return None
    values = detector().compute_language_confidence_values(sample)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return _LINGUA[values[0].language]


def analysis_language(declared: str | None, text: str) -> str:
    """The language to analyse a record's text in: the one its author declared, unless the
    text's script says otherwise.

    A record declared English (the form's default) but written in Arabic is analysed as
    Arabic; one declared Chinese but written in Latin letters is analysed in the language
    lingua finds (English when it cannot tell).  A declared language that agrees with the
    script is never second-guessed: telling French from Spanish is left to the author.  A
    declared language outside the six (``pt``) is kept too.
    """
    declared = (declared or "").strip().lower()
    code = declared[:2]
    by_script = script_language(text)
    if by_script is not None:
        return by_script
    if code in SCRIPT_LANGUAGES or not code:
        counts = script_counts(text)
        if counts.get("latin", 0) * 2 > sum(counts.values()):
            return detect_language(text) or "en"
    return declared or "en"


def record_language(declared: str | None, title: str, description: str = "") -> str:
    """The language of a record's text: the one its author declared, else the one its
    title and description are written in (English when lingua cannot tell).

    Forms, the API and imports let authors leave the language out: a need posted in French
    without saying so is then stemmed, searched and matched as French, not as English.
    """
    code = (declared or "").strip().lower()
    if code:
        return code
    return detect_language(f"{title}\n{description}") or "en"
