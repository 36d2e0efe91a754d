"""Rewrites of the syntax tree: thesaurus concepts, fuzzy alternatives, positive terms."""

from __future__ import annotations

from search.querylang.parser import (
    And,
    Concept,
    Coverage,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Word,
    and_of,
)
from search.text.analysis import ALL_STOPWORDS, fold_token
from search.text.thesaurus import Thesaurus, key


def add_concepts(node: Node | None, thesaurus: Thesaurus) -> Node | None:
    """Wrap words, runs of words and compounds typed without quotes that name thesaurus
    concepts in ``Concept``.  A quoted phrase means exactly its words: never a concept."""
    if node is None:
        return None
    if isinstance(node, Phrase) and not node.loose:
        return node
    if isinstance(node, Word | Phrase):
        words = (node.text,) if isinstance(node, Word) else node.words
        ids = thesaurus.lookup(words)
        return Concept(ids, node) if ids else node
    if isinstance(node, Not):
        return Not(add_concepts(node.item, thesaurus) or node.item)
    if isinstance(node, Or):
        return Or(tuple(add_concepts(n, thesaurus) or n for n in node.items))
    if isinstance(node, And):
        return and_of(_concepts_in_run(list(node.items), thesaurus))
    return node


def _concepts_in_run(items: list[Node], thesaurus: Thesaurus) -> list[Node]:
    out: list[Node] = []
    i = 0
    while i < len(items):
        if isinstance(items[i], Word):
            j = i
            while j < len(items) and isinstance(items[j], Word):
                j += 1
            run = [w.text for w in items[i:j]]  # type: ignore[union-attr]
            pos = 0
            for s, e, ids in thesaurus.spans(run):
                out.extend(Word(w) for w in run[pos:s])
                inner = Word(run[s]) if e - s == 1 else And(tuple(Word(w) for w in run[s:e]))
                out.append(Concept(ids, inner))
                pos = e
            out.extend(Word(w) for w in run[pos:])
            i = j
        else:
            out.append(add_concepts(items[i], thesaurus) or items[i])
            i += 1
    return out


def _is_stopword(node: Node) -> bool:
    return isinstance(node, Word) and fold_token(node.text) in ALL_STOPWORDS


def drop_stopwords(node: Node | None) -> Node | None:
    """Drop stop words (of any analysed language) from AND-ed runs of words.

    Index fields hold no stop words, so ``des`` in ``formation des magistrats`` could
    never match a French record (nor ``for`` in ``training for judges`` a record in
    another language).  A run made only of stop words is kept as it is."""
    if node is None:
        return None
    if isinstance(node, And):
        items = [drop_stopwords(n) or n for n in node.items]
        kept = [n for n in items if not _is_stopword(n)]
        return and_of(kept or items)
    if isinstance(node, Or):
        return Or(tuple(drop_stopwords(n) or n for n in node.items))
    if isinstance(node, Not):
        return Not(drop_stopwords(node.item) or node.item)
    if isinstance(node, Concept):
        return Concept(node.ids, drop_stopwords(node.inner) or node.inner)
    return node


def positive_terms(node: Node | None) -> tuple[list[str], list[str], set[str]]:
    """Words (incl. phrase words), prefixes and concept ids not under a NOT."""
    words: list[str] = []
    prefixes: list[str] = []
    concepts: set[str] = set()

    def walk(n: Node) -> None:
        if isinstance(n, Word):
            words.append(n.text)
        elif isinstance(n, Phrase):
            words.extend(n.words)
        elif isinstance(n, Prefix):
            prefixes.append(n.text)
        elif isinstance(n, Concept):
            concepts.update(n.ids)
            walk(n.inner)
        elif isinstance(n, And | Or):
            for item in n.items:
                walk(item)
        elif isinstance(n, Coverage):  # the query's words, not its boosts
            for item in (*n.required, *n.optional):
                walk(item)

    if node is not None:
        walk(node)
    return words, prefixes, concepts


def replace_words(node: Node | None, mapping: dict[str, list[str]]) -> Node | None:
    """Replace words (by thesaurus key) with an OR of alternatives (fuzzy fallback)."""
    if node is None:
        return None
    if isinstance(node, Word):
        alts = mapping.get(key(node.text))
        if not alts:
            return node
        return Or(tuple(Word(a) for a in alts)) if len(alts) > 1 else Word(alts[0])
    if isinstance(node, Concept):
        return Concept(node.ids, replace_words(node.inner, mapping) or node.inner)
    if isinstance(node, Not):
        return node
    if isinstance(node, And | Or):
        return type(node)(tuple(replace_words(n, mapping) or n for n in node.items))
    return node
