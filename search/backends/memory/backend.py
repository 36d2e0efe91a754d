"""A small pure-Python backend for tests and tiny deployments.

Same contract as the whoosh backend (access tokens, filters, facets, thesaurus, snippets,
suggestions) with simple scoring: a matched term weighs 4 in the title, 2 in names or
codes, 1 in the description.  Linear scans: fine for a few thousand documents.
"""

from __future__ import annotations

import difflib
import threading
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from typing import Any

from search.backends.engine import (
    Engine,
    Run,
    Session,
    coverage_score,
    edit_distance,
    max_distance,
)
from search.backends.relevance import coverage_relevance, phrase_count, relevance
from search.interface.backend import ProgressCallback
from search.interface.documents import Record, validate
from search.interface.query import FILTER_FIELDS, SearchQuery, split_place
from search.interface.results import Hit
from search.querylang.parser import (
    Coverage,
    Node,
)
from search.text.analysis import fold_token, language_key, spell_words, term
from search.text.analysis import words as folded_words
from search.text.highlight import Marker, best_snippet
from search.text.thesaurus import Thesaurus


@dataclass
class _Entry:
    record: Record
    lang: str
    title: list[str]
    desc: list[str]
    names: list[str]
    tconcepts: frozenset[str]
    dconcepts: frozenset[str]
    spell: frozenset[str]

    # -- ``search.backends.relevance.Fields`` ---------------------------------------
    def _field(self, field: str) -> list[str]:
        return self.title if field == "title" else self.desc if field == "desc" else self.names

    def count(self, field: str, term: str) -> int:
        return self._field(field).count(term)

    def phrase(self, field: str, terms: Sequence[str]) -> int:
        return phrase_count(self._field(field), terms)

    def prefixed(self, field: str, prefix: str) -> int:
        return sum(t.startswith(prefix) for t in self._field(field))

    def concepts(self, where: str) -> Set[str]:
        if where == "title":
            return self.tconcepts
        if where == "desc":
            return self.dconcepts
        return {*self.record.themes, *self.record.support_types}

    def has(self, field: str, value: str) -> bool:
        return value in self.record.tags(field)


class MemoryBackend(Engine):
    """In-memory backend (``get_backend("memory")``)."""

    schema_version = 1

    def __init__(self, thesaurus: Thesaurus | None = None, **_options: Any) -> None:
        super().__init__(thesaurus)
        self._docs: dict[str, _Entry] = {}
        self._lock = threading.RLock()

    def _entry(self, doc: dict[str, Any]) -> _Entry:
        rec = validate(doc)
        lang = language_key(rec.text_language)
        return _Entry(
            record=rec,
            lang=lang,
            title=[t for w in _raw(rec.title) if (t := term(w, lang))],
            desc=[t for w in _raw(rec.description) if (t := term(w, lang))],
            names=folded_words(" ".join((rec.organisation_name, *rec.country_names))),
            tconcepts=frozenset(self.thesaurus.concepts_in(rec.title)),
            dconcepts=frozenset(self.thesaurus.concepts_in(rec.description)),
            spell=frozenset(spell_words(f"{rec.title} {rec.description}")),
        )

    def upsert(self, docs: Iterable[dict[str, Any]]) -> None:
        entries = [self._entry(d) for d in docs]
        with self._lock:
            for e in entries:
                self._docs[e.record.id] = e

    def delete(self, ids: Iterable[str]) -> None:
        with self._lock:
            for i in ids:
                self._docs.pop(i, None)

    def rebuild(
        self, docs: Iterable[dict[str, Any]], progress: ProgressCallback | None = None
    ) -> int:
        fresh: dict[str, _Entry] = {}
        for n, d in enumerate(docs, 1):
            e = self._entry(d)
            fresh[e.record.id] = e
            if progress and n % 1000 == 0:
                progress(n)
        with self._lock:
            self._docs = fresh
        if progress:
            progress(len(fresh))
        return len(fresh)

    def ids(self) -> set[str]:
        return set(self._docs)

    def count(self) -> int:
        return len(self._docs)

    def needs_rebuild(self) -> bool:
        return False

    def can_search(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def session(
        self, viewer_tokens: frozenset[str], filters: dict[str, tuple[str, ...]]
    ) -> Session:
        filters, scope = split_place(filters)
        with self._lock:
            docs = [
                e
                for e in self._docs.values()
                if viewer_tokens.intersection(e.record.access)
                and all(set(e.record.tags(f)) & set(v) for f, v in filters.items())
                and (
                    scope is None
                    or scope.admits(e.record.countries, e.record.regions, e.record.provider_country)
                )
            ]
        return _MemorySession(self, docs)


def _raw(text: str) -> list[str]:
    from search.text.analysis import WORD_RE

    return WORD_RE.findall(text)


class _MemorySession(Session):
    def __init__(self, backend: MemoryBackend, docs: list[_Entry]) -> None:
        self.backend = backend
        self.docs = docs
        self._vocab: dict[str, int] | None = None

    def _score(self, node: Node | None, e: _Entry) -> float | None:
        """Score of ``e`` for ``node``; None when it does not match."""
        if node is None:
            return 0.0
        if isinstance(node, Coverage):
            return self._coverage_score(node, e)
        return relevance(node, e)

    def _coverage_score(self, node: Coverage, e: _Entry) -> float | None:
        found = coverage_relevance(node, e)
        if found is None:
            return None
        score, matched = found
        if len(matched) < node.minimum:
            return None
        weight = sum(node.weight(i) for i in matched)
        boosts = sum(relevance(n, e) is not None for n in node.boosts)
        demoted = any(relevance(n, e) is not None for n in node.demote)
        return coverage_score(weight, boosts, score, demoted)

    def coverage(
        self, required: Node | None, optional: tuple[Node, ...]
    ) -> tuple[list[int], list[int]]:
        counts = [0] * len(optional)
        hist = [0] * (len(optional) + 1)
        for e in self.docs:
            if required is not None and self._score(required, e) is None:
                continue
            c = 0
            for i, n in enumerate(optional):
                if self._score(n, e) is not None:
                    counts[i] += 1
                    c += 1
            if c:
                hist[c] += 1
        return counts, hist

    def run(self, node: Node | None, q: SearchQuery, facets: bool) -> Run:
        matched = [(e, s) for e in self.docs if (s := self._score(node, e)) is not None]
        if q.sort == "relevance" and node is not None and node != Coverage((), (), 0, ()):
            matched.sort(key=lambda p: (-p[1], -p[0].record.created_at, p[0].record.id))
        else:
            attr = "updated_at" if q.sort == "updated" else "created_at"
            matched.sort(key=lambda p: (-getattr(p[0].record, attr), p[0].record.id))
        start = (q.page - 1) * q.per_page
        page = [(e, s) for e, s in matched[start : start + q.per_page]]
        counts: dict[str, list[tuple[str, int]]] = {}
        if facets:
            for f in FILTER_FIELDS:
                c = Counter(v for e, _ in matched for v in e.record.tags(f))
                counts[f] = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
        return Run(len(matched), page, counts)

    def _vocabulary(self) -> dict[str, int]:
        if self._vocab is None:
            self._vocab = dict(Counter(w for e in self.docs for w in e.spell))
        return self._vocab

    def knows(self, word: str) -> bool:
        return fold_token(word) in self._vocabulary()

    def similar(self, word: str) -> list[str]:
        w = fold_token(word)
        vocab = self._vocabulary()
        close = difflib.get_close_matches(w, list(vocab), n=10, cutoff=0.7)
        close = [c for c in close if edit_distance(w, c) <= max_distance(w)]
        return sorted(close, key=lambda c: (edit_distance(w, c), -vocab[c], c))

    def hit(self, ref: Any, score: float, marker: Marker | None) -> Hit:
        rec: Record = ref.record
        snip = (
            best_snippet(rec.title, rec.description, rec.text_language, marker) if marker else None
        )
        return Hit(id=rec.id, kind=rec.kind, score=float(score), title=rec.title, snippet=snip)
