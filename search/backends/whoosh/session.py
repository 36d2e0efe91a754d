"""One search against a whoosh searcher: masks for exact sets, whoosh for BM25F ranking.

The syntax tree is evaluated twice: to a mask (exact matching set, ANDed with the
viewer's access mask and the filters) and to a whoosh query used only to rank inside
that set (``filter=``).  Totals and facet counts are popcounts of masks, so they only
ever count visible documents.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from itertools import accumulate
from pickle import loads
from typing import Any

from whoosh import query as wq
from whoosh.formats import Positions
from whoosh.searching import Searcher

from search.backends.engine import (
    Run,
    Session,
    coverage_score,
    edit_distance,
    max_distance,
    transpositions,
)
from search.backends.whoosh import bitsets
from search.backends.whoosh.masks import Masks
from search.backends.whoosh.rank import (
    all_of,
    any_of,
    at_least,
    by_date,
    equal_to,
    posting_values,
    sliced_sum,
    top_tiers,
    top_weighted,
    tree_scores,
)
from search.backends.whoosh.schema import DESC_FIELDS, TEXT_FIELDS, TITLE_FIELDS
from search.interface.query import FILTER_FIELDS, SearchQuery, split_place
from search.interface.results import Hit
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
    Prefix,
    Word,
)
from search.text.analysis import WORD_RE, fold_token, query_terms, term
from search.text.highlight import Marker, best_snippet
from search.text.thesaurus import Thesaurus

#: At most this many documents are scored exactly by BM25F for one page.
CANDIDATES = 200
#: In the candidate score of a loose query, one clause matched outweighs any title score.
COVERAGE_BIT = 8
#: Documents read for the surface form of a close index term ("did you mean").
SURFACE_DOCS = 5
#: Clause weights are counted in steps of 1/WEIGHT_STEPS when choosing candidates.
WEIGHT_STEPS = 4


def _bits(value: int) -> list[int]:
    """Positions of the set bits of ``value`` (a weight added as powers of two)."""
    return [b for b in range(value.bit_length()) if value >> b & 1]


def _decode_positions(value: bytes) -> Iterable[int]:
    """Positions of a whoosh ``Positions`` posting value: a 4-byte count, then the pickled
    list of deltas (whoosh's own decoder sums them in a Python loop)."""
    body = value[4:]
    return accumulate(loads(body if body.endswith(b".") else body + b"."))


class WhooshSession(Session):
    def __init__(
        self,
        searcher: Searcher,
        masks: Masks,
        thesaurus: Thesaurus,
        viewer_tokens: frozenset[str],
        filters: dict[str, tuple[str, ...]],
    ) -> None:
        self.searcher = searcher
        self.m = masks
        self.thesaurus = thesaurus
        base = masks.live() & masks.any_of("access", sorted(viewer_tokens))
        filters, scope = split_place(filters)
        for name, values in filters.items():
            base &= masks.any_of(name, values)
        if scope is not None:
            listing = masks.any_of("countries", masks.values("countries"))
            in_scope = masks.any_of("countries", sorted(scope.countries))
            in_scope |= masks.any_of("regions", sorted(scope.regions)) & ~listing
            in_scope |= masks.any_of("provider_country", sorted(scope.countries))
            base &= in_scope
        self.base = base
        self._cache: dict[Node, tuple[int, wq.Query | None]] = {}
        self._title: dict[Node, int] = {}
        self._title_of_last = 0

    # -- compile -------------------------------------------------------------------
    def _terms(self, pairs: list[tuple[str, str]]) -> tuple[int, wq.Query | None]:
        mask, title, qs = 0, 0, []
        for field, text in pairs:
            tm = self.m.term(field, text)
            if tm:
                mask |= tm
                if field.startswith(("title_", "tconcepts")):
                    title |= tm
                qs.append(wq.Term(field, text))
        self._title_of_last = title
        return mask, any_of(qs)

    def leaves(self, node: Node) -> list[tuple[int, int]]:
        """(title mask, any mask) per positive scoring leaf: the coarse ranking signal."""
        out: list[tuple[int, int]] = []
        if isinstance(node, Word | Phrase | Prefix | Concept):
            mask, _ = self.compile(node)
            out.append((self._title.get(node, 0), mask))
        elif isinstance(node, And | Or):
            for n in node.items:
                out.extend(self.leaves(n))
        return out

    def compile(self, node: Node) -> tuple[int, wq.Query | None]:
        """(mask, ranking query) for ``node``; the mask is not yet restricted to base."""
        hit = self._cache.get(node)
        if hit is None:
            self._title_of_last = 0
            hit = self._cache[node] = self._compile(node)
            self._title[node] = self._title_of_last
        return hit

    def _compile(self, node: Node) -> tuple[int, wq.Query | None]:
        if isinstance(node, Word):
            qt = query_terms(node.text)
            pairs = [(f[lang], t) for lang, t in qt.items() for f in (TITLE_FIELDS, DESC_FIELDS)]
            if "xx" in qt:
                pairs.append(("names", qt["xx"]))
            return self._terms(pairs)
        if isinstance(node, Phrase):
            return self._phrase(node.words)
        if isinstance(node, Prefix):
            pairs = [(f, t) for f in TEXT_FIELDS for t in self.m.expand_prefix(f, node.text)]
            return self._terms(pairs)
        if isinstance(node, FieldTerm):
            return self.m.term(node.field, node.value), None
        if isinstance(node, Concept):
            mask, inner_q = self.compile(node.inner)
            inner_title = self._title.get(node.inner, 0)
            pairs = [(f, c) for c in sorted(node.ids) for f in ("tconcepts", "dconcepts")]
            pairs += [(f, c) for c in sorted(node.ids) for f in ("themes", "support_types")]
            cmask, cq = self._terms(pairs)
            self._title_of_last |= inner_title
            return mask | cmask, any_of([q for q in (inner_q, cq) if q is not None])
        if isinstance(node, Not):
            mask, _ = self.compile(node.item)
            return self.m.live() & ~mask, None
        if isinstance(node, Coverage):
            return self._coverage(node)
        parts = [self.compile(n) for n in node.items]
        queries = [q for _, q in parts if q is not None]
        if isinstance(node, And):
            mask = self.m.live()
            for pm, _ in parts:
                mask &= pm
            return mask, (wq.And(queries) if len(queries) > 1 else any_of(queries))
        assert isinstance(node, Or)
        mask = 0
        for pm, _ in parts:
            mask |= pm
        return mask, any_of(queries)

    def _coverage(self, node: Coverage) -> tuple[int, wq.Query | None]:
        mask = self.m.live()
        queries: list[wq.Query] = []
        for n in node.required:
            pm, pq = self.compile(n)
            mask &= pm
            if pq is not None:
                queries.append(pq)
        optional = [self.compile(n) for n in node.optional]
        queries += [pq for _, pq in optional if pq is not None]
        mask = at_least([pm for pm, _ in optional], node.minimum, mask)
        return mask, any_of(queries)

    def coverage(
        self, required: Node | None, optional: tuple[Node, ...]
    ) -> tuple[list[int], list[int]]:
        within = self.base
        if required is not None:
            within &= self.compile(required)[0]
        masks = [self.compile(n)[0] & within for n in optional]
        slices = sliced_sum([(m, 0) for m in masks], within)
        hist = [0] + [equal_to(slices, c, within).bit_count() for c in range(1, len(masks) + 1)]
        return [m.bit_count() for m in masks], hist

    def _phrase(self, words: tuple[str, ...]) -> tuple[int, wq.Query | None]:
        pairs: list[tuple[str, list[str]]] = []
        for lang in sorted({lang for w in words for lang in query_terms(w)}):
            terms = [t for w in words if (t := term(w, lang))]
            pairs += [(TITLE_FIELDS[lang], terms), (DESC_FIELDS[lang], terms)]
        pairs.append(("names", [fold_token(w) for w in words]))
        mask, title, alts = 0, 0, []
        visible = self.m.live() & self.base
        for field, terms in pairs:
            if not terms:
                continue
            # Check positions only where every word occurs and the viewer may look.
            cand = visible
            for t in set(terms):
                cand &= self.m.term(field, t)
            if cand and len(terms) > 1:
                cand = bitsets.from_ids(self._adjacent(field, terms, cand), self.m.size)
            if cand:
                mask |= cand
                title |= cand if field.startswith("title_") else 0
                # Rank by the phrase's terms: the mask already holds only true phrase
                # matches, and span matchers cost more than the rest of the search.
                alts.append(all_of(field, terms))
        self._title_of_last = title
        return mask, any_of(alts)

    def _adjacent(self, field: str, terms: list[str], cand: int) -> list[int]:
        """Docs of ``cand`` where ``terms`` occur at consecutive positions in ``field``.

        Posting values (positions) are read a block at a time for the candidate docs only,
        instead of one ``skip_to`` + decode per document and term."""
        out: list[int] = []
        ids = list(bitsets.iter_ids(cand))
        fmt = self.searcher.schema[field].format
        decode = _decode_positions if isinstance(fmt, Positions) else fmt.decode_positions
        rest = terms[1:]
        for sub, offset in self.searcher.leaf_searchers():
            reader = sub.reader()
            lo = bisect_left(ids, offset)
            hi = bisect_left(ids, offset + reader.doc_count_all())
            if lo == hi:
                continue
            local = [d - offset for d in ids[lo:hi]]
            values = {t: posting_values(reader.postings(field, t), local) for t in set(terms)}
            first = values[terms[0]]
            for d in local:
                raw = first.get(d)
                if raw is None:
                    continue
                try:
                    others = [(i, set(decode(values[t][d]))) for i, t in enumerate(rest, 1)]
                except KeyError:
                    continue
                if len(others) == 1:
                    i, ps = others[0]
                    if not ps.isdisjoint([p + i for p in decode(raw)]):
                        out.append(d + offset)
                elif any(all(p + i in ps for i, ps in others) for p in decode(raw)):
                    out.append(d + offset)
        return out

    def _score_docs(self, q: wq.Query, cand: int) -> list[tuple[int, float]]:
        """BM25F scores of the docs of ``cand`` that ``q`` matches."""
        out: list[tuple[int, float]] = []
        ids = list(bitsets.iter_ids(cand))
        for sub, offset in self.searcher.leaf_searchers():
            end = offset + sub.doc_count_all()
            lo = bisect_left(ids, offset)
            hi = bisect_left(ids, end)
            if lo == hi:
                continue
            local = [d - offset for d in ids[lo:hi]]
            scores = tree_scores(q.matcher(sub, sub.context()), local)
            out += [(d + offset, scores[d]) for d in local if d in scores]
        return out

    # -- run -----------------------------------------------------------------------
    def run(self, node: Node | None, q: SearchQuery, facets: bool) -> Run:
        rank_q: wq.Query | None = None
        if node is None:
            exact = self.base
        else:
            mask, rank_q = self.compile(node)
            exact = mask & self.base
        total = exact.bit_count()
        need = q.page * q.per_page
        start = need - q.per_page
        ranked: list[tuple[Any, float]] = []
        if start < total:
            if q.sort == "relevance" and isinstance(node, Coverage):
                ranked = self._by_coverage(node, rank_q, exact, need)
            elif q.sort == "relevance" and rank_q is not None:
                ranked = self._by_score(node, rank_q, exact, need)
            if len(ranked) < min(need, total):
                seen = {d for d, _ in ranked}
                field = "updated" if q.sort == "updated" else "created"
                rest = exact & ~bitsets.from_ids(seen, self.m.size) if seen else exact
                ranked += [(d, 0.0) for d in by_date(self.m, rest, field, need - len(ranked))]
            ranked = ranked[start:need]
        counts: dict[str, list[tuple[str, int]]] = {}
        if facets:
            for name in FILTER_FIELDS:
                pairs = [
                    (v, (exact & self.m.term(name, v)).bit_count()) for v in self.m.values(name)
                ]
                counts[name] = sorted(((v, c) for v, c in pairs if c), key=lambda p: (-p[1], p[0]))
        return Run(total, ranked, counts)

    def _by_score(
        self, node: Node, rank_q: wq.Query, exact: int, limit: int
    ) -> list[tuple[int, float]]:
        """Top ``limit`` of ``exact`` by BM25F.  Only a candidate set is scored exactly:
        the docs with the best coarse score (3 per leaf matched in a title, 1 per leaf
        matched elsewhere), at most ``CANDIDATES`` of them (ties cut by doc number)."""
        if not exact:
            return []
        cand = exact
        if exact.bit_count() > max(CANDIDATES, limit):
            cand = top_tiers(self.leaves(node), exact, max(CANDIDATES, limit))
        scored = self._score_docs(rank_q, cand)
        scored.sort(key=lambda p: (-p[1], p[0]))
        return scored[:limit]

    def _by_coverage(
        self, node: Coverage, rank_q: wq.Query | None, exact: int, limit: int
    ) -> list[tuple[int, float]]:
        """Top ``limit`` of ``exact`` by coverage (optional nodes and boosts matched),
        then BM25F.  Candidates: the best by coverage, then by the coarse title score."""
        if not exact:
            return []
        optional = [self.compile(n)[0] for n in node.optional]
        boosts = [self.compile(n)[0] for n in node.boosts]
        demoted = 0
        for n in node.demote:
            demoted |= self.compile(n)[0]
        cand = exact
        k = max(CANDIDATES, limit)
        if exact.bit_count() > k:
            coarse = [(a, 0) for n in node.optional for _, a in self.leaves(n)]
            coarse += [(t, 1) for n in node.optional for t, _ in self.leaves(n)]
            terms = [
                (m, COVERAGE_BIT + b)
                for i, m in enumerate(optional)
                for b in _bits(max(1, round(node.weight(i) * WEIGHT_STEPS)))
            ]
            terms += [
                (m, COVERAGE_BIT + b) for m in boosts for b in _bits(BOOST_WEIGHT * WEIGHT_STEPS)
            ]
            if node.demote:  # the available ones get back what the others lose
                terms += [
                    (exact & ~demoted, COVERAGE_BIT + b)
                    for b in _bits(round(DEMOTE_WEIGHT * WEIGHT_STEPS))
                ]
            cand = top_weighted(terms + coarse, exact, k)
        relevance = dict(self._score_docs(rank_q, cand)) if rank_q is not None else {}
        created = self.m.column("created")
        scored = []
        for d in bitsets.iter_ids(cand):
            bit = 1 << d
            matched = sum(node.weight(i) for i, m in enumerate(optional) if m & bit)
            boosted = sum(1 for m in boosts if m & bit)
            score = coverage_score(matched, boosted, relevance.get(d, 0.0), bool(demoted & bit))
            scored.append((d, score))
        scored.sort(key=lambda p: (-p[1], -created[p[0]], p[0]))
        return scored[:limit]

    def count_upto(self, node: Node | None, limit: int) -> int:
        exact = self.base if node is None else self.compile(node)[0] & self.base
        return min(exact.bit_count(), limit)

    # -- spelling ------------------------------------------------------------------
    def knows(self, word: str) -> bool:
        mask, _ = self.compile(Word(word))
        return bool(mask & self.base)

    def similar(self, word: str) -> list[str]:
        """Close index terms with visible postings, shown as a surface word taken from
        a visible document (so nothing is learnt from invisible ones)."""
        w = fold_token(word)
        best: dict[str, tuple[int, int]] = {}
        for lang, t in query_terms(word).items():
            fields = [TITLE_FIELDS[lang], DESC_FIELDS[lang]] + (["names"] if lang == "xx" else [])
            for field in fields:
                for cand in self._close_terms(field, t, w, lang):
                    visible = self.m.term(field, cand) & self.base
                    if cand == t or not visible:
                        continue
                    surface = self._surface(field, lang, cand, visible, w)
                    dist = edit_distance(w, surface) if surface else 99
                    if surface and dist <= max_distance(w):
                        df = visible.bit_count()
                        old = best.get(surface)
                        if old is None or (dist, -df) < old:
                            best[surface] = (dist, -df)
        return [s for s, _ in sorted(best.items(), key=lambda kv: (kv[1], kv[0]))]

    def _close_terms(self, field: str, stem: str, word: str, lang: str) -> set[str]:
        """Index terms near ``stem``, plus stems near a prefix of the folded ``word``: a
        misspelt word often stems differently (``sensibilisaton`` keeps its ending, the
        indexed ``sensibilisation`` becomes ``sensibilis``).  Two swapped letters are one
        edit (``samll``): whoosh's automaton counts two, so swaps are looked up directly."""
        found = self.m.terms_within(field, stem, max_distance(stem))
        for swapped in transpositions(word):
            cand = swapped if field == "names" else term(swapped, lang)
            if cand and self.m.term(field, cand):
                found.add(cand)
        if len(word) >= 5:
            maxd = max_distance(word)
            for cand in self.m.terms_starting(field, word[:3]):
                n = len(cand)
                if (
                    n >= 4
                    and cand not in found
                    and any(edit_distance(cand, word[:k]) <= maxd for k in (n - 1, n, n + 1))
                ):
                    found.add(cand)
        return found

    def _surface(
        self, field: str, lang: str, cand: str, visible: int, word: str = ""
    ) -> str | None:
        """The word of a visible document indexed as ``cand`` that is closest to ``word``
        (``strategy``, not ``strategies``, for ``stratgey``), from the first few documents."""
        if field == "names":
            return cand
        best: tuple[int, str] | None = None
        for n, docnum in enumerate(bitsets.iter_ids(visible)):
            if n >= SURFACE_DOCS or (best is not None and best[0] <= 1):
                break
            _, title, desc, _ = self.searcher.stored_fields(docnum)["data"]
            for raw in WORD_RE.findall(title if field.startswith("title") else desc):
                if term(raw, lang) == cand:
                    surface = fold_token(raw)
                    dist = edit_distance(word, surface) if word else 0
                    if best is None or (dist, surface) < best:
                        best = (dist, surface)
        return best[1] if best else None

    # -- hits ----------------------------------------------------------------------
    def hit(self, ref: Any, score: float, marker: Marker | None) -> Hit:
        stored = self.searcher.stored_fields(ref)
        kind, title, desc, lang = stored["data"]
        snip = best_snippet(title, desc, lang, marker) if marker is not None else None
        return Hit(id=stored["id"], kind=kind, score=score, title=title, snippet=snip)
