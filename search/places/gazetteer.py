"""The gazetteer: places loaded from ``search/data/places_*.json`` and found in text.

``default_gazetteer()`` is cached; ``find`` reads names in the six UN languages
(longest match first, accents and case folded, short acronyms and names that are also
ordinary words only as written: "EU" and "Chad", not "eu" or "chad").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.core import get_global

from search.places.model import KIND_PRIORITY, Place, PlaceMention
from search.places.names import RU_STEM_MIN, fold, is_short_acronym, key, match_fold, words
from search.text.spelling import edit_distance, max_distance

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
STATES_FILE = "places_m49.json"
GROUPS_FILE = "places_groups.json"
#: Names of groups, organisations and informal regions in Arabic, Chinese and Russian.
MORE_NAMES_FILE = "places_names_ar_ru_zh.json"
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")
#: Languages whose names of states and M49 areas CLDR (Babel) adds to the UN names: all six,
#: so that a query, a Word form or an import naming a state as the pages show it (CLDR's
#: "South Korea", "Corée du Sud", "Чехия") reads the place, as the UN names do.
CLDR_LANGUAGES = LANGUAGES
GROUP_PREFIX = "group:"

#: Words shorter than this are not corrected to a place name ("Mali", "Oman" are too
#: close to other words).
MIN_CORRECTED = 6
#: How a name must be written to count: as is (acronyms), capitalised, or any way.
EXACT, CAPITAL, ANY = "exact", "capital", "any"


class Gazetteer:
    """Places by code, the places a state belongs to, and place names found in text."""

    def __init__(self, places: Iterable[Place], common_word_names: Iterable[str] = ()) -> None:
        self._places: dict[str, Place] = {}
        for p in places:
            if p.code in self._places:
                raise ValueError(f"duplicate place code {p.code}")
            self._places[p.code] = p
        self._by_folded_code = {c.casefold(): c for c in self._places}
        self._common = {fold(n) for n in common_word_names}
        self._index: dict[tuple[str, ...], list[tuple[int, str, str, tuple[str, ...]]]] = {}
        for p in self._places.values():
            for name in p.all_names():
                self._add_name(p, name)
        self._longest = max((len(k) for k in self._index), default=0)
        self._containing: dict[str, list[Place]] = {}
        for p in sorted(self._places.values(), key=_order):
            if p.kind == "state":
                continue
            for iso3 in p.members:
                self._containing.setdefault(iso3, []).append(p)
        self._keys = {
            iso3: frozenset(self.eligibility_key(p) for p in places)
            for iso3, places in self._containing.items()
        }

    def _add_name(self, place: Place, name: str) -> None:
        k = key(name)
        if not k:
            return
        if is_short_acronym(name):
            rule = EXACT
        elif fold(name) in self._common:
            rule = CAPITAL
        else:
            rule = ANY
        surface = tuple(w for _, _, w in words(name))
        entry = (KIND_PRIORITY[place.kind], place.code, rule, surface)
        entries = self._index.setdefault(k, [])
        if not any(e[1] == place.code and e[2] == rule for e in entries):
            entries.append(entry)
            entries.sort()

    # -- look-up ------------------------------------------------------------------
    def get(self, code: str) -> Place | None:
        """A place by code (``KEN``, ``m49:014``, ``group:Africa``, ``org:ECOWAS``,
        ``grouping:LDC``, ``informal:sahel``; case-insensitive), or a UN group by name."""
        code = (code or "").strip()
        found = self._places.get(code)
        if found is None:
            real = self._by_folded_code.get(code.casefold()) or self._by_folded_code.get(
                (GROUP_PREFIX + code).casefold()
            )
            found = self._places.get(real) if real else None
        return found

    def state(self, iso3: str) -> Place:
        """The member state ``iso3`` (``KeyError`` if it is not one)."""
        place = self._places.get((iso3 or "").upper())
        if place is None or place.kind != "state":
            raise KeyError(iso3)
        return place

    def states(self) -> list[Place]:
        return sorted((p for p in self._places.values() if p.kind == "state"), key=_order)

    def places(self, kind: str | None = None) -> list[Place]:
        """Every place (of ``kind``), in display order (kind, then name)."""
        return sorted(
            (p for p in self._places.values() if kind is None or p.kind == kind), key=_order
        )

    def containing(self, iso3: str) -> list[Place]:
        """Every place the state belongs to (not the state itself), in display order."""
        return list(self._containing.get((iso3 or "").upper(), ()))

    def un_group(self, iso3: str) -> str:
        """The state's UN regional group name (``"Africa"``)."""
        return next(p.name for p in self.containing(iso3) if p.kind == "un_group")

    def un_groups(self) -> tuple[str, ...]:
        """The five UN regional group names, in the order of the UN's list."""
        return tuple(p.name for p in self._places.values() if p.kind == "un_group")

    def subregion(self, iso3: str) -> Place:
        """The state's finest M49 sub-region (``Eastern Africa``, not ``Sub-Saharan Africa``)."""
        parent = self.state(iso3).parent
        assert parent is not None
        return self._places[parent]

    def eligibility_key(self, place: Place) -> str:
        """How programmes name the place in ``eligible_regions``: a UN group by its name
        (``"Africa"``), any other place by its code."""
        return place.name if place.kind == "un_group" else place.code

    def keys_of_state(self, iso3: str) -> frozenset[str]:
        """The ``eligible_regions`` values that include the state (its UN group name and
        the codes of every place it belongs to)."""
        return self._keys.get((iso3 or "").upper(), frozenset())

    def overlapping(self, members: Iterable[str]) -> list[Place]:
        """Places (not states) with at least one of ``members``."""
        wanted = set(members)
        return [p for p in self.places() if p.kind != "state" and p.members & wanted]

    # -- text ---------------------------------------------------------------------
    def find(self, text: str) -> list[PlaceMention]:
        """Places named in ``text``: longest names first, left to right, not overlapping."""
        tokens = list(words(text or ""))
        folded = [match_fold(w) for _, _, w in tokens]
        in_phrase = [match_fold(w, in_phrase=True) for _, _, w in tokens]
        out: list[PlaceMention] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self._longest, len(tokens) - i), 0, -1):
                k = tuple(folded[i : i + n] if n == 1 else in_phrase[i : i + n])
                place = self._match(k, [w for _, _, w in tokens[i : i + n]])
                if place is not None:
                    start, end = tokens[i][0], tokens[i + n - 1][1]
                    out.append(PlaceMention(start, end, text[start:end], place))
                    i += n
                    break
            else:
                i += 1
        return out

    def _match(self, k: tuple[str, ...], surface: list[str]) -> Place | None:
        for _, code, rule, name_words in self._index.get(k, ()):
            if rule == EXACT and [fold_accents(w) for w in surface] != [
                fold_accents(w) for w in name_words
            ]:
                continue
            if rule == CAPITAL and not surface[0][:1].isupper():
                continue
            if len(surface) == 1 and not _declined_form(surface[0], name_words[0]):
                continue
            return self._places[code]
        return None

    def closest_name(self, word: str) -> str | None:
        """The one-word place name, in Latin script, that ``word`` misspells ("Carribean" ->
        "Caribbean"): within ``search.text.spelling.max_distance`` edits of a name of five
        letters or more, not an acronym; None when there is none or two places tie."""
        folded = fold(word)
        if len(folded) < MIN_CORRECTED or not folded.isalpha() or not folded.isascii():
            return None
        maxd = max_distance(folded)
        grams = _bigrams(folded)
        need = len(grams) - 3 * maxd  # an edit changes at most three distinct bigrams
        best: dict[int, dict[str, str]] = {}
        for name, surface, code in self._one_word_names().get(folded[0], ()):
            if (
                abs(len(name) - len(folded)) <= maxd
                and name != folded
                and len(grams & _bigrams(name)) >= need
            ):
                d = edit_distance(folded, name)
                if d <= maxd:
                    best.setdefault(d, {}).setdefault(code, surface)
        if not best:
            return None
        found = best[min(best)]
        return next(iter(found.values())) if len(found) == 1 else None

    def _one_word_names(self) -> dict[str, list[tuple[str, str, str]]]:
        """``(folded name, name as written, place code)`` of the one-word Latin-script
        names that are no acronym, by first letter (a misspelling keeps it: "Carribean",
        "Phillipines"); cached."""
        cached: dict[str, list[tuple[str, str, str]]] | None = getattr(self, "_one_word", None)
        if cached is None:
            cached = {}
            for k, entries in self._index.items():
                if len(k) == 1 and len(k[0]) >= MIN_CORRECTED - 1 and k[0].isascii():
                    for _, code, rule, surface in entries:
                        if rule != EXACT:
                            cached.setdefault(k[0][0], []).append((k[0], surface[0], code))
            self._one_word = cached
        return cached

    # -- prose ----------------------------------------------------------------------
    def describe(self, place: Place, limit: int = 5) -> str:
        """``"Eastern Africa: 18 member states — Burundi, Comoros, …"``."""
        if place.kind == "state":
            return f"{place.name}: UN member state"
        names = sorted((self._places[c].name for c in place.members), key=fold)
        n = len(names)
        shown = ", ".join(names[:limit]) + (", …" if n > limit else "")
        noun = "member state" if n == 1 else "member states"
        return f"{place.name}: {n} {noun}" + (f" — {shown}" if n else "")


def _bigrams(word: str) -> set[str]:
    return {word[i : i + 2] for i in range(len(word) - 1)}


def _declined_form(word: str, name: str) -> bool:
    """A one-word Russian name matched on its stem must also be a declined form of it:
    only the ending changes (``Дании`` is Denmark, ``данных``, "of data", has the same
    stem and is not)."""
    if not ("\u0400" <= name[:1] <= "\u052f") or len(name) < RU_STEM_MIN:
        return True
    return fold(word).startswith(fold(name)[:-1])


def fold_accents(word: str) -> str:
    """Accents removed, case kept (``UÉ`` -> ``UE``)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _order(p: Place) -> tuple[int, str]:
    return (KIND_PRIORITY[p.kind], fold(p.name))


# -- loading ------------------------------------------------------------------------------


def _names(raw: Mapping[str, Any] | None) -> dict[str, list[str]]:
    raw = raw or {}
    return {lang: [n for n in raw.get(lang, []) if n] for lang in LANGUAGES}


def load(data_dir: Path = DATA_DIR) -> Gazetteer:
    """Read the data files; raise ``ValueError`` on unknown codes or dangling references."""
    m49 = json.loads((data_dir / STATES_FILE).read_text(encoding="utf-8"))
    groups = json.loads((data_dir / GROUPS_FILE).read_text(encoding="utf-8"))
    states = {s["iso3"]: s for s in m49["states"]}
    areas = {a["code"]: a for a in m49["areas"]}
    aliases = {k: v for k, v in groups.get("area_aliases", {}).items() if not k.startswith("_")}
    places: list[Place] = []

    def ancestors(code: str | None) -> Iterable[str]:
        while code:
            yield code
            code = areas[code]["parent"]

    area_members: dict[str, set[str]] = {code: set() for code in areas}
    for s in states.values():
        for code in {*ancestors(s["subregion"]), s["region"]}:
            area_members[code].add(s["iso3"])
        places.append(
            Place(
                code=s["iso3"],
                kind="state",
                name=s["name"],
                members=frozenset([s["iso3"]]),
                names=_names(s["names"]),
                parent=s["subregion"],
            )
        )
    for code, a in areas.items():
        names = _names(a["names"])
        for lang, extra in _names(aliases.pop(code, None)).items():
            names[lang] = list(dict.fromkeys(names[lang] + extra))
        places.append(
            Place(
                code=code,
                kind=a["kind"],
                name=a["name"],
                members=frozenset(area_members[code]),
                names=names,
                parent=a["parent"],
                source="UN M49",
            )
        )
    if aliases:
        raise ValueError(f"area_aliases for unknown areas: {sorted(aliases)}")
    for g in groups["un_groups"]:
        members = frozenset(i for i, s in states.items() if s["un_group"] == g["name"])
        places.append(
            Place(g["code"], "un_group", g["name"], members, _names(g["names"]), source="UN DGACM")
        )
    for g in groups["groupings"]:
        members = frozenset(i for i, s in states.items() if g["code"] in s["groupings"])
        places.append(
            Place(
                g["code"], "grouping", g["name"], members, _names(g["names"]),
                acronyms=tuple(g.get("acronyms", ())), source=g.get("source", ""),
            )
        )  # fmt: skip
    pending = [("organisation", o) for o in groups["organisations"]]
    pending += [("informal", o) for o in groups["informal"]]
    known = {p.code: p for p in places}
    while pending:
        waiting = []
        for kind, o in pending:
            refs = o.get("members_of", [])
            if any(r not in known for r in refs):
                waiting.append((kind, o))
                continue
            members = set(o.get("members", []))
            for r in refs:
                members |= known[r].members
            unknown = members - states.keys()
            if unknown:
                raise ValueError(f"{o['code']}: not UN member states: {sorted(unknown)}")
            place = Place(
                code=o["code"],
                kind=kind,  # type: ignore[arg-type]
                name=o["name"],
                members=frozenset(members),
                names=_names(o.get("names")),
                acronyms=tuple(o.get("acronyms", ())),
                source=o.get("source", ""),
                as_of=o.get("as_of", ""),
                basis=o.get("basis", ""),
                note=o.get("note", ""),
            )
            known[place.code] = place
            places.append(place)
        if len(waiting) == len(pending):
            raise ValueError(f"unresolved members_of: {[o['code'] for _, o in waiting]}")
        pending = waiting
    places = _with_adjectives(places, groups.get("adjectives", {}))
    more = json.loads((data_dir / MORE_NAMES_FILE).read_text(encoding="utf-8"))["names"]
    unknown_codes = set(more) - {p.code for p in places}
    if unknown_codes:
        raise ValueError(f"{MORE_NAMES_FILE}: unknown places {sorted(unknown_codes)}")
    cldr = {lang: Locale.parse(lang).territories for lang in CLDR_LANGUAGES}
    places = [_with_more_names(p, more.get(p.code, {}), cldr) for p in places]
    return Gazetteer(places, groups.get("common_word_names", {}).get("names", ()))


def _with_adjectives(places: list[Place], adjectives: Mapping[str, Any]) -> list[Place]:
    """``places`` with the adjectives of their names ("East African", "ouest-africain",
    "centroamericano") among their names: a query writing one reads the place."""
    listed = {k: v for k, v in adjectives.items() if not k.startswith("_")}
    unknown = set(listed) - {p.code for p in places}
    if unknown:
        raise ValueError(f"adjectives for unknown places: {sorted(unknown)}")
    out = []
    for p in places:
        extra = _names(listed.get(p.code))
        if any(extra.values()):
            names = {
                lang: list(dict.fromkeys([*p.names.get(lang, []), *extra[lang]]))
                for lang in LANGUAGES
            }
            p = replace(p, names=names)
        out.append(p)
    return out


def _cldr_code(place: Place) -> str | None:
    """The CLDR territory code of a state (``KE``) or an M49 area (``143``)."""
    if place.kind == "state":
        return (get_global("territory_aliases").get(place.code) or [None])[0]
    return place.code.removeprefix("m49:") if place.code.startswith("m49:") else None


def _with_more_names(
    place: Place, listed: Mapping[str, list[str]], cldr: Mapping[str, Mapping[str, str]]
) -> Place:
    """``place`` with CLDR's names in the six languages (states and M49 areas), after the
    UN names of ``places_m49.json``, and its Arabic, Chinese and Russian names of
    ``places_names_ar_ru_zh.json`` (groups, organisations, informal names)."""
    code = _cldr_code(place)
    names = dict(place.names)
    for lang in CLDR_LANGUAGES:
        extra = [n for n in (cldr[lang].get(code or ""), *listed.get(lang, ())) if n]
        if extra:
            names[lang] = list(dict.fromkeys([*names.get(lang, []), *extra]))
    return replace(place, names=names)


@cache
def un_group_names() -> tuple[str, ...]:
    """The five UN regional group names, read without building the whole gazetteer."""
    groups = json.loads((DATA_DIR / GROUPS_FILE).read_text(encoding="utf-8"))
    return tuple(g["name"] for g in groups["un_groups"])


@cache
def state_groups() -> dict[str, str]:
    """Every member state's UN regional group (``{"KEN": "Africa", …}``), read without
    building the whole gazetteer."""
    m49 = json.loads((DATA_DIR / STATES_FILE).read_text(encoding="utf-8"))
    return {s["iso3"]: s["un_group"] for s in m49["states"]}


@cache
def default_gazetteer() -> Gazetteer:
    """The gazetteer of ``search/data`` (loaded once per process)."""
    return load()
