"""The parser's syntax tree as ``tsquery`` literals, over the lexemes of ``postgres_schema``.

``compile_match`` gives the exact matching set (the same semantics as the whoosh masks);
``compile_rank`` gives an OR of the positive scoring lexemes, for the coarse ``ts_rank`` of
the title that chooses the candidates: filter terms and negated terms do not score.
``lexemes`` names the entries of a record's ``tsvector`` that its relevance reads.  Every
lexeme is quoted, so user text can never be read as ``tsquery`` syntax; the literal is
passed as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from search.backends.postgres.schema import NO_COUNTRIES, field_lexeme, lexeme, pair, quote
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
from search.text.analysis import LANGUAGE_KEYS, fold_token, query_terms, term

#: Namespaces holding title / description terms (one per analysed language, and the neutral one).
TEXT_NAMESPACES = LANGUAGE_KEYS


def _any(parts: list[str]) -> str:
    parts = list(dict.fromkeys(parts))
    return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"


def word_lexemes(word: str) -> list[str]:
    """Lexemes a query word matches: its term in every language, and the folded name."""
    qt = query_terms(word)
    out = [lexeme(lang, t) for lang, t in qt.items()]
    if "xx" in qt:
        out.append(lexeme("n", qt["xx"]))
    return out


def _chains(words: tuple[str, ...]) -> list[list[str]]:
    """Lexemes of one chain per language the words have terms in (stop words dropped, as
    at index time), and of one over names."""
    chains: list[list[str]] = []
    for lang in sorted({lang for w in words for lang in query_terms(w)}):
        chains.append([lexeme(lang, t) for w in words if (t := term(w, lang))])
    chains.append([lexeme("n", fold_token(w)) for w in words])
    return [chain for chain in chains if chain]


def _phrase(words: tuple[str, ...]) -> list[list[str]]:
    """``_chains`` quoted."""
    return [[quote(lex) for lex in chain] for chain in _chains(words)]


def _chain_match(chain: list[str], pairs: bool) -> str:
    """A ``tsquery`` of the lexemes of ``chain`` at consecutive positions.  With ``pairs``
    (the index holds the ``p:`` lexemes of ``schema.pair``), a pair is its ``p:`` lexeme,
    which the GIN index decides alone; a longer chain also requires the ``p:`` lexemes of
    its pairs, so that only the records holding every pair have their positions read."""
    quoted = [quote(lex) for lex in chain]
    if len(chain) == 1:
        return quoted[0]
    positions = "(" + " <-> ".join(quoted) + ")"
    if not pairs:
        return positions
    joined = [pair(a, b) for a, b in pairwise(chain)]
    if len(chain) == 2 and joined[0] is not None:
        return quote(joined[0])
    known = [quote(p) for p in dict.fromkeys(joined) if p is not None]
    return "(" + " & ".join([*known, positions]) + ")" if known else positions


def _prefix(text: str) -> list[str]:
    return [quote(lexeme(ns, text)) + ":*" for ns in (*TEXT_NAMESPACES, "n")]


def _concept(node: Concept) -> list[str]:
    return [quote(lexeme(ns, c)) for c in sorted(node.ids) for ns in ("c", "k")]


def compile_match(node: Node, pairs: bool = False) -> str:
    """A ``tsquery`` literal matching exactly the documents ``node`` matches; ``pairs``:
    the index holds the ``p:`` lexemes of adjacent lexemes (phrases use them)."""
    if isinstance(node, Word):
        return _any([quote(x) for x in word_lexemes(node.text)])
    if isinstance(node, Phrase):
        return _any([_chain_match(c, pairs) for c in _chains(node.words)])
    if isinstance(node, Prefix):
        return _any(_prefix(node.text))
    if isinstance(node, FieldTerm):
        return quote(field_lexeme(node.field, node.value))
    if isinstance(node, Concept):
        return _any([compile_match(node.inner, pairs), *_concept(node)])
    if isinstance(node, Not):
        return f"!{compile_match(node.item, pairs)}"
    parts = [compile_match(n, pairs) for n in node.items]
    op = " & " if isinstance(node, And) else " | "
    return "(" + op.join(parts) + ")" if len(parts) > 1 else parts[0]


def rank_operands(node: Node) -> list[str]:
    """Quoted positive lexemes (prefixes with ``:*``) that score for ``node``."""
    if isinstance(node, Word):
        return [quote(x) for x in word_lexemes(node.text)]
    if isinstance(node, Phrase):
        return [x for chain in _phrase(node.words) for x in chain]
    if isinstance(node, Prefix):
        return _prefix(node.text)
    if isinstance(node, Concept):
        return [*rank_operands(node.inner), *_concept(node)]
    if isinstance(node, And | Or):
        return [x for n in node.items for x in rank_operands(n)]
    if isinstance(node, Coverage):
        return [x for n in (*node.required, *node.optional) for x in rank_operands(n)]
    return []  # FieldTerm, Not


def compile_rank(node: Node | None) -> str | None:
    """An OR of the scoring lexemes of ``node`` for ``ts_rank`` (the candidates' coarse
    score); None when nothing scores."""
    operands = list(dict.fromkeys(rank_operands(node))) if node is not None else []
    return " | ".join(operands) if operands else None


def lexemes(node: Node | None) -> tuple[list[str], list[str]]:
    """``(lexemes, prefixes)``: every lexeme ``compile_match(node)`` names (negated ones
    too), and the prefixes it names, unquoted: the entries of a record's ``tsvector`` that
    its relevance (``search.backends.relevance``) reads."""
    exact: dict[str, None] = {}
    prefixes: dict[str, None] = {}
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if isinstance(n, Word):
            exact.update(dict.fromkeys(word_lexemes(n.text)))
        elif isinstance(n, Phrase):
            for lang in {lang for w in n.words for lang in query_terms(w)}:
                exact.update(
                    dict.fromkeys(lexeme(lang, t) for w in n.words if (t := term(w, lang)))
                )
            exact.update(dict.fromkeys(lexeme("n", fold_token(w)) for w in n.words))
        elif isinstance(n, Prefix):
            prefixes.update(dict.fromkeys(lexeme(ns, n.text) for ns in (*TEXT_NAMESPACES, "n")))
        elif isinstance(n, FieldTerm):
            exact[field_lexeme(n.field, n.value)] = None
        elif isinstance(n, Concept):
            exact.update(dict.fromkeys(lexeme(ns, c) for c in sorted(n.ids) for ns in ("c", "k")))
            stack.append(n.inner)
        elif isinstance(n, Not):
            stack.append(n.item)
        elif isinstance(n, Coverage):
            stack.extend((*n.required, *n.optional))
        else:
            stack.extend(n.items)
    return sorted(exact), sorted(prefixes)


def place_match(countries: Iterable[str], regions: Iterable[str]) -> str | None:
    """The ``tsquery`` of the place filter (``search.interface.query.PlaceScope``): a record
    of one of ``countries`` (or offered from one), or listing no state and one of
    ``regions``; None when it can match nothing.  In the ``tsvector``'s ``f:`` lexemes, so
    the GIN index decides it alone (as an array condition on ``facets`` it was checked on
    every row: 85 ms for the 25,000 rows of a broad word and a 16-state place at 100k)."""
    states = sorted(
        quote(field_lexeme(f, c)) for c in countries for f in ("countries", "provider_country")
    )
    areas = sorted(quote(field_lexeme("regions", r)) for r in regions)
    parts = list(states)
    if areas:
        parts.append(f"(({' | '.join(areas)}) & {quote(NO_COUNTRIES)})")
    return " | ".join(parts) or None
