"""Find states and organisations named in free text (Word uploads, account requests), and the
state a form's cell names, in any of the six languages."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from sqlalchemy import select

from kb.extensions import db
from kb.i18n import state_codes, state_names
from kb.models import Country, Organisation
from search.places import default_gazetteer
from search.places.names import fold as fold_word
from search.places.names import words


def fold(text: str) -> str:
    """Lower case without accents, for matching names ("Côte d'Ivoire" → "cote d'ivoire")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("’", "'").casefold()


def countries() -> list[Country]:
    return list(db.session.scalars(select(Country).order_by(Country.name)))


def _named(name: str, folded_text: str) -> int:
    """How often ``name`` occurs in ``folded_text`` as whole words."""
    if not name:
        return 0
    return len(re.findall(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)", folded_text))


def name_key(name: str) -> tuple[str, ...]:
    """A name as a cell is compared by: its words, lower case, without accents (not stemmed:
    a cell holds a name, not a sentence, and "Нигер" is not "Нигерия")."""
    return tuple(fold_word(w) for _, _, w in words(name))


@lru_cache(maxsize=1)
def _states_by_name() -> dict[tuple[str, ...], str]:
    """Every name of every state (:func:`kb.i18n.state_names`: CLDR's and the UN's in the six
    languages, formal names, common short forms) by its folded words; a name two states share
    is left out rather than guessed."""
    found: dict[tuple[str, ...], str] = {}
    shared: set[tuple[str, ...]] = set()
    for iso3 in state_codes():
        for name in state_names(iso3):
            k = name_key(name)
            if k and found.setdefault(k, iso3) != iso3:
                shared.add(k)
    return {k: iso3 for k, iso3 in found.items() if k not in shared}


def state_named(text: str) -> Country | None:
    """The state ``text`` names — its ISO alpha-3 code, or any of its names in any of the six
    languages ("Corée du Sud", "Republic of Korea", "大韩民国", "Côte d'Ivoire", "Ivory
    Coast") — as a form's cell or an import's column writes it; ``None`` if none or not one."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) == 3 and text.isascii() and text.isalpha():
        found = db.session.get(Country, text.upper())
        if found is not None:
            return found
    iso3 = _states_by_name().get(name_key(text))
    return db.session.get(Country, iso3) if iso3 else None


def mentioned_countries(text: str) -> list[str]:
    """ISO3 codes of the states named in ``text`` (by any of their names in the six languages,
    as the gazetteer reads them), most mentioned first."""
    known = {c.iso3: c for c in countries()}
    counts: Counter[str] = Counter(
        m.place.code
        for m in default_gazetteer().find(text)
        if m.place.kind == "state" and m.place.code in known
    )
    folded = fold(text)
    for iso3 in known.keys() - {p.code for p in default_gazetteer().states()}:
        found = sum(_named(name, folded) for name in state_names(iso3))
        if found:
            counts[iso3] = found
    return [iso3 for iso3, _ in counts.most_common()]


def mentioned_organisation(text: str) -> Organisation | None:
    """The listed organisation named (by name or acronym) in ``text``; the longest name wins,
    so "Council of Europe" is preferred to an acronym that happens to be a word."""
    folded = fold(text)
    best: tuple[int, Organisation] | None = None
    for org in db.session.scalars(select(Organisation)):
        for name in (org.name, org.acronym or ""):
            if len(name) >= 2 and _named(name, folded) and (best is None or len(name) > best[0]):
                best = (len(name), org)
    return best[1] if best else None
