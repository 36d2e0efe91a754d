"""Query understanding: languages and places named in the text, themes its words stand for.

``understand(text, ...)`` finds

- **language phrases** ("in French", "en français", "en español", "на русском", "بالعربية",
  "French-speaking", "francophone"): the phrase leaves the words to search and becomes a
  ``languages`` filter;
- **places** (a state, a sub-region, an organisation, a grouping, through a gazetteer with
  ``find(text)``): the name leaves the words to search, becomes a ``place`` filter (records
  from, targeted at or open to its states) and a boost for records from or targeted at its
  states;
- **themes and support types** (``themes`` / ``support_types`` codes of the thesaurus
  concepts the words name: "CSIRT", "workshop", "tabletop"), which already match those codes
  (``Concept`` nodes): they are reported so the user sees and can undo them.

Only plain queries are read this way: with ``AND``/``OR``/``NOT``, parentheses or ``-word``
the user asked for exactly what they typed.  Quoted text is never read.  Every reading has a
``key``; a key in ``literal`` leaves its words as plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from search.interface import query as query_module
from search.interface.results import Reading
from search.querylang.parser import And, Concept, FieldTerm, Node, Or
from search.text.analysis import fold
from search.text.thesaurus import Thesaurus

#: ISO 639-1 code -> English name (for labels).
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "zh": "Chinese",
    "en": "English",
    "fr": "French",
    "ru": "Russian",
    "es": "Spanish",
    "pt": "Portuguese",
}

#: Folded language names after a preposition, per preposition ("in French", "en français").
_NAMES_AFTER: dict[str, dict[str, str]] = {
    "in": {
        "arabic": "ar",
        "chinese": "zh",
        "mandarin": "zh",
        "english": "en",
        "french": "fr",
        "russian": "ru",
        "spanish": "es",
        "portuguese": "pt",
    },
    "en": {
        # French
        "arabe": "ar",
        "chinois": "zh",
        "anglais": "en",
        "francais": "fr",
        "russe": "ru",
        "espagnol": "es",
        "portugais": "pt",
        # Spanish
        "chino": "zh",
        "ingles": "en",
        "frances": "fr",
        "ruso": "ru",
        "espanol": "es",
        "castellano": "es",
        "portugues": "pt",
    },
    "на": {
        "арабском": "ar",
        "китаиском": "zh",
        "английском": "en",
        "французском": "fr",
        "русском": "ru",
        "испанском": "es",
        "португальском": "pt",
    },
    "em": {"portugues": "pt", "ingles": "en", "frances": "fr", "espanhol": "es"},
}
#: Words after the language name that belong to the phrase ("in the French language").
_LANGUAGE_WORDS = {"language", "languages", "langue", "idioma", "lengua", "языке", "языка"}
#: Single words naming a language of delivery.
_SINGLE: dict[str, str] = {
    "francophone": "fr",
    "francophones": "fr",
    "anglophone": "en",
    "anglophones": "en",
    "hispanophone": "es",
    "hispanohablante": "es",
    "hispanohablantes": "es",
    "lusophone": "pt",
    "lusophones": "pt",
    "arabophone": "ar",
    "arabophones": "ar",
    "русскоязычных": "ru",
    "русскоязычные": "ru",
    "بالعربية": "ar",
    "بالفرنسية": "fr",
    "بالإنجليزية": "en",
    "بالانجليزية": "en",
    "بالإسبانية": "es",
    "بالروسية": "ru",
    "بالصينية": "zh",
    "中文": "zh",
    "用中文": "zh",
    "汉语": "zh",
    "英文": "en",
    "英语": "en",
    "法语": "fr",
}
#: "French-speaking", "English language": a language name followed by one of these.
_SPEAKING = {"speaking", "language", "speakers"}
_ENGLISH_NAMES = _NAMES_AFTER["in"]
#: "باللغة العربية": the Arabic phrase "in the language" followed by a name.
_ARABIC_LANGUAGE = {"باللغة", "بلغة"}
_ARABIC_NAMES = {
    "العربية": "ar",
    "الفرنسية": "fr",
    "الإنجليزية": "en",
    "الانجليزية": "en",
    "الإسبانية": "es",
    "الروسية": "ru",
    "الصينية": "zh",
}

_TOKEN = re.compile(r"[^\W_]+")


def _folded(table: dict[str, str]) -> dict[str, str]:
    return {fold(k): v for k, v in table.items()}


_NAMES_AFTER = {fold(p): _folded(names) for p, names in _NAMES_AFTER.items()}
_SINGLE = _folded(_SINGLE)
_ENGLISH_NAMES = _NAMES_AFTER["in"]
_ARABIC_LANGUAGE = {fold(w) for w in _ARABIC_LANGUAGE}
_ARABIC_NAMES = _folded(_ARABIC_NAMES)
_LANGUAGE_WORDS = {fold(w) for w in _LANGUAGE_WORDS}


#: Words asking for one kind of record ("needs in Eastern Africa", "programmes for ECOWAS").
KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "need",
            "needs",
            "request",
            "requests",
            "besoin",
            "besoins",
            "demande",
            "demandes",
            "necesidad",
            "necesidades",
            "solicitud",
            "solicitudes",
            "потребности",
            "потребностей",
            "запросы",
            "запросов",
            "заявки",
            "заявок",
            "احتياجات",
            "الاحتياجات",
            "طلبات",
            "الطلبات",
            "需求",
        ],
        "request",
    ),
    **dict.fromkeys(
        [
            "programme",
            "programmes",
            "program",
            "programs",
            "programa",
            "programas",
            "offer",
            "offers",
            "offre",
            "offres",
            "oferta",
            "ofertas",
            "программа",
            "программы",
            "программ",
            "برنامج",
            "برامج",
            "البرامج",
        ],
        "programme",
    ),
}
KIND_LABELS = {"request": "Requests only", "programme": "Programmes only"}


def kind_spans(text: str, thesaurus: Thesaurus | None) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of words asking for requests or programmes, outside the
    thesaurus phrases they may belong to ("needs assessment" is research, not a kind)."""
    toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    inside: set[int] = set()
    if thesaurus is not None:
        for s, e, _ in thesaurus.spans([t[2] for t in toks]):
            if e - s > 1:
                inside.update(range(s, e))
    out = []
    for i, (start, end, raw) in enumerate(toks):
        kind = KIND_WORDS.get(fold(raw))
        if kind and i not in inside:
            out.append((start, end, kind))
    kinds = {k for _, _, k in out}
    return out if len(kinds) == 1 else []  # "needs and programmes": no preference


#: Words after a place name that belong to it ("Andean countries", "pays du Sahel").
_PLACE_TAIL = re.compile(
    r"\s+(?:countries|country|states|nations|region|member states|pays|países|paises|estados"
    r"|стран[аыу]?|странах|государств[аоу]?|государствах)\b"
    r"|\s*(?:国家|各国)",
    re.IGNORECASE,
)


#: Words before a place name that only say "for it" ("open to Central Asia", "ouverts au
#: Sénégal", "abiertos a Centroamérica", "eligible for ECOWAS states"): they belong to the
#: place's reading (its filter already keeps what is open to it), not to the words searched.
_PLACE_HEAD = re.compile(
    r"(?:\b(?:open(?:ed)?|available|eligible|accessible|restricted|limited|reserved"
    r"|ouvert(?:e|s|es)?|accessibles?|destin[ée](?:e|s|es)?|r[ée]serv[ée](?:e|s|es)?"
    r"|abiert[oa]s?|disponibles?|dirigid[oa]s?|destinad[oa]s?|reservad[oa]s?"
    r"|elegibles?|[ée]ligibles?)"
    r"\s+(?:to|for|in|à|a|au|aux|al|pour|para|en)"
    r"(?:\s+(?:the|les|la|le|los|las|el))?\s*(?:l['’]\s*)?"
    # "countries" before an adjective: "les pays ouest-africains", "los países andinos".
    r"|\b(?:pays|pa[ií]ses|[ée]tats|estados|états)\s+"
    # Russian names a place after "countries of": "для стран Центральной Азии".
    r"|(?:\b(?:для|в|из|от)\s+)?\b(?:стран[аыу]?|странах|странам|государств[аоу]?"
    r"|государствах|государствам)\s+)$",
    re.IGNORECASE,
)


class PlaceLike(Protocol):
    code: str
    name: str
    kind: str
    members: frozenset[str]


class MentionLike(Protocol):
    start: int
    end: int
    surface: str
    place: PlaceLike


class PlaceRecogniser(Protocol):
    """What the interpretation needs from a gazetteer (``search.places``)."""

    def find(self, text: str) -> Sequence[MentionLike]: ...

    def describe(self, place: PlaceLike) -> str: ...


@lru_cache(maxsize=1)
def default_places() -> PlaceRecogniser | None:
    """The shipped gazetteer, or None when this build has none."""
    try:
        from search.places import default_gazetteer  # type: ignore[import-not-found]
    except ImportError:
        return None
    return default_gazetteer()  # type: ignore[no-any-return]


@dataclass
class Understanding:
    """What ``understand`` found: the words left to search, readings, filters, boosts."""

    text: str
    readings: list[Reading] = field(default_factory=list)
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Optional clauses that rank matching records higher (never required).
    boosts: list[Node] = field(default_factory=list)


def language_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, code)`` of every language phrase in ``text``."""
    toks = [(m.start(), m.end(), fold(m.group())) for m in _TOKEN.finditer(text)]
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(toks):
        start, _, word = toks[i]
        code, last = None, i
        nxt = toks[i + 1][2] if i + 1 < len(toks) else ""
        if word in _NAMES_AFTER and nxt == "the" and i + 2 < len(toks):
            found = _NAMES_AFTER[word].get(toks[i + 2][2])
            code, last = (found, i + 2) if found else (None, i)
        if code is None and word in _NAMES_AFTER and nxt in _NAMES_AFTER[word]:
            code, last = _NAMES_AFTER[word][nxt], i + 1
        elif code is None and word in _ARABIC_LANGUAGE and nxt in _ARABIC_NAMES:
            code, last = _ARABIC_NAMES[nxt], i + 1
        elif code is None and word in _SINGLE:
            code = _SINGLE[word]
        elif code is None and word in _ENGLISH_NAMES and nxt in _SPEAKING:
            code, last = _ENGLISH_NAMES[word], i + 1
        if code is None:
            i += 1
            continue
        if last + 1 < len(toks) and toks[last + 1][2] in _LANGUAGE_WORDS:
            last += 1
        out.append((start, toks[last][1], code))
        i = last + 1
    return out


def _cut(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the character ``spans`` replaced by a space."""
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(" ")
        pos = end
    out.append(text[pos:])
    return re.sub(r"\s+", " ", "".join(out)).strip()


_EXACT = re.compile(r'[^\s:"()]+:(?:"[^"]*"?|\S*)|"[^"]*"?')


def _quoted(text: str) -> list[tuple[int, int]]:
    """Character spans of quoted phrases and ``field:value`` terms (read exactly)."""
    return [(m.start(), m.end()) for m in _EXACT.finditer(text)]


def _outside(span: tuple[int, int], holes: list[tuple[int, int]]) -> bool:
    return all(span[1] <= s or span[0] >= e for s, e in holes)


def understand(
    text: str,
    places: PlaceRecogniser | None,
    literal: frozenset[str] = frozenset(),
    thesaurus: Thesaurus | None = None,
) -> Understanding:
    """Read languages, places and kinds in ``text`` (a plain query; see the module doc)."""
    holes = _quoted(text)
    readings: list[tuple[int, Reading]] = []
    cut: list[tuple[int, int]] = []
    filters: dict[str, tuple[str, ...]] = {}
    boosts: list[Node] = []
    for start, end, kind in kind_spans(text, thesaurus):
        key = f"kind:{kind}"
        if key in literal or not _outside((start, end), holes):
            continue
        if "kind" not in filters:
            reading = Reading(key, "kind", kind, text[start:end], KIND_LABELS[kind], "filter")
            readings.append((start, reading))
            filters["kind"] = (kind,)
        cut.append((start, end))
    for start, end, code in language_spans(text):
        key = f"languages:{code}"
        if key in literal or not _outside((start, end), holes):
            continue
        name = LANGUAGE_NAMES.get(code, code)
        surface = text[start:end]
        readings.append((start, Reading(key, "languages", code, surface, f"In {name}", "filter")))
        cut.append((start, end))
        filters["languages"] = (*filters.get("languages", ()), code)
    if places is not None:
        for mention in places.find(text):
            span = (mention.start, mention.end)
            place = mention.place
            key = f"place:{place.code}"
            if key in literal or not _outside(span, holes) or not _outside(span, cut):
                continue
            if any(r.key == key for _, r in readings):
                continue
            place_filter = getattr(query_module, "PLACE", None)
            effect = "filter" if place_filter else "boost"
            detail = places.describe(place)
            readings.append(
                (
                    mention.start,
                    Reading(key, "place", place.code, mention.surface, place.name, effect, detail),
                )
            )
            if place_filter:
                # The name leaves the words: the filter finds its records.
                tail = _PLACE_TAIL.match(text, mention.end)
                head = _PLACE_HEAD.search(text, 0, span[0])
                start = (
                    head.start() if head and _outside((head.start(), span[0]), holes) else span[0]
                )
                cut.append((start, tail.end() if tail else span[1]))
                filters[place_filter] = (*filters.get(place_filter, ()), place.code)
            boosts.append(_from_or_targeted(place.members))
    readings.sort(key=lambda p: p[0])
    return Understanding(_cut(text, cut), [r for _, r in readings], filters, boosts)


def _from_or_targeted(members: Iterable[str]) -> Node:
    """Records from one of ``members`` or naming one of them in their eligibility."""
    terms = tuple(FieldTerm("countries", iso3) for iso3 in sorted(members))
    return terms[0] if len(terms) == 1 else Or(terms)


def code_readings(node: Node | None, thesaurus: Thesaurus) -> list[Reading]:
    """Theme and support-type readings of the ``Concept`` nodes in ``node``."""
    out: dict[str, Reading] = {}
    for concept in _concepts(node):
        codes = thesaurus.codes_for(concept.ids)
        surface = _surface(concept.inner)
        for field_name in ("themes", "support_types"):
            for code in codes[field_name]:
                key = f"{field_name}:{code}"
                if key not in out:
                    label = code.replace("_", " ").capitalize()
                    out[key] = Reading(key, field_name, code, surface, label, "boost")
    return list(out.values())


def drop_concepts(node: Node | None, thesaurus: Thesaurus, literal: frozenset[str]) -> Node | None:
    """``node`` with the concepts standing for an undone code searched as plain words."""
    if node is None or not literal:
        return node
    if isinstance(node, Concept):
        codes = thesaurus.codes_for(node.ids)
        keys = {f"{f}:{c}" for f in ("themes", "support_types") for c in codes[f]}
        inner = drop_concepts(node.inner, thesaurus, literal) or node.inner
        return inner if keys & literal else Concept(node.ids, inner)
    items = getattr(node, "items", None)
    if items is not None:
        out: list[Node] = []
        for n in items:
            dropped = drop_concepts(n, thesaurus, literal) or n
            if isinstance(node, And) and isinstance(n, Concept) and isinstance(dropped, And):
                # An undone concept of several words ("incident response") gives back
                # its words as loose words of the query, not one required group.
                out.extend(dropped.items)
            else:
                out.append(dropped)
        return type(node)(tuple(out))
    return node


def _concepts(node: Node | None) -> list[Concept]:
    if node is None:
        return []
    if isinstance(node, Concept):
        return [node]
    out: list[Concept] = []
    for child in getattr(node, "items", ()):
        out.extend(_concepts(child))
    return out


def _surface(node: Node) -> str:
    text = getattr(node, "text", None)
    if isinstance(text, str):
        return text
    words = getattr(node, "words", None)
    if words:
        return " ".join(words)
    return " ".join(_surface(n) for n in getattr(node, "items", ()))
