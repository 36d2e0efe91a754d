"""Find states and organisations named in free text (Word uploads, account requests)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from sqlalchemy import select

from kb.extensions import db
from kb.models import Country, Organisation


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


def mentioned_countries(text: str) -> list[str]:
    """ISO3 codes of the states named in ``text``, most mentioned first."""
    folded = fold(text)
    counts: Counter[str] = Counter()
    for country in countries():
        found = _named(country.name, folded)
        if found:
            counts[country.iso3] = found
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
