"""Whoosh schema and the conversion of a ``Record`` into whoosh field values.

Design: text is analysed by ``search.text.analysis`` (fast, memoised) and handed to whoosh as
pre-tokenised lists, so index and query sides use exactly the same analysis.  Each
record fills only the text fields of its own language (``title_fr``/``desc_fr``...; the
neutral ``*_xx`` fields for languages without a stemmer), which partitions postings by
language.  Thesaurus concepts found at index time go to ``tconcepts``/``dconcepts`` so a
query naming a concept reaches every language with one term lookup.  Filter and facet
values are KEYWORD fields.  Only what hits and snippets need is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh import columns, fields
from whoosh.analysis import Composable, Token, entoken

from search.interface.documents import Record
from search.interface.query import TAG_FIELDS
from search.text.analysis import (
    LANGUAGE_KEYS,
    analyze,
    language_key,
    words,
)
from search.text.thesaurus import Thesaurus

#: Bump when the fields or their analysis change, or what the app's documents hold (5: a
#: programme open to places lists their states): the index then needs a rebuild, and
#: ``flask search reindex --if-needed`` (``make run``) does it.
SCHEMA_VERSION = 5
TITLE_BOOST = 4.0
NAMES_BOOST = 2.0
CODES_BOOST = 2.0
DESC_BOOST = 1.0
#: Characters of the description stored for snippets.
SNIPPET_CHARS = 4000

TITLE_FIELDS = {lang: f"title_{lang}" for lang in LANGUAGE_KEYS}
DESC_FIELDS = {lang: f"desc_{lang}" for lang in LANGUAGE_KEYS}
TEXT_FIELDS: tuple[str, ...] = (*TITLE_FIELDS.values(), *DESC_FIELDS.values(), "names")


class FastAnalyzer(Composable):
    """Whoosh analyzer running ``search.text.analysis`` (memoised, one pass, no token chain).

    Used for raw strings, so that with ``procs > 1`` analysis runs in the writer
    sub-processes.  ``lang`` is a language key, or ``"names"`` for folded words.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FastAnalyzer) and other.lang == self.lang

    def __hash__(self) -> int:
        return hash(("FastAnalyzer", self.lang))

    def __call__(self, value: str, **kwargs: Any) -> Iterator[Token]:
        items = words(value) if self.lang == "names" else analyze(value, self.lang)
        kwargs.pop("tokenize", None)
        kwargs.pop("removestops", None)
        return entoken(items, **kwargs)


def _tags(boost: float = 1.0) -> fields.KEYWORD:
    # Always scorable: whoosh stats the file system for every posting of a field that
    # has no length column (codec/whoosh3.py ``_cached_reader``), which made indexing
    # several times slower.
    return fields.KEYWORD(commas=True, scorable=True, field_boost=boost)


def build_schema() -> fields.Schema:
    """The whoosh schema (see module docstring)."""
    spec: dict[str, Any] = {
        "id": fields.ID(stored=True, unique=True),
        "data": fields.STORED(),
        "names": fields.TEXT(analyzer=FastAnalyzer("names"), field_boost=NAMES_BOOST),
        "tconcepts": _tags(TITLE_BOOST),
        "dconcepts": _tags(DESC_BOOST),
        "access": _tags(),
        "created": fields.COLUMN(columns.NumericColumn("q", default=0)),
        "updated": fields.COLUMN(columns.NumericColumn("q", default=0)),
    }
    for lang in LANGUAGE_KEYS:
        spec[TITLE_FIELDS[lang]] = fields.TEXT(analyzer=FastAnalyzer(lang), field_boost=TITLE_BOOST)
        spec[DESC_FIELDS[lang]] = fields.TEXT(analyzer=FastAnalyzer(lang), field_boost=DESC_BOOST)
    for name in TAG_FIELDS:
        spec[name] = _tags(CODES_BOOST if name in ("themes", "support_types") else 1.0)
    return fields.Schema(**spec)


def to_fields(rec: Record, thesaurus: Thesaurus) -> dict[str, Any]:
    """Field values for ``writer.add_document`` / ``update_document``."""
    lang = language_key(rec.text_language)
    out: dict[str, Any] = {
        "id": rec.id,
        "data": (rec.kind, rec.title, rec.description[:SNIPPET_CHARS], rec.text_language),
        "created": rec.created_at,
        "updated": rec.updated_at,
    }
    if rec.title:
        out[TITLE_FIELDS[lang]] = rec.title
    if rec.description:
        out[DESC_FIELDS[lang]] = rec.description
    names = " ".join((rec.organisation_name, *rec.country_names)).strip()
    if names:
        out["names"] = names
    lists = {
        "tconcepts": sorted(thesaurus.concepts_in(rec.title)),
        "dconcepts": sorted(thesaurus.concepts_in(rec.description)),
        "access": list(rec.access),
    }
    for name in TAG_FIELDS:
        lists[name] = list(rec.tags(name))
    out.update((k, v) for k, v in lists.items() if v)
    return out
