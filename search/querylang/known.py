"""The values a field filter can take, and the closest known ones to a value it cannot.

``theme:nonsense`` stays strict (it matches nothing), but the user is told that "nonsense"
is not a known theme and offered the closest known themes, or all of them when none is close
(``Notice("unknown_value")``).  The code lists repeat the app's (``kb/codes.py``; ``search``
never imports ``kb``): themes and support types as in ``search.matching.codes``, the record
kinds, the languages records are written or offered in, the five UN regional groups and
``global``, and the member states (ISO3) of the gazetteer.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache

from search.interface.documents import REGIONS
from search.interface.query import FIELD_ALIASES, normalise_value
from search.interface.results import Notice
from search.querylang.parser import FieldTerm, Node
from search.text.analysis import fold

#: The languages of the records (ISO 639-1): the six UN languages and Portuguese.
LANGUAGES = ("ar", "en", "es", "fr", "pt", "ru", "zh")
KINDS = ("request", "programme", "initiative")
#: How each field is named in the English sentence.
FIELD_NOUNS = {
    "kind": "record kind",
    "themes": "theme",
    "support_types": "support type",
    "languages": "language code",
    "regions": "region",
    "countries": "country code",
}
#: At most this many close values are offered.
CLOSEST = 3


@lru_cache(maxsize=1)
def _known() -> dict[str, tuple[str, ...]]:
    from search.matching.codes import SUPPORT_TYPES, THEMES
    from search.places import default_gazetteer

    states = sorted(p.code for p in default_gazetteer().states())
    return {
        "kind": KINDS,
        "themes": tuple(THEMES),
        "support_types": tuple(SUPPORT_TYPES),
        "languages": LANGUAGES,
        "regions": tuple(REGIONS),
        "countries": tuple(states),
    }


def known_values(field_name: str) -> tuple[str, ...] | None:
    """Every value ``field_name`` can take, or None when the field has no closed list."""
    return _known().get(field_name)


def closest_values(field_name: str, value: str) -> tuple[tuple[str, ...], bool]:
    """``(values, close)``: the known values closest to ``value`` (``close``), else every
    known value when the list is short, else none."""
    known = known_values(field_name) or ()
    if field_name == "countries":
        from search.places import default_gazetteer

        g = default_gazetteer()
        found = [m.place.code for m in g.find(value) if m.place.kind == "state"]
        name = g.closest_name(value)
        if not found and name:
            found = [m.place.code for m in g.find(name) if m.place.kind == "state"]
        return tuple(dict.fromkeys(found))[:CLOSEST], True
    words = {fold(v.replace("_", " ")): v for v in known}
    typed = fold(value.replace("_", " "))
    close = []
    if field_name in ("themes", "support_types"):  # what the word stands for: workshop -> training
        from search.text.thesaurus import default_thesaurus

        t = default_thesaurus()
        close = [c for c in t.codes_for(t.lookup(typed))[field_name] if c in known]
    close += [words[w] for w in difflib.get_close_matches(typed, list(words), CLOSEST, 0.6)]
    close += [v for w, v in words.items() if typed and typed in w.split()]
    if close:
        return tuple(dict.fromkeys(close))[:CLOSEST], True
    return (known if len(known) <= 15 else ()), False


def unknown_values(text: str, node: Node | None) -> list[Notice]:
    """One notice per field term of ``node`` whose value its field does not know
    (``theme:nonsense``), with the term and its value as typed in ``text`` (``words``,
    ``missing``) and the values offered instead (``choices``)."""
    out: list[Notice] = []
    seen: set[tuple[str, str]] = set()
    for term in _field_terms(node):
        known = known_values(term.field)
        if known is None or term.value in known or (term.field, term.value) in seen:
            continue
        seen.add((term.field, term.value))
        choices, close = closest_values(term.field, term.value)
        typed = _typed(text, term)
        out.append(
            Notice(
                "unknown_value",
                words=typed,
                missing=(typed.partition(":")[2].strip('"') or term.value,),
                keys=(term.field,),
                choices=choices,
                close=close,
            )
        )
    return out


def unknown_message(n: Notice) -> str:
    """The English sentence of an ``unknown_value`` notice."""
    noun = FIELD_NOUNS.get(n.keys[0], n.keys[0])
    head = f"“{n.missing[0]}” is not a known {noun}"
    if not n.choices:
        return head + "."
    listed = ", ".join(n.choices)
    return head + (f"; the closest: {listed}." if n.close else f"; known values: {listed}.")


def _field_terms(node: Node | None) -> Iterable[FieldTerm]:
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop(0)
        if isinstance(n, FieldTerm):
            yield n
            continue
        for attr in ("items", "item", "inner"):
            child = getattr(n, attr, None)
            if isinstance(child, tuple):
                stack.extend(child)
            elif child is not None:
                stack.append(child)


_TERM = re.compile(r'(?<![^\s(])([^\s:()"]+):("[^"]*"?|[^\s()"]+)')


def field_terms_typed(text: str) -> list[tuple[str, str, str]]:
    """``(as typed, field, value)`` of each field term of ``text`` (``theme:nonsense``,
    ``Country:"KEN"``), in order."""
    out = []
    for m in _TERM.finditer(text):
        field_name = FIELD_ALIASES.get(m.group(1).lower())
        value = m.group(2).strip('"')
        if field_name and value.strip():
            out.append((m.group(0), field_name, normalise_value(field_name, value)))
    return out


def _typed(text: str, term: FieldTerm) -> str:
    """``theme:nonsense`` as it was typed in ``text`` (alias, case, quotes), or ``""``."""
    for typed, field_name, value in field_terms_typed(text):
        if (field_name, value) == (term.field, term.value):
            return typed
    return ""
