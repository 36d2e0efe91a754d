"""Multilingual synonym / acronym list mapping surface terms to shared concept ids.

The data lives in ``search/data/thesaurus.json``.  Surface terms are matched on
*keys*: folded, lowercased words with a light, language-neutral normalisation (final
``s``/``e`` dropped, final ``y`` -> ``i``) so that ``CSIRTs``, ``stratégies nationales`` and
``estrategias nacionales`` meet their singular forms.  Arabic and Russian words, whose
endings change far more, are keyed by their Snowball stem (``киберпреступности`` meets
``киберпреступность``, ``الجرائم`` meets ``جرائم``); Chinese words are cut by jieba
(``search.text.segment``) the same way in the text and in the surface.  Multi-word surfaces
are matched greedily, longest first.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from search.text.analysis import WORD_RE, fold_token, script_stem, tokens

DATA_FILE = Path(__file__).parents[1] / "data" / "thesaurus.json"
#: More surface terms for the same concepts, in Arabic, Chinese and Russian.
EXTRA_FILES: tuple[Path, ...] = (DATA_FILE.with_name("thesaurus_ar_ru_zh.json"),)
#: Search's own surfaces and bridging concepts, read on top of ``DATA_FILE`` by search only.
SEARCH_FILE = Path(__file__).parents[1] / "data" / "thesaurus_search.json"


_KEYS: dict[str, str] = {}
#: Arabic one-letter conjunctions and prepositions written joined to the next word.
_AR_PROCLITICS = frozenset("وبلفك")


def key(word: str) -> str:
    """Light normalisation of one word, applied to text and surface terms alike."""
    try:
        return _KEYS[word]
    except KeyError:
        pass
    if len(_KEYS) > 200_000:
        _KEYS.clear()
    w = _KEYS[word] = _key(word)
    return w


def _key(word: str) -> str:
    stemmed = script_stem(word)  # Arabic and Russian: their Snowball stem
    if stemmed is not None:
        return stemmed
    w = fold_token(word)
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "is", "us")):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("y"):
        w = w[:-1] + "i"
    return w


#: Articles, prepositions and elided forms (English, French, Spanish) that a surface may
#: or may not carry: "réponse aux incidents" = "réponse à des incidents", "laboratoire
#: d'investigation numérique" holds "investigation numérique".  Surfaces and text are
#: matched on their other words.
FUNCTION_WORDS = frozenset(
    re.findall(
        r"\S+",
        """a an the of for to in on and or with
        au aux de des du d l la le les un une en et pour par sur dans avec ou
        al con del el las lo los por para una unos unas y""",
    )
)


def keys(text: str) -> tuple[str, ...]:
    """Keys of the words of ``text`` that are not function words."""
    return tuple(key(t) for t in WORD_RE.findall(text) if fold_token(t) not in FUNCTION_WORDS)


@dataclass
class Concept:
    """One concept: its surface terms per language and the codes it stands for."""

    id: str
    terms: dict[str, list[str]]
    themes: list[str] = field(default_factory=list)
    support_types: list[str] = field(default_factory=list)

    @property
    def surfaces(self) -> list[str]:
        return [t for lang in sorted(self.terms) for t in self.terms[lang]]


class Thesaurus:
    """Lookup structure over a set of concepts."""

    def __init__(self, concepts: Iterable[Concept], version: str = "") -> None:
        self.concepts: dict[str, Concept] = {c.id: c for c in concepts}
        self.version = version
        self._index: dict[tuple[str, ...], frozenset[str]] = {}
        for c in self.concepts.values():
            for surface in c.surfaces:
                k = keys(surface)
                if k:
                    self._index[k] = self._index.get(k, frozenset()) | {c.id}
        self.max_len = max((len(k) for k in self._index), default=1)
        self._first = frozenset(k[0] for k in self._index)
        self._words = frozenset(w for k in self._index for w in k)

    @classmethod
    def from_file(
        cls,
        path: Path = DATA_FILE,
        extra: Sequence[Path] = EXTRA_FILES,
        layers: Sequence[Path] = (),
    ) -> Thesaurus:
        """The concepts of ``path``, with the surface terms of the ``extra`` files added
        (their concept ids must exist in ``path``); each of ``layers`` (same format) adds
        surfaces to the concepts it names and concepts of its own."""
        concepts: dict[str, Concept] = {}
        digest = hashlib.sha256()
        for n, file in enumerate((path, *extra, *layers)):
            raw = file.read_bytes()
            digest.update(raw)
            for cid, v in json.loads(raw)["concepts"].items():
                if 0 < n <= len(extra) and cid not in concepts:
                    raise ValueError(f"{file.name}: concept {cid!r} is not in {path.name}")
                c = concepts.setdefault(cid, Concept(id=cid, terms={}))
                for lang, terms in v.items():
                    if lang == "themes":
                        c.themes = list(dict.fromkeys([*c.themes, *terms]))
                    elif lang == "support_types":
                        c.support_types = list(dict.fromkeys([*c.support_types, *terms]))
                    else:
                        c.terms[lang] = [*c.terms.get(lang, []), *terms]
        return cls(concepts.values(), version=digest.hexdigest()[:16])

    def lookup(self, phrase: str | Sequence[str]) -> frozenset[str]:
        """Concept ids whose surface equals the whole ``phrase`` (text or word list)."""
        words = WORD_RE.findall(phrase) if isinstance(phrase, str) else phrase
        k = tuple(key(w) for w in words if fold_token(w) not in FUNCTION_WORDS)
        return self._index.get(k, frozenset()) if k else frozenset()

    def spans(self, words: Sequence[str]) -> list[tuple[int, int, frozenset[str]]]:
        """Greedy longest-match ``(start, end, concept_ids)`` over a list of raw words
        (function words between the words of a surface are skipped)."""
        at = [i for i, w in enumerate(words) if fold_token(w) not in FUNCTION_WORDS]
        ks = [self._known_key(words[i]) for i in at]
        out: list[tuple[int, int, frozenset[str]]] = []
        i, n = 0, len(ks)
        index, first = self._index, self._first
        while i < n:
            if ks[i] not in first:
                i += 1
                continue
            for size in range(min(self.max_len, n - i), 0, -1):
                hit = index.get(tuple(ks[i : i + size]))
                if hit:
                    out.append((at[i], at[i + size - 1] + 1, hit))
                    i += size
                    break
            else:
                i += 1
        return out

    def _known_key(self, word: str) -> str:
        """``key(word)``; for an Arabic word unknown to the thesaurus that starts with a
        one-letter conjunction or preposition (``و``, ``ب``, ``ل``, ``ف``, ``ك``), the key of the
        rest when that one is known (``لمركز`` -> ``مركز``)."""
        k = key(word)
        if k in self._words or len(word) < 4 or word[0] not in _AR_PROCLITICS:
            return k
        rest = key(word[1:])
        return rest if rest in self._words else k

    def concepts_in(self, text: str) -> set[str]:
        """All concept ids mentioned in ``text`` (any language)."""
        found: set[str] = set()
        for _, _, ids in self.spans(WORD_RE.findall(text)):
            found |= ids
        return found

    def char_spans(
        self,
        text: str,
        wanted: Iterable[str],
        toks: list[tuple[int, int, str]] | None = None,
    ) -> list[tuple[int, int]]:
        """Character spans in ``text`` of surfaces of the ``wanted`` concepts (``toks``:
        the words of ``text``, when the caller has them)."""
        wanted = set(wanted)
        if not wanted:
            return []
        if toks is None:
            toks = tokens(text)
        return [
            (toks[s][0], toks[e - 1][1])
            for s, e, ids in self.spans([t[2] for t in toks])
            if ids & wanted
        ]

    def expand(self, term_or_phrase: str) -> list[str]:
        """The phrase itself followed by every synonym of the concepts it names."""
        out = [term_or_phrase]
        seen = {keys(term_or_phrase)}
        for cid in sorted(self.lookup(term_or_phrase)):
            for surface in self.concepts[cid].surfaces:
                k = keys(surface)
                if k not in seen:
                    seen.add(k)
                    out.append(surface)
        return out

    def codes_for(self, concept_ids: Iterable[str]) -> dict[str, list[str]]:
        """Theme and support-type codes the given concepts stand for."""
        themes: set[str] = set()
        support: set[str] = set()
        for cid in concept_ids:
            c = self.concepts.get(cid)
            if c:
                themes.update(c.themes)
                support.update(c.support_types)
        return {"themes": sorted(themes), "support_types": sorted(support)}

    def suggest_codes(self, text: str) -> dict[str, list[str]]:
        """Theme / support-type codes suggested by the concepts found in ``text``."""
        return self.codes_for(self.concepts_in(text))


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus:
    """Search's thesaurus: ``search/data/thesaurus.json``, its Arabic, Chinese and Russian
    surfaces and search's own layer ``thesaurus_search.json`` (loaded once)."""
    return Thesaurus.from_file(layers=(SEARCH_FILE,))


@lru_cache(maxsize=1)
def base_thesaurus() -> Thesaurus:
    """``search/data/thesaurus.json`` (with its Arabic, Chinese and Russian surfaces)
    without search's layer: the matching engine and the code suggestions, whose judged
    sets were fitted on it."""
    return Thesaurus.from_file()


def expand(term_or_phrase: str) -> list[str]:
    """Synonyms of ``term_or_phrase`` across languages (itself first)."""
    return default_thesaurus().expand(term_or_phrase)


def concepts_in(text: str) -> set[str]:
    """Concept ids mentioned in ``text``."""
    return default_thesaurus().concepts_in(text)


def suggest_codes(text: str) -> dict[str, list[str]]:
    """``{"themes": [...], "support_types": [...]}`` suggested by ``text``."""
    return base_thesaurus().suggest_codes(text)
