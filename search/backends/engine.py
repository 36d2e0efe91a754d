"""The search flow shared by all backends: parse, expand, run, correct, snippet.

A backend supplies a ``Session`` (one per search, bound to the viewer's access tokens and
the query's filters) that can run a syntax tree and look up the *visible* vocabulary.
Everything a session reports is computed from visible documents only, so totals,
facets, suggestions and snippets cannot leak invisible records.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any

from search.interface.query import UNAVAILABLE, SearchQuery, normalise_filters
from search.interface.results import Broader, Hit, Notice, Reading, SearchResult
from search.querylang.interpret import (
    PlaceRecogniser,
    Understanding,
    code_readings,
    default_places,
    drop_concepts,
    understand,
)
from search.querylang.known import field_terms_typed, unknown_message, unknown_values
from search.querylang.parser import (
    BOOST_WEIGHT,
    DEMOTE_WEIGHT,
    And,
    Concept,
    Coverage,
    FieldTerm,
    Node,
    Not,
    Or,
    Phrase,
    Word,
    and_of,
    parse,
)
from search.querylang.rewrite import add_concepts, drop_stopwords, positive_terms, replace_words
from search.text.analysis import ALL_STOPWORDS, fold_token
from search.text.highlight import Marker
from search.text.spelling import edit_distance, max_distance, transpositions
from search.text.thesaurus import Thesaurus, default_thesaurus, key

#: Records that are not available now (the app's availability rule, read when the
#: document was made) rank lower in loose queries (``Coverage.demote``).
DEMOTE: tuple[Node, ...] = (FieldTerm(*UNAVAILABLE),)
#: Offer "did you mean" when fewer visible hits than this.
SUGGEST_BELOW = 3
#: Alternatives per misspelt word in the fuzzy fallback.
FUZZY_ALTERNATIVES = 3
__all__ = ["Engine", "Run", "Session", "edit_distance", "max_distance", "transpositions"]


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

    def count_upto(self, node: Node | None, limit: int) -> int:
        """How many visible records match ``node`` (None: all), counted up to ``limit``:
        ``min(total, limit)``.  Backends that can stop counting early override it."""
        return min(self.run(node, _count_only(), False).total, limit)

    @abstractmethod
    def knows(self, word: str) -> bool:
        """True if ``word`` occurs in at least one visible document."""

    @abstractmethod
    def similar(self, word: str) -> list[str]:
        """Visible words close to ``word`` (edit distance), best first."""

    @abstractmethod
    def hit(self, ref: Any, score: float, marker: Marker | None) -> Hit:
        """Build the ``Hit`` for a ranked ref, with a snippet when ``marker`` is given."""

    @abstractmethod
    def coverage(
        self, required: Node | None, optional: tuple[Node, ...]
    ) -> tuple[list[int], list[int]]:
        """For the visible records matching ``required`` (None: all): how many match each
        node of ``optional``, and ``hist[c]``, how many match exactly ``c`` of them
        (``hist[0]`` is not counted: 0)."""

    def present(self, required: Node | None, optional: tuple[Node, ...]) -> list[bool] | None:
        """Whether each node of ``optional`` matches a visible record matching ``required``
        (``coverage``'s counts above 0), when the backend finds it cheaper than counting
        them; else None (the default), and the engine asks ``coverage``.  Asked first by a
        loose query: when one of its words is in no visible record (a misspelling), the
        typed words' coverage is only needed if no correction reads better."""
        return None

    def expect(self, node: Coverage, q: SearchQuery, facets: bool) -> None:  # noqa: B027
        """A hint (optional hook): the next ``coverage`` is of ``node``'s clauses, and when
        each of them matches something, ``run`` of ``node`` with a minimum chosen from that
        histogram follows; a backend may compute its parts in the same pass."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release per-search resources."""


class Engine(ABC):
    """Implements ``search()`` on top of ``Session``; subclasses implement ``session()``."""

    def __init__(self, thesaurus: Thesaurus | None = None) -> None:
        self.thesaurus = thesaurus or default_thesaurus()

    @abstractmethod
    def session(
        self, viewer_tokens: frozenset[str], filters: dict[str, tuple[str, ...]]
    ) -> Session:
        """Open a session for one search."""

    #: Places recognised in query text (``search.places``); None reads no places.
    places: PlaceRecogniser | None = None

    def search(self, q: SearchQuery) -> SearchResult:
        """Run ``q``; user text never makes this raise."""
        q = q.normalised()
        res = self._read(q)
        if res.total == 0 and q.page == 1:
            res.broader = self._broader(q)
        return res

    def _read(self, q: SearchQuery) -> SearchResult:
        res = self._search(q)
        if not q.interpret:
            return res
        if res.fuzzy and res.suggestion:
            return self._reread(q, res, res.suggestion) or res
        if res.missing:
            corrected = self._place_spelling(q.text, res.missing)
            if corrected:
                return self._reread(q, res, corrected) or res
        return res

    def _broader(self, q: SearchQuery) -> list[Broader]:
        """The same query without one of the filters the user set (given as filters, or as
        field terms of a query without operators), each with what it finds for the viewer;
        when none finds anything alone, without all of them.  Only those that find something,
        most first."""
        filters = normalise_filters(q.filters)
        options: list[tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]] = [
            (q.text, tuple((name, v) for v in values), ()) for name, values in filters.items()
        ]
        if not parse(q.text).operators:
            for typed, _field, _value in dict.fromkeys(field_terms_typed(q.text)):
                options.append((_without(q.text, [typed]), (), (typed,)))
        options = options[:MAX_BROADER]
        found = [
            Broader(text, without, dropped, n)
            for text, without, dropped in options
            if (n := self._count(q, text, without))
        ]
        if not found and len(options) > 1:
            without = tuple(pair for _, w, _ in options for pair in w)
            dropped = tuple(d for _, _, ds in options for d in ds)
            text = _without(q.text, list(dropped))
            if n := self._count(q, text, without):
                found.append(Broader(text, without, dropped, n))
        return sorted(found, key=lambda b: -b.total)

    def _count(self, q: SearchQuery, text: str, without: tuple[tuple[str, str], ...]) -> int:
        """What ``q`` finds with ``text`` and without the filter values ``without``."""
        drop = set(without)
        filters = {
            name: [v for v in values if (name, v) not in drop]
            for name, values in normalise_filters(q.filters).items()
        }
        probe = replace(
            q, text=text, filters=filters, page=1, per_page=1, facets=False, snippets=False
        )
        return self._read(probe).total

    def _place_spelling(self, text: str, missing: list[str]) -> str | None:
        """``text`` with the words found in no visible record that misspell a place name
        ("Carribean") written as the name; None when none does."""
        closest = getattr(self._places(), "closest_name", None)
        if closest is None:
            return None
        fixed = text
        for word in missing:
            name = closest(word)
            if name:
                fixed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", name, fixed)
        return fixed if fixed != text else None

    def _reread(self, q: SearchQuery, res: SearchResult, corrected: str) -> SearchResult | None:
        """A corrected query that names a place or a language the typed one did not
        ("Carribean cyber crime" -> "Caribbean cyber crime"), or names one in more of its
        words ("Andean sttes" -> "Andean states"), is read again, so the
        correction is understood as the correct spelling would be; one notice still says
        what was corrected.  None when the correction reads nothing new, or when it would
        read again a word of a reading the user undid ("in French" undone must not become the
        place "France")."""
        places = self._places()
        undone = self._undone_words(q)
        if any(key(w) in undone for w in res.missing):
            return None
        before = {
            r.key: len(r.surface.split())
            for r in understand(q.text, places, q.literal, self.thesaurus).readings
        }
        after = understand(corrected, places, q.literal, self.thesaurus).readings
        # a new place or language, or one that now takes in more words ("Andean sttes":
        # "Andean" alone is the place, "Andean states" too, and "states" is no search word)
        if not any(
            r.field in ("place", "languages") and len(r.surface.split()) > before.get(r.key, 0)
            for r in after
        ):
            return None
        again = self._search(replace(q, text=corrected))
        if not again.total or again.fuzzy or (again.message and not again.relaxed):
            return None
        tail = " that match most of it" if again.relaxed else ""
        missing = ", ".join(f"“{w}”" for w in res.missing)
        notice = f"No record contains {missing}; showing results for “{corrected}”{tail}."
        again.fuzzy, again.suggestion, again.missing = True, corrected, res.missing
        again.message = " ".join([*again.query_messages, notice])
        again.notices = [
            Notice(
                "corrected", missing=tuple(res.missing), suggestion=corrected, relaxed=again.relaxed
            )
        ]
        return again

    def _undone_words(self, q: SearchQuery) -> frozenset[str]:
        """The words of the readings the user undid (``q.literal``): searched as typed, never
        read again nor spelling-corrected ("in French" undone must not become "France")."""
        if not q.literal:
            return frozenset()
        readings = understand(q.text, self._places(), frozenset(), self.thesaurus).readings
        return frozenset(
            key(word) for r in readings if r.key in q.literal for word in r.surface.split()
        )

    def _search(self, q: SearchQuery) -> SearchResult:
        parsed = parse(q.text)
        plain = not parsed.operators
        und = Understanding(q.text)
        if plain and q.interpret:
            und = understand(q.text, self._places(), q.literal, self.thesaurus)
            if und.text != q.text:
                parsed = parse(und.text)
        node = drop_stopwords(add_concepts(parsed.node, self.thesaurus))
        node = drop_concepts(node, self.thesaurus, q.literal)
        if und.text != q.text and _only_stopwords(node):
            node = None  # "needs in Eastern Africa": "in" was part of what was read
        readings = list(und.readings)
        if plain and q.interpret:
            readings += code_readings(node, self.thesaurus)
        filters = normalise_filters(q.filters)
        for name, values in und.filters.items():
            filters[name] = tuple(dict.fromkeys((*filters.get(name, ()), *values)))
        plan = Plan(q, parsed.messages, readings, und.text)
        if plain and q.interpret:
            plan.undone = self._undone_words(q)
        plan.unknown = unknown_values(q.text, parsed.node)
        session = self.session(q.viewer_tokens, filters)
        try:
            if plain:
                self._loose(session, plan, node, und.boosts, bool(und.filters))
                if plan.run is not None and plan.run.total == 0 and und.filters:
                    # The filters read in the text leave nothing: keep them as boosts.
                    session.close()
                    session = self.session(q.viewer_tokens, normalise_filters(q.filters))
                    boosts = [*und.boosts, *_field_boosts(und.filters)]
                    plan.reset()
                    self._loose(session, plan, node, boosts)
                    plan.unfiltered(und.filters)
            else:
                self._strict(session, plan, node)
            assert plan.run is not None
            if plan.run.total < SUGGEST_BELOW and not (plan.suggestion or plan.fuzzy):
                self._phrase_suggestion(session, plan, node)
            if plan.run.total == 0 and q.facets:
                # Nothing to show: offer the facets of what the filters leave (without
                # filters: of all the viewer may see), the closest ways on, for browsing.
                plan.run.facets = session.run(None, _probe(q), True).facets
            marker = None
            if q.snippets:
                words_, prefixes, concepts = positive_terms(plan.node)
                marker = Marker(words_, prefixes, concepts, self.thesaurus)
            hits = [session.hit(ref, score, marker) for ref, score in plan.run.ranked]
        finally:
            session.close()
        return plan.result(hits)

    def _places(self) -> PlaceRecogniser | None:
        return self.places if self.places is not None else default_places()

    # -- strict: operators, read exactly as typed ----------------------------------
    def _strict(self, session: Session, plan: Plan, node: Node | None) -> None:
        q = plan.q
        run = session.run(node, q, q.facets)
        plan.node, plan.run = node, run
        words = _plain_words(node)
        if run.total >= SUGGEST_BELOW or not words:
            return
        alternatives = self._alternatives(session, words, plan.undone)
        if not alternatives:
            return
        plan.suggestion, corrected = self._suggestion(q.text, session, alternatives)
        if run.total == 0:
            # Prefer the corrected query (its words form thesaurus concepts again:
            # "critcal infrastucture"); else OR the close words.
            fuzzy_map = {k: v[:FUZZY_ALTERNATIVES] for k, v in alternatives.items()}
            fuzzy_node = corrected or drop_stopwords(
                add_concepts(replace_words(node, fuzzy_map), self.thesaurus)
            )
            fuzzy_run = session.run(fuzzy_node, q, q.facets)
            if fuzzy_run.total:
                plan.node, plan.run, plan.fuzzy = fuzzy_node, fuzzy_run, True
                plan.missing = [w for w in dict.fromkeys(words) if key(w) in alternatives]

    # -- loose: plain words, best coverage first -----------------------------------
    def _loose(
        self,
        session: Session,
        plan: Plan,
        node: Node | None,
        boosts: list[Node],
        anchored: bool = False,
    ) -> None:
        """``anchored``: the query named a place or language (a filter); when none of its
        words occur, the records of that filter are shown."""
        q = plan.q
        required, optional = split_clauses(node)
        ranked = q.sort == "relevance"
        if not optional:
            final = node
            if ranked and (boosts or node is not None):
                final = Coverage(tuple(required), (), 0, tuple(boosts), demote=DEMOTE)
            plan.node, plan.run = final, session.run(final, q, q.facets)
            if plan.run.total < SUGGEST_BELOW:
                words = _plain_words(node)
                alternatives = self._alternatives(session, words, plan.undone) if words else {}
                if alternatives:
                    plan.suggestion, _ = self._suggestion(q.text, session, alternatives, plan.text)
            return
        strict = and_of([*required, *optional])
        if not ranked:
            # The usual case first: enough records have every word. Then this is the
            # whole answer, at the cost of the strict search alone.
            run = session.run(strict, q, q.facets)
            if run.total >= FILL:
                plan.node, plan.run = strict, run
                return
        elif session.count_upto(strict, FILL) >= FILL:
            final = Coverage(
                tuple(required), tuple(optional), len(optional), tuple(boosts), demote=DEMOTE
            )
            plan.node, plan.run = final, session.run(final, q, q.facets)
            return
        req = and_of(list(required))
        present = session.present(req, tuple(optional))
        counts: list[int] | None = None
        hist: list[int] | None = None
        if present is None or all(present):
            _expect(session, q, required, optional, boosts)
            counts, hist = session.coverage(req, tuple(optional))
            present = [n > 0 for n in counts]
        absent = [c for c, p in zip(optional, present, strict=True) if not p]
        if absent:
            words = [w for c in absent for w in _plain_words(c)]
            alternatives = self._alternatives(session, words, plan.undone) if words else {}
            if alternatives:
                suggestion, corrected = self._suggestion(q.text, session, alternatives, plan.text)
                plan.suggestion = suggestion
                fixed = corrected or drop_stopwords(
                    add_concepts(
                        replace_words(
                            node, {k: v[:FUZZY_ALTERNATIVES] for k, v in alternatives.items()}
                        ),
                        self.thesaurus,
                    )
                )
                f_required, f_optional = split_clauses(fixed)
                f_req = and_of(list(f_required))
                f_strict = and_of([*f_required, *f_optional])
                if f_optional and not WEIGHTED and session.count_upto(f_strict, FILL) >= FILL:
                    # Enough records have every corrected word (as for the typed words
                    # above): the corrected query is read strictly, and these lower bounds
                    # of its counts decide what its histogram would (minimum: every word).
                    f_counts, f_hist = [FILL] * len(f_optional), [0] * len(f_optional) + [FILL]
                else:
                    _expect(session, q, f_required, f_optional, boosts)
                    f_counts, f_hist = session.coverage(f_req, tuple(f_optional))
                covered = (len(optional) - len(absent)) / len(optional)
                if (
                    f_optional
                    and sum(f_hist)
                    and ((len(f_optional) - f_counts.count(0)) / len(f_optional) > covered)
                ):
                    plan.fuzzy = True
                    plan.missing = [w for w in dict.fromkeys(words) if key(w) in alternatives]
                    required, optional, req = f_required, f_optional, f_req
                    counts, hist = f_counts, f_hist
                    absent = [c for c, n in zip(optional, counts, strict=True) if n == 0]
            if not plan.fuzzy:
                plan.missing = list(dict.fromkeys(w for c in absent for w in _clause_words(c)))
        if counts is None or hist is None:  # the typed words' coverage, not needed until now
            _expect(session, q, required, optional, boosts)
            counts, hist = session.coverage(req, tuple(optional))
        n = len(optional)
        minimum = choose_minimum(hist, n)
        if minimum == 0 and not (anchored or any(_has_text(n) for n in required)):
            # No word of the query occurs in anything visible: nothing to show.
            plan.node = and_of([*required, *optional])
            plan.run = Run(0, [], {})
            return
        plan.relaxed = hist[n] == 0
        plan.only_filters = minimum == 0
        if minimum == n and not ranked:
            final: Node | None = and_of([*required, *optional])
        else:
            weights = clause_weights(counts) if WEIGHTED else ()
            final = Coverage(
                tuple(required), tuple(optional), minimum, tuple(boosts), weights, DEMOTE
            )
        plan.node, plan.run = final, session.run(final, q, q.facets)
        plan.clauses = [_clause_text(c) for c in optional]

    def _phrase_suggestion(self, session: Session, plan: Plan, node: Node | None) -> None:
        """ "Did you mean" for a misspelt word inside quotes (``"incident respnse"``): the
        query with the phrase corrected, still quoted, when that finds something.  Never
        applied by itself: a quoted phrase stays strict."""
        words = _phrase_words(node)
        alternatives = self._alternatives(session, words, plan.undone) if words else {}
        if alternatives:
            plan.suggestion, _ = self._suggestion(plan.q.text, session, alternatives, plan.text)

    def _alternatives(
        self, session: Session, words: list[str], undone: frozenset[str] = frozenset()
    ) -> dict[str, list[str]]:
        """Close visible words for each unknown word of ``words`` but the ``undone`` ones
        (:meth:`_undone_words`): the first ``MAX_SPELL_WORDS`` unknown ones (a query of many
        misspelt words stays cheap)."""
        out: dict[str, list[str]] = {}
        checked = 0
        for w in dict.fromkeys(words):
            if len(w) > MAX_SPELL_CHARS or key(w) in undone or session.knows(w):
                continue
            if checked == MAX_SPELL_WORDS:
                break
            checked += 1
            if alts := session.similar(w):
                out[key(w)] = alts
        return out

    def _suggestion(
        self,
        text: str,
        session: Session,
        alternatives: dict[str, list[str]],
        searched: str | None = None,
    ) -> tuple[str | None, Node | None]:
        """The query ``text`` with each unknown word replaced by its best alternative, and
        the syntax tree of the ``searched`` words (``text`` without what was read as a
        language or place) corrected, when that finds something; else ``(None, None)``."""

        def swap(m: re.Match[str]) -> str:
            alts = alternatives.get(key(m.group()))
            return _like_case(m.group(), alts[0]) if alts else m.group()

        shown = re.sub(r"[^\W_]+", swap, text)
        if fold_token(shown) == fold_token(text):
            return None, None
        corrected = re.sub(r"[^\W_]+", swap, text if searched is None else searched)
        node = drop_stopwords(add_concepts(parse(corrected).node, self.thesaurus))
        if node is None:
            return None, None
        required, optional = split_clauses(node)
        check = and_of([*required, Or(tuple(optional))]) if len(optional) > 1 else node
        if check is None or not session.count_upto(check, 1):
            return None, None
        return shown, node


#: Words longer than this are not spell-checked (no real word is; and it bounds the cost).
MAX_SPELL_CHARS = 30
#: At most this many unknown words of one query are spell-checked (each costs a look-up of
#: close terms: 24 misspelt words took 0.8 s of CPU at 10k records on whoosh).
MAX_SPELL_WORDS = 8
#: A loose query shows at least this many records when it can (lower coverage fills in).
FILL = 10
#: ... even when some records have every word (they come first).
FILL_FULL = True


def _expect(
    session: Session, q: SearchQuery, required: list[Node], optional: list[Node], boosts: list[Node]
) -> None:
    """Tell ``session`` which ``Coverage`` run follows the next ``coverage`` (``_loose``
    builds it so when every clause matches something): ranked, with no weights."""
    if q.sort == "relevance" and not WEIGHTED:
        node = Coverage(tuple(required), tuple(optional), 0, tuple(boosts), (), DEMOTE)
        session.expect(node, q, q.facets)


def choose_minimum(hist: list[int], n: int) -> int:
    """How many of the ``n`` optional clauses a record must match.

    ``hist[c]`` counts the records matching exactly ``c`` of them.  The best coverage any
    record reaches (every clause when some record has them all), lowered one clause at a
    time while fewer than ``FILL`` records would be shown: the best matches come first
    (ranking is by coverage), and a short list is completed by partial matches."""
    best = max((c for c in range(1, n + 1) if hist[c]), default=0)
    if best == 0:
        return 0
    if best == n and not FILL_FULL:
        return n
    minimum, shown = best, hist[best]
    while minimum > 1 and shown < FILL:
        minimum -= 1
        shown += hist[minimum]
    return minimum


def split_clauses(node: Node | None) -> tuple[list[Node], list[Node]]:
    """``(required, optional)`` parts of a plain query: words, compounds typed without
    quotes and concepts are optional; quoted phrases, prefixes, field terms and negations
    are required."""
    if node is None:
        return [], []
    items = list(node.items) if isinstance(node, And) else [node]
    required = [n for n in items if not _optional(n)]
    optional = list(dict.fromkeys(n for n in items if _optional(n)))
    return required, optional


def _optional(node: Node) -> bool:
    if isinstance(node, Word | Concept):
        return True  # a concept's inner node is words or a compound typed without quotes
    if isinstance(node, Phrase):
        return node.loose
    if isinstance(node, Or):  # fuzzy alternatives of a word
        return all(isinstance(n, Word) for n in node.items)
    return False


def _has_text(node: Node) -> bool:
    """True for a quoted phrase or a prefix (words of the query), not a filter or NOT."""
    return bool(positive_terms(node)[0] or positive_terms(node)[1])


def _only_stopwords(node: Node | None) -> bool:
    items = node.items if isinstance(node, And) else (node,)
    return node is not None and all(
        isinstance(n, Word) and fold_token(n.text) in ALL_STOPWORDS for n in items
    )


def _clause_words(node: Node) -> list[str]:
    words, _, _ = positive_terms(node)
    return words


def _clause_text(node: Node) -> str:
    if isinstance(node, Or):
        return _clause_text(node.items[0])
    return " ".join(_clause_words(node))


def _field_boosts(filters: dict[str, tuple[str, ...]]) -> list[Node]:
    out: list[Node] = []
    for name, values in filters.items():
        if name == "place":
            continue  # a place already boosts its states
        terms = tuple(FieldTerm(name, v) for v in values)
        out.append(terms[0] if len(terms) == 1 else Or(terms))
    return out


def _count_only() -> SearchQuery:
    """A query whose run gives the total (sessions are bound to the viewer already)."""
    return SearchQuery(
        sort="newest",
        page=1,
        per_page=1,
        facets=False,
        snippets=False,
    )


def _probe(q: SearchQuery) -> SearchQuery:
    return SearchQuery(
        viewer_tokens=q.viewer_tokens, page=1, per_page=1, facets=True, snippets=False
    )


#: Rank loose matches by the weight of the words they match (rare words weigh more).
WEIGHTED = False


def clause_weights(counts: list[int]) -> tuple[float, ...]:
    """An inverse document frequency per optional clause (``counts``: visible records
    matching each), scaled to a mean of 1 so that a boost keeps its worth."""
    total = max(counts, default=0) + 1
    raw = [math.log(1.0 + total / (c + 0.5)) for c in counts]
    mean = sum(raw) / len(raw) if raw else 1.0
    return tuple(round(w / mean, 4) for w in raw)


def coverage_score(matched: float, boosts: int, relevance: float, demoted: bool = False) -> float:
    """The ranking score of a ``Coverage`` match: coverage first, relevance within it;
    a record that is not available loses ``DEMOTE_WEIGHT``."""
    relevance = max(0.0, relevance)
    score = matched + BOOST_WEIGHT * boosts + relevance / (1.0 + relevance)
    return score - DEMOTE_WEIGHT if demoted else score


@dataclass
class Plan:
    """What one search decided, turned into the ``SearchResult`` at the end."""

    q: SearchQuery
    messages: list[str]
    readings: list[Reading]
    text: str
    node: Node | None = None
    run: Run | None = None
    suggestion: str | None = None
    fuzzy: bool = False
    relaxed: bool = False
    missing: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    #: No word occurs: the records of what else was read (a place, a language) are shown.
    only_filters: bool = False
    #: Field terms naming a value their field does not know (``theme:nonsense``).
    unknown: list[Notice] = field(default_factory=list)
    #: Words of readings the user undid: never spelling-corrected (:meth:`_undone_words`).
    undone: frozenset[str] = frozenset()

    def reset(self) -> None:
        self.node = self.run = self.suggestion = None
        self.fuzzy = self.relaxed = self.only_filters = False
        self.missing, self.clauses = [], []

    def unfiltered(self, filters: dict[str, tuple[str, ...]]) -> None:
        """The readings that were filters became boosts (they left nothing)."""
        self.dropped = [r.label for r in self.readings if r.field in filters]
        self.readings = [
            replace(r, effect="boost") if r.field in filters else r for r in self.readings
        ]

    def notice(self) -> str | None:
        """One sentence for the situation, or None."""
        total = self.run.total if self.run else 0
        if not total:
            return None
        parts: list[str] = []
        if self.dropped:
            parts.append(
                f"Nothing matches {' and '.join(self.dropped)}; showing every match, those first."
            )
        if self.only_filters and not self.fuzzy:
            missing = ", ".join(f"“{w}”" for w in self.missing) or "those words"
            read = [r.label for r in self.readings if r.effect == "filter"]
            scope = f" for {', '.join(read)}" if read else ""
            parts.append(f"No record contains {missing}; showing every record{scope}.")
        elif self.fuzzy:
            missing = ", ".join(f"“{w}”" for w in self.missing)
            tail = " that match most of it" if self.relaxed else ""
            parts.append(
                f"No record contains {missing}; showing results for “{self.suggestion}”{tail}."
                if self.suggestion
                else f"No record contains {missing}; showing results for similar words{tail}."
            )
        elif self.relaxed:
            words = " ".join(self.clauses)
            parts.append(
                f"No record contains all of “{words}”; showing those that match most of it."
            )
        return " ".join(parts) or None

    def notices(self) -> list[Notice]:
        """``notice()`` as data, for the application to word in the reader's language."""
        if not (self.run and self.run.total):
            return []
        out: list[Notice] = []
        if self.dropped:
            keys = tuple(r.key for r in self.readings if r.label in self.dropped)
            out.append(Notice("unfiltered", keys=keys))
        missing = tuple(self.missing)
        if self.only_filters and not self.fuzzy:
            keys = tuple(r.key for r in self.readings if r.effect == "filter")
            out.append(Notice("filters_only", missing=missing, keys=keys))
        elif self.fuzzy:
            out.append(Notice("corrected", missing=missing, suggestion=self.suggestion,
                              relaxed=self.relaxed))  # fmt: skip
        elif self.relaxed:
            out.append(Notice("relaxed", words=" ".join(self.clauses)))
        return out

    def result(self, hits: list[Hit]) -> SearchResult:
        run = self.run or Run(0, [])
        notice = " ".join([*(unknown_message(n) for n in self.unknown), self.notice() or ""])
        notice = notice.strip()
        return SearchResult(
            total=run.total,
            hits=hits,
            facets=run.facets,
            suggestion=self.suggestion,
            fuzzy=self.fuzzy,
            message=" ".join([*self.messages, *([notice] if notice else [])]) or None,
            page=self.q.page,
            per_page=self.q.per_page,
            readings=self.readings,
            relaxed=self.relaxed and bool(run.total),
            missing=self.missing,
            notices=[*self.unknown, *self.notices()],
            query_messages=list(self.messages),
        )


def _like_case(typed: str, word: str) -> str:
    """``word`` written as ``typed`` was: capitalised ("Carribean" -> "Caribbean") or in
    capitals ("CSRIT" -> "CSIRT")."""
    if len(typed) > 1 and typed.isupper():
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


#: At most this many broader searches are tried when a search finds nothing.
MAX_BROADER = 4


def _without(text: str, typed: list[str]) -> str:
    """``text`` without the field terms ``typed``."""
    for t in typed:
        text = text.replace(t, " ", 1)
    return " ".join(text.split())


def _phrase_words(node: Node | None) -> list[str]:
    """The words of the quoted phrases (and quoted single words) of ``node`` worth
    spell-checking, outside a NOT."""
    out: list[str] = []
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if isinstance(n, Phrase) and not n.loose:
            out.extend(w for w in n.words if w.isalpha() and len(w) >= 3)
        elif not isinstance(n, Not):
            for attr in ("items", "inner", "required", "optional"):
                child = getattr(n, attr, None)
                if isinstance(child, tuple):
                    stack.extend(child)
                elif child is not None:
                    stack.append(child)
    return list(dict.fromkeys(out))


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
