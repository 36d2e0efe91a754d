"""The search flow shared by all backends: parse, expand, run, correct, snippet.

A backend supplies a ``Session`` (one per search, bound to the viewer's access tokens and
the query's filters) that can run a syntax tree and look up the *visible* vocabulary.
Everything a session reports is computed from visible documents only, so totals,
facets, suggestions and snippets cannot leak invisible records.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from search.interface.query import SearchQuery, normalise_filters
from search.interface.results import Hit, SearchResult
from search.querylang.parser import Node, Word, parse
from search.querylang.rewrite import add_concepts, drop_stopwords, positive_terms, replace_words
from search.text.analysis import fold_token
from search.text.highlight import Marker
from search.text.thesaurus import Thesaurus, default_thesaurus, key

#: Offer "did you mean" when fewer visible hits than this.
SUGGEST_BELOW = 3
#: Alternatives per misspelt word in the fuzzy fallback.
FUZZY_ALTERNATIVES = 3


@dataclass
class Run:
    """Outcome of running one syntax tree: exact total, the page's refs, facet counts."""

    total: int
    ranked: list[tuple[Any, float]]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class Session(ABC):
    """Backend-specific search context for one viewer and one set of filters."""

    @abstractmethod
    def run(self, node: Node | None, q: SearchQuery, facets: bool) -> Run:
        """Evaluate ``node`` (None = everything) and return the page asked for in ``q``."""

    @abstractmethod
    def knows(self, word: str) -> bool:
        """True if ``word`` occurs in at least one visible document."""

    @abstractmethod
    def similar(self, word: str) -> list[str]:
        """Visible words close to ``word`` (edit distance), best first."""

    @abstractmethod
    def hit(self, ref: Any, score: float, marker: Marker | None) -> Hit:
        """Build the ``Hit`` for a ranked ref, with a snippet when ``marker`` is given."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release per-search resources."""


def max_distance(word: str) -> int:
    """Edit distance allowed when correcting ``word``."""
    return 1 if len(word) <= 5 else 2


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two (short) words."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


class Engine(ABC):
    """Implements ``search()`` on top of ``Session``; subclasses implement ``session()``."""

    def __init__(self, thesaurus: Thesaurus | None = None) -> None:
        self.thesaurus = thesaurus or default_thesaurus()

    @abstractmethod
    def session(
        self, viewer_tokens: frozenset[str], filters: dict[str, tuple[str, ...]]
    ) -> Session:
        """Open a session for one search."""

    def search(self, q: SearchQuery) -> SearchResult:
        """Run ``q``; user text never makes this raise."""
        q = q.normalised()
        parsed = parse(q.text)
        node = drop_stopwords(add_concepts(parsed.node, self.thesaurus))
        messages = list(parsed.messages)
        session = self.session(q.viewer_tokens, normalise_filters(q.filters))
        try:
            run = session.run(node, q, q.facets)
            suggestion, fuzzy = None, False
            words = _plain_words(node)
            if run.total < SUGGEST_BELOW and words:
                alternatives = {
                    key(w): alts
                    for w in dict.fromkeys(words)
                    if not session.knows(w) and (alts := session.similar(w))
                }
                if alternatives:
                    suggestion, corrected = self._suggestion(q, session, alternatives)
                    if run.total == 0:
                        # Prefer the corrected query (its words form thesaurus concepts
                        # again: "critcal infrastucture"); else OR the close words.
                        fuzzy_map = {k: v[:FUZZY_ALTERNATIVES] for k, v in alternatives.items()}
                        fuzzy_node = corrected or drop_stopwords(
                            add_concepts(replace_words(node, fuzzy_map), self.thesaurus)
                        )
                        fuzzy_run = session.run(fuzzy_node, q, q.facets)
                        if fuzzy_run.total:
                            run, node, fuzzy = fuzzy_run, fuzzy_node, True
                            messages.append("No exact matches; showing results for similar words.")
            marker = None
            if q.snippets:
                words_, prefixes, concepts = positive_terms(node)
                marker = Marker(words_, prefixes, concepts, self.thesaurus)
            hits = [session.hit(ref, score, marker) for ref, score in run.ranked]
        finally:
            session.close()
        return SearchResult(
            total=run.total,
            hits=hits,
            facets=run.facets,
            suggestion=suggestion,
            fuzzy=fuzzy,
            message=" ".join(messages) or None,
            page=q.page,
            per_page=q.per_page,
        )

    def _suggestion(
        self, q: SearchQuery, session: Session, alternatives: dict[str, list[str]]
    ) -> tuple[str | None, Node | None]:
        """The query text with each unknown word replaced by its best alternative, and
        its syntax tree, when that query finds something; else ``(None, None)``."""
        text = q.text

        def swap(m: re.Match[str]) -> str:
            alts = alternatives.get(key(m.group()))
            return alts[0] if alts else m.group()

        corrected = re.sub(r"[^\W_]+", swap, text)
        if fold_token(corrected) == fold_token(text):
            return None, None
        probe = SearchQuery(text=corrected, page=1, per_page=1, facets=False, snippets=False)
        node = drop_stopwords(add_concepts(parse(corrected).node, self.thesaurus))
        if node is None or not session.run(node, probe, False).total:
            return None, None
        return corrected, node


def _plain_words(node: Node | None) -> list[str]:
    """Positive single words worth spell-checking (not phrases, prefixes or numbers)."""
    words, _, _ = positive_terms(node)
    phrase_words = set()
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if isinstance(n, Word):
            continue
        for attr in ("items", "inner"):
            child = getattr(n, attr, None)
            if isinstance(child, tuple):
                stack.extend(child)
            elif child is not None:
                stack.append(child)
        if hasattr(n, "words"):
            phrase_words.update(n.words)
    return [w for w in words if w.isalpha() and len(w) >= 3 and w not in phrase_words]
