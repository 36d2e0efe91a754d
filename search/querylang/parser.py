"""Parse user query text into a small, backend-neutral syntax tree.

Supported: words (AND-ed by default), ``"phrases"``, ``AND``/``OR``/``NOT`` (upper case),
``-word``, parentheses, prefixes (``forens*``) and field filters (``theme:cybercrime``,
``country:KEN``, ``kind:programme``, ``lang:fr``, ``region:Africa``,
``region:"Latin America and the Caribbean"``).  Parsing never raises: whatever cannot
be understood is ignored and explained in ``Parsed.messages``.  Text is cut to
``MAX_QUERY_CHARS`` characters and ``MAX_CLAUSES`` terms; nesting deeper than
``MAX_DEPTH`` is flattened.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from search.interface.query import FIELD_ALIASES, normalise_value
from search.text.analysis import WORD_RE, fold
from search.text.segment import is_han

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 24
MAX_DEPTH = 8
#: A quoted phrase keeps its first this many words (checking word positions costs more
#: with every word, and no record title or sentence needs more to be found).
MAX_PHRASE_WORDS = 12
MIN_PREFIX = 2
#: French elided articles and pronouns: outside quotes, ``l'administration`` is the word
#: ``administration`` (the elided word is a stop word, never indexed), not a phrase that
#: every record must hold.
ELIDED = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu"})
_APOSTROPHES = "'’"


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Phrase:
    """Words at consecutive positions.  Quoted (``"energy grids"``): exactly these words,
    required, never read as a thesaurus concept.  ``loose``: a compound typed without
    quotes (``e-government``, ``cyber/ICT``), a word like any other."""

    words: tuple[str, ...]
    loose: bool = False


@dataclass(frozen=True)
class Prefix:
    text: str  # folded


@dataclass(frozen=True)
class FieldTerm:
    field: str
    value: str


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Concept:
    """``inner`` OR any text that names one of the concepts ``ids`` (thesaurus)."""

    ids: frozenset[str]
    inner: Node


@dataclass(frozen=True)
class Coverage:
    """A plain query read loosely (built by the engine, never by the parser).

    Matches records that match every ``required`` node and at least ``minimum`` of the
    ``optional`` ones (the words and concepts of the query); ``boosts`` never decide a match.
    Ranked by coverage first (the weights of the optional nodes matched, plus
    ``BOOST_WEIGHT`` per boost matched), then by the backend's relevance."""

    required: tuple[Node, ...]
    optional: tuple[Node, ...]
    minimum: int
    boosts: tuple[Node, ...] = ()
    #: Ranking weight of each optional node (rarer words weigh more); empty: 1 each.
    weights: tuple[float, ...] = ()
    #: Records matching one of these rank ``DEMOTE_WEIGHT`` lower (not available now).
    demote: tuple[Node, ...] = ()

    def weight(self, i: int) -> float:
        return self.weights[i] if i < len(self.weights) else 1.0


#: Weight of a matched boost (a place's states) in a ``Coverage`` ranking.
BOOST_WEIGHT = 1
#: What a record matching ``Coverage.demote`` (not available now) loses in the ranking:
#: it comes after the available records that match the query as well (ties: place or
#: kind lists, codes, equal relevance), not after more relevant ones.  The relevance
#: part of a score (< 1) is scaled differently on each backend, so a larger weight would
#: demote more on one than on another; and the judged set's grades ignore status (0.5
#: cost 0.03 nDCG@10 on its tuning part, 0.05 cost 0.005 on whoosh and 0.02 on postgres,
#: 0.01 gained 0.001-0.003 on every backend: ties broken the useful way).
DEMOTE_WEIGHT = 0.01


Node = Word | Phrase | Prefix | FieldTerm | And | Or | Not | Concept | Coverage


@dataclass
class Parsed:
    node: Node | None  # None: no constraint (list everything)
    messages: list[str] = field(default_factory=list)
    #: True when the text uses AND / OR / NOT / -word / parentheses: it is read exactly.
    operators: bool = False


_QUOTES = str.maketrans({c: '"' for c in "“”„«»‟″"})
_OPS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR", "NOT": "NOT"}


def _clean(text: str, messages: list[str]) -> str:
    text = text.translate(_QUOTES)
    if any(unicodedata.category(c)[0] == "C" for c in text):
        text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    if len(text) > MAX_QUERY_CHARS:
        messages.append(f"The query was cut to its first {MAX_QUERY_CHARS} characters.")
        text = text[:MAX_QUERY_CHARS]
    return text


def _text_node(raw: str, messages: list[str] | None = None, quoted: bool = False) -> Node | None:
    """The words of ``raw``: one word, or a phrase.  Quoted text is always a (strict)
    phrase, even of one word."""
    words = WORD_RE.findall(raw)
    if not words:
        return None
    if len(words) > MAX_PHRASE_WORDS:
        words = words[:MAX_PHRASE_WORDS]
        if messages is not None:
            messages.append(f"A phrase was cut to its first {MAX_PHRASE_WORDS} words.")
    if quoted:
        return Phrase(tuple(words))
    return Word(words[0]) if len(words) == 1 else Phrase(tuple(words), loose=True)


def _bare_node(raw: str, messages: list[str]) -> Node | None:
    """A word typed without quotes; an elided article before it is dropped."""
    words = WORD_RE.findall(raw)
    if len(words) > 1 and fold(words[0]) in ELIDED:
        rest = raw[raw.find(words[0]) + len(words[0]) :]
        if rest[:1] in _APOSTROPHES:
            return _text_node(rest[1:], messages)
    return _text_node(raw, messages)


def _lex(text: str, messages: list[str]) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(("LP" if c == "(" else "RP", None))
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                messages.append("An unclosed quote was closed at the end of the query.")
                end = n
            node = _text_node(text[i + 1 : end], messages, quoted=True)
            if node:
                out.append(("TERM", node))
            i = end + 1
        elif c in "-!" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in "-!)":
            out.append(("OP", "NOT"))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            bare = text[i:j]
            i = j
            if bare in _OPS:
                out.append(("OP", _OPS[bare]))
                continue
            name, sep, value = bare.partition(":")
            if sep and name and name.lower() in FIELD_ALIASES:
                fname = FIELD_ALIASES[name.lower()]
                if not value and i < n and text[i] == '"':
                    end = text.find('"', i + 1)
                    end = n if end < 0 else end
                    value, i = text[i + 1 : end], end + 1
                if value.strip():
                    out.append(("TERM", FieldTerm(fname, normalise_value(fname, value))))
                else:
                    messages.append(f"The empty filter '{name}:' was ignored.")
                continue
            if sep and name and WORD_RE.fullmatch(name):
                messages.append(f"'{name}:' is not a known field; it was searched as text.")
            if "*" in bare or "?" in bare:
                stem = bare.rstrip("*")
                words = WORD_RE.findall(stem)
                if (
                    bare.endswith("*")
                    and "*" not in stem
                    and "?" not in stem
                    and len(words) == 1
                    and len(words[0]) >= MIN_PREFIX
                ):
                    out.append(("TERM", Prefix(fold(words[0]))))
                    continue
                messages.append(
                    f"Wildcards in '{bare[:40]}' were ignored (use at least "
                    f"{MIN_PREFIX} letters followed by *)."
                )
                bare = bare.replace("*", " ").replace("?", " ")
            if is_han(bare):  # Chinese is written without spaces: its words, not a phrase
                out.extend(("TERM", Word(w)) for w in WORD_RE.findall(bare)[:MAX_PHRASE_WORDS])
                continue
            node = _bare_node(bare, messages)
            if node:
                out.append(("TERM", node))
    return out


class _Parser:
    def __init__(self, toks: list[tuple[str, object]], messages: list[str]) -> None:
        self.toks = toks
        self.pos = 0
        self.depth = 0
        self.leaves = 0
        self.messages = messages
        self.dropped_ops = False

    def peek(self) -> tuple[str, object] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def parse(self) -> Node | None:
        nodes: list[Node] = []
        while self.pos < len(self.toks):
            node = self.or_expr()
            if node is not None:
                nodes.append(node)
            tok = self.peek()
            if tok and tok[0] == "RP":
                self.messages.append("An unmatched ')' was ignored.")
                self.pos += 1
            elif tok and tok[0] == "OP":
                self.pos += 1
                self.dropped_ops = True
        if self.dropped_ops:
            self.messages.append("Operators (AND, OR, NOT) without a term were ignored.")
        return and_of(nodes)

    def or_expr(self) -> Node | None:
        items = [self.and_expr()]
        while (tok := self.peek()) and tok == ("OP", "OR"):
            self.pos += 1
            items.append(self.and_expr())
        present = [n for n in items if n is not None]
        if len(present) < len(items):
            self.dropped_ops = True
        present = list(dict.fromkeys(present))
        if not present:
            return None
        return present[0] if len(present) == 1 else Or(tuple(present))

    def and_expr(self) -> Node | None:
        items: list[Node] = []
        while (tok := self.peek()) and tok[0] != "RP" and tok != ("OP", "OR"):
            if tok == ("OP", "AND"):
                self.pos += 1
                if not items:
                    self.dropped_ops = True
                continue
            node = self.unary()
            if node is not None:
                items.append(node)
        return and_of(items)

    def unary(self) -> Node | None:
        tok = self.peek()
        if tok == ("OP", "NOT"):
            self.pos += 1
            nxt = self.peek()
            if nxt is None or (nxt[0] in ("RP", "OP") and nxt != ("OP", "NOT")):
                self.dropped_ops = True
                return None
            inner = self.unary()
            if inner is None:
                return None
            return inner.item if isinstance(inner, Not) else Not(inner)
        return self.primary()

    def primary(self) -> Node | None:
        kind, value = self.toks[self.pos]
        self.pos += 1
        if kind == "LP":
            if self.depth >= MAX_DEPTH:
                return None
            self.depth += 1
            node = self.or_expr()
            self.depth -= 1
            if (tok := self.peek()) and tok[0] == "RP":
                self.pos += 1
            else:
                self.messages.append("An unclosed '(' was closed at the end of the query.")
            return node
        if kind == "TERM":
            self.leaves += 1
            if self.leaves > MAX_CLAUSES:
                if self.leaves == MAX_CLAUSES + 1:
                    self.messages.append(f"Only the first {MAX_CLAUSES} terms were used.")
                return None
            return value  # type: ignore[return-value]
        self.dropped_ops = True  # stray operator
        return None


def and_of(items: list[Node]) -> Node | None:
    """The AND of ``items``; a repeated term other than a word is dropped (``a* a*`` is
    ``a*``; words stay, as runs of words name thesaurus concepts: "de ... de")."""
    seen: set[Node] = set()
    kept = []
    for n in items:
        if isinstance(n, Word) or n not in seen:
            kept.append(n)
            seen.add(n)
    items = kept
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


def parse(text: str) -> Parsed:
    """Parse query text; never raises."""
    messages: list[str] = []
    text = _clean(text or "", messages)
    toks = _lex(text, messages)
    parser = _Parser(toks, messages)
    node = parser.parse()
    operators = any(kind in ("OP", "LP", "RP") for kind, _ in toks)
    return Parsed(node, list(dict.fromkeys(messages)), operators)
