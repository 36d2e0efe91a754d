"""Folding and word splitting for place names: accents and case folded, punctuation splits.

``Côte d'Ivoire`` (with a straight or a curly apostrophe), ``Cote d'Ivoire`` and
``COTE D IVOIRE`` give the same key ``("cote", "d", "ivoire")``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

WORD_RE = re.compile(r"[^\W_]+")
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


def key(name: str) -> tuple[str, ...]:
    """The folded word sequence a name is looked up by."""
    return tuple(fold(w) for _, _, w in words(name))


def is_short_acronym(name: str) -> bool:
    """``EU``, ``U.S.``, ``EE. UU.``, ``G20``: few letters, all capitals."""
    letters = [c for c in name if c.isalpha()]
    return 0 < len(letters) <= SHORT_ACRONYM and all(c.isupper() for c in letters)
