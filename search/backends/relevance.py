"""How relevant one record is to a syntax tree: one rule for the memory and postgres backends.

Within a coverage level (``search.backends.engine.coverage_score``) records rank by this
relevance: each occurrence of a query term counts, weighted by where it is — ``TITLE`` in
the title, ``NAMES`` in the organisation's or countries' names, ``CODES`` for a theme or
support-type code named by a concept, ``DESC`` in the description.  A phrase counts its
occurrences at consecutive positions; a concept counts its words and the records' concepts
and codes.  Filter terms match without scoring; a negation scores nothing.

The memory backend reads a record's analysed fields (``_Entry``), the postgres backend the
query's entries of the record's ``tsvector`` (``search.backends.postgres.backend``); both
answer through ``Fields``, so the two rank alike.  whoosh ranks by BM25F with the same field
weights.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence, Set
from typing import Protocol

from search.querylang.parser import (
    And,
    Concept,
    Coverage,
    FieldTerm,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
)
from search.text.analysis import fold_token, query_terms, term

#: Weight of an occurrence in each field (whoosh's field boosts are the same).
TITLE = 4.0
NAMES = 2.0
CODES = 2.0
DESC = 1.0

#: The text fields of a record, as ``Fields`` names them.
TEXT = ("title", "desc", "names")


class Fields(Protocol):
    """What the rule reads of one record.  ``field`` is ``"title"``, ``"desc"`` or
    ``"names"``; title and description hold index terms of the record's language ``lang``,
    names hold folded words."""

    lang: str

    def count(self, field: str, term: str) -> int:
        """Occurrences of ``term`` in ``field``."""
        ...

    def phrase(self, field: str, terms: Sequence[str]) -> int:
        """Occurrences of ``terms`` at consecutive positions of ``field``."""
        ...

    def prefixed(self, field: str, prefix: str) -> int:
        """Occurrences of terms of ``field`` that start with ``prefix``."""
        ...

    def concepts(self, where: str) -> Set[str]:
        """Thesaurus concepts of the ``"title"`` or the ``"desc"``, or the theme and
        support-type ``"codes"``."""
        ...

    def has(self, field: str, value: str) -> bool:
        """True when the record has ``value`` in filter field ``field``."""
        ...


def relevance(node: Node, doc: Fields) -> float | None:
    """The relevance of ``doc`` for ``node``; None when it does not match.  (A ``Coverage``
    node is the backends' own: it needs the boosts and demotions, counted apart.)"""
    if isinstance(node, Word):
        qt = _query_terms(node.text)
        t = qt.get(doc.lang)
        s = TITLE * doc.count("title", t) + DESC * doc.count("desc", t) if t else 0.0
        name = qt.get("xx")
        if name:
            s += NAMES * doc.count("names", name)
        return s or None
    if isinstance(node, Phrase):
        terms = [t for w in node.words if (t := term(w, doc.lang))]
        s = (
            (TITLE * doc.phrase("title", terms) + DESC * doc.phrase("desc", terms))
            if terms
            else 0.0
        )
        s += NAMES * doc.phrase("names", [fold_token(w) for w in node.words])
        return s or None
    if isinstance(node, Prefix):
        s = TITLE * doc.prefixed("title", node.text) + DESC * doc.prefixed("desc", node.text)
        s += NAMES * doc.prefixed("names", node.text)
        return s or None
    if isinstance(node, FieldTerm):
        return 0.0 if doc.has(node.field, node.value) else None
    if isinstance(node, Concept):
        inner = relevance(node.inner, doc) or 0.0
        s = inner + TITLE * len(node.ids & doc.concepts("title"))
        s += DESC * len(node.ids & doc.concepts("desc"))
        s += CODES * len(node.ids & doc.concepts("codes"))
        return s or None
    if isinstance(node, Not):
        return None if relevance(node.item, doc) is not None else 0.0
    if isinstance(node, Coverage):
        raise TypeError("a Coverage node is scored by the backend (coverage_score)")
    scores = [relevance(n, doc) for n in node.items]
    if isinstance(node, And):
        return None if None in scores else sum(s or 0.0 for s in scores)
    assert isinstance(node, Or)
    present = [s for s in scores if s is not None]
    return sum(present) if present else None


#: A query word's terms (the same for every record ranked).
_query_terms = functools.lru_cache(maxsize=4096)(query_terms)


def coverage_relevance(node: Coverage, doc: Fields) -> tuple[float, list[int]] | None:
    """The relevance of ``doc`` for a ``Coverage`` node — the sum over its required nodes
    and the optional ones it matches — and the indexes of those optional nodes; None
    unless every required node matches."""
    total = 0.0
    for n in node.required:
        s = relevance(n, doc)
        if s is None:
            return None
        total += s
    matched = []
    for i, n in enumerate(node.optional):
        s = relevance(n, doc)
        if s is not None:
            matched.append(i)
            total += s
    return total, matched


def phrase_count(tokens: Sequence[str], terms: Sequence[str]) -> int:
    """Occurrences of ``terms`` as a run of ``tokens``."""
    if not terms:
        return 0
    n = len(terms)
    first = terms[0]
    return sum(
        1
        for i in range(len(tokens) - n + 1)
        if tokens[i] == first and list(tokens[i : i + n]) == list(terms)
    )
