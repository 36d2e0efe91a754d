"""Folding and word splitting for place names: accents and case folded, punctuation splits.

``Côte d'Ivoire`` (with a straight or a curly apostrophe), ``Cote d'Ivoire`` and
``COTE D IVOIRE`` give the same key ``("cote", "d", "ivoire")``.  Words are split as search
splits them (Chinese cut into words by jieba), Russian words are keyed by their Snowball stem,
so that a declined name finds the place (``Центральной Азии``), Arabic words without their
article (``match_fold``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from search.text.analysis import stem
from search.text.segment import WORD_RE

#: The Arabic article, alone or after a conjunction or preposition.
_AR_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
#: Shorter Russian words are not stemmed ("Мали" the state, not the stem of "малые").
RU_STEM_MIN = 5
#: Acronyms of this many letters or fewer only match as written ("EU", not "eu").
SHORT_ACRONYM = 4


def fold(word: str) -> str:
    """Lowercase, without accents (``Côte`` -> ``cote``, ``Straße`` -> ``strasse``)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, word)`` of each word of ``text``."""
    for m in WORD_RE.finditer(text):
        yield m.start(), m.end(), m.group()


def match_fold(word: str, in_phrase: bool = False) -> str:
    """A word as names are looked up by: folded; Russian words by their Snowball stem (names
    are declined: ``Центральной Азии``) when they belong to a name of several words or have
    ``RU_STEM_MIN`` letters or more (a one-word name such as ``Мали`` is matched as written,
    not by the stem of ``малые``); Arabic words without their article (``للدول العربية``:
    ``دول عربية``; no stemmer, which would make ``البنية`` of ``بنين``)."""
    first = word[:1]
    if "\u0400" <= first <= "\u052f" and (in_phrase or len(word) >= RU_STEM_MIN):
        return stem(word, "ru")
    folded = fold(word)
    if "\u0600" <= first <= "\u06ff":
        for article in _AR_ARTICLES:
            if folded.startswith(article) and len(folded) - len(article) >= 2:
                return folded[len(article) :]
    return folded


def key(name: str) -> tuple[str, ...]:
    """The folded word sequence a name is looked up by."""
    found = [w for _, _, w in words(name)]
    return tuple(match_fold(w, len(found) > 1) for w in found)


def is_short_acronym(name: str) -> bool:
    """``EU``, ``U.S.``, ``EE. UU.``, ``G20``: few letters, all capitals."""
    letters = [c for c in name if c.isalpha()]
    return 0 < len(letters) <= SHORT_ACRONYM and all(c.isupper() for c in letters)
