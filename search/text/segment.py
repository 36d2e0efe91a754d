"""Words of a text in any of the six UN languages.

``WORD_RE`` is the word pattern every part of ``search`` splits text with.  It behaves as a
compiled regular expression (``findall``, ``finditer``, ``fullmatch``) for the pattern
``[^\\W_]+`` (Unicode letters and digits), with two additions:

* Arabic (and Latin) combining marks inside a word belong to the word: ``الْأَمْنُ`` is one
  word, not six (the marks are removed later, by folding);
* a run of Chinese (Han) characters, written without spaces, is cut into words by
  ``rjieba`` (the jieba segmenter and dictionary, maintained as jieba-rs), in its precise mode
  without the HMM guesser, so that the same characters are cut the same way in a record and
  in a query: ``网络犯罪培训`` -> ``网络``, ``犯罪``, ``培训``.  A dictionary word of four
  characters or more that jieba's search mode covers exactly with shorter dictionary words is
  cut into them (``网络安全`` -> ``网络``, ``安全``; ``基础设施`` -> ``基础``, ``设施``), so
  that a query for ``安全`` finds ``网络安全`` and the thesaurus sees the same words in both
  (the finest cut without overlaps, as "max word" analysers do).

Texts without Han characters cost one regular-expression pass, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import rjieba

#: Combining marks kept inside a word: Latin diacritics (decomposed text) and the Arabic
#: harakat, Quranic marks and superscript alef.
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
_WORD = re.compile(rf"[^\W_](?:[^\W_]|[{_MARKS}])*")
#: CJK unified ideographs (with extension A and the compatibility block).
_HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN = re.compile(f"[{_HAN_CHARS}]+")


def is_han(text: str) -> bool:
    """True when ``text`` contains a Chinese character."""
    return _HAN.search(text) is not None


#: Words of this many characters or more are cut into shorter dictionary words if possible.
FINE_CUT_CHARS = 4


def _fine(word: str) -> list[tuple[int, int]]:
    """The fewest shorter dictionary words that tile ``word`` exactly, else ``word``."""
    n = len(word)
    spans = {
        (s, e) for _w, s, e in rjieba.tokenize(word, mode="search", hmm=False) if 2 <= e - s < n
    }
    best: list[list[tuple[int, int]] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for s, e in spans:
            if e == end and best[s] is not None:
                cand = [*best[s], (s, e)]  # type: ignore[misc]
                if best[end] is None or len(cand) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = cand
    return best[n] or [(0, n)]


def _segments(token: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of the words of one pattern match that contains Han characters."""
    pos = 0
    for m in _HAN.finditer(token):
        if m.start() > pos:
            yield pos, m.start()
        base = m.start()
        for word, s, e in rjieba.tokenize(m.group(), hmm=False):
            if e - s >= FINE_CUT_CHARS:
                for fs, fe in _fine(word):
                    yield base + s + fs, base + s + fe
            else:
                yield base + s, base + e
        pos = m.end()
    if pos < len(token):
        yield pos, len(token)


@dataclass(frozen=True)
class WordMatch:
    """One word: the subset of ``re.Match`` that callers use."""

    string: str
    begin: int
    finish: int

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish

    def group(self) -> str:
        return self.string[self.begin : self.finish]

    def span(self) -> tuple[int, int]:
        return self.begin, self.finish


class WordPattern:
    """The word pattern (see the module docstring), with the methods of ``re.Pattern``."""

    pattern = _WORD.pattern

    def findall(self, text: str) -> list[str]:
        found = _WORD.findall(text)
        if not _HAN.search(text):
            return found
        out: list[str] = []
        for token in found:
            if _HAN.search(token):
                out.extend(token[s:e] for s, e in _segments(token))
            else:
                out.append(token)
        return out

    def finditer(self, text: str) -> Iterator[WordMatch]:
        han = _HAN.search(text) is not None
        for m in _WORD.finditer(text):
            if han and _HAN.search(m.group()):
                base = m.start()
                for s, e in _segments(m.group()):
                    yield WordMatch(text, base + s, base + e)
            else:
                yield WordMatch(text, m.start(), m.end())

    def fullmatch(self, text: str) -> bool:
        """True when ``text`` is exactly one word."""
        return _WORD.fullmatch(text) is not None and len(self.findall(text)) == 1


WORD_RE = WordPattern()


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` of each word of ``text``, as ``WORD_RE.finditer`` finds them
    (one regular-expression pass when the text has no Chinese)."""
    if _HAN.search(text) is None:
        return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    return [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]
