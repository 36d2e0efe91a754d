"""Snippets: choose the best window of a text and mark query matches, HTML-safe."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from search.text.analysis import fold_token, language_key, query_terms, term, tokens
from search.text.thesaurus import Thesaurus

SNIPPET_TOKENS = 32


@dataclass
class Marker:
    """What to mark: query words (matched per language), prefixes and concepts."""

    words: Iterable[str] = ()
    prefixes: Iterable[str] = ()
    concepts: Iterable[str] = ()
    thesaurus: Thesaurus | None = None
    _terms: dict[str, set[str]] = field(init=False, default_factory=dict)
    #: Per language key, whether each word seen so far is marked (a page's snippets
    #: share most of their words).
    _marked: dict[str, dict[str, bool]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.prefixes = tuple(self.prefixes)
        self.concepts = frozenset(self.concepts)
        for w in self.words:
            for lang, t in query_terms(w).items():
                self._terms.setdefault(lang, set()).add(t)

    def __bool__(self) -> bool:
        return bool(self._terms or self.prefixes or self.concepts)

    def spans(
        self, text: str, lang: str, toks: list[tuple[int, int, str]] | None = None
    ) -> list[tuple[int, int]]:
        """Character spans to mark in ``text`` written in language ``lang`` (``toks``: the
        words of ``text`` when the caller has them already)."""
        lk = language_key(lang)
        if toks is None:
            toks = tokens(text)
        marked = self._marked.setdefault(lk, {})
        out: list[tuple[int, int]] = []
        for start, end, raw in toks:
            hit = marked.get(raw)
            if hit is None:
                hit = marked[raw] = self._marks(raw, lk)
            if hit:
                out.append((start, end))
        if self.concepts and self.thesaurus is not None:
            out.extend(self.thesaurus.char_spans(text, self.concepts, toks))  # type: ignore[arg-type]
        return _merge(out)

    def _marks(self, raw: str, lk: str) -> bool:
        """True when the word ``raw`` of a text in language key ``lk`` is marked."""
        t = term(raw, lk)
        return bool(t and t in self._terms.get(lk, ())) or bool(
            self.prefixes and fold_token(raw).startswith(self.prefixes)  # type: ignore[arg-type]
        )


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def snippet(text: str, lang: str, marker: Marker, size: int = SNIPPET_TOKENS) -> str | None:
    """An escaped fragment of ``text`` around the densest matches; None if nothing matches."""
    if not text or not marker:
        return None
    words = tokens(text)
    spans = marker.spans(text, lang, words)
    if not spans:
        return None
    toks = [(s, e) for s, e, _ in words]
    # Windows start a few tokens before each match; keep the one holding most matches.
    tok_starts = [s for s, _ in toks]
    starts = [s for s, _ in spans]
    best_i, best_count = 0, -1
    for k, span_start in enumerate(starts):
        i = max(0, bisect_right(tok_starts, span_start) - 1 - 3)
        end_char = toks[min(i + size, len(toks)) - 1][1]
        count = bisect_left(starts, end_char) - k
        if count > best_count:
            best_i, best_count = i, count
    lo = 0 if best_i <= 6 else toks[best_i][0]  # near the start: show from the start
    hi_tok = min(best_i + size, len(toks)) - 1
    hi = len(text) if hi_tok == len(toks) - 1 else toks[hi_tok][1]
    parts: list[str] = ["…"] if lo > 0 else []
    pos = lo
    for s, e in spans:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        parts.append(escape(text[pos:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:hi]))
    if hi < len(text):
        parts.append("…")
    return "".join(parts).strip()


def best_snippet(title: str, description: str, lang: str, marker: Marker) -> str | None:
    """Snippet from the description, else from the title, else the description's start."""
    found = snippet(description, lang, marker) or snippet(title, lang, marker)
    if found:
        return found
    if not description:
        return None
    words = tokens(description)
    cut = words[SNIPPET_TOKENS - 1][1] if len(words) > SNIPPET_TOKENS else len(description)
    return escape(description[:cut]) + ("…" if cut < len(description) else "")
