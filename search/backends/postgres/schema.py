"""PostgreSQL tables for the ``postgres`` backend, and a ``Record`` as a table row.

Text is analysed by ``search.text.analysis`` (the same folding, stop words and stemming as the
other backends), not by PostgreSQL's dictionaries: the ``tsvector`` is written in its literal
input format, where lexemes are taken verbatim.  Each lexeme carries a namespace so one
column holds every field:

=================  =====================================  ======  =========
lexeme             what                                   weight  positions
=================  =====================================  ======  =========
``en:incid``       title / description term (language     A / D   title from 1, the
                   key of the record: en, fr, es, xx)             description after a gap
``n:kenya``        folded word of organisation / country  B       from 1
``c:cert``         thesaurus concept in title / desc      A / D   1 / 2
``k:cybercrime``   theme or support-type code             B       1
``f:themes=...``   filter value, for ``theme:`` in text   -       none
                   and the place filter; ``f:countries:none``
                   when the record lists no state
``p:en:a en:b``    two adjacent lexemes of one namespace  -       none
=================  =====================================  ======  =========

The gap between title and description keeps phrases (``<->``) inside one field, as the
whoosh backend's per-field positions do.  Each pair of lexemes at consecutive positions of a
text namespace (the record's language and ``n``) is also a lexeme of its own (``p:``, see
``pair``), so that a two-word phrase is one entry of the GIN index: ``'a' <-> 'b'`` needs
each candidate's full ``tsvector`` read from TOAST storage to check the positions (200-300 ms
for two common words at 100k), ``'p:a b'`` is decided by the index alone.

Facet counts read two columns besides ``facets`` (which filters read): ``fsum``, one number
holding the row's values of the facet fields with few values (``SLOT_FIELDS``: kind, themes,
support types ...) as ``sum(10 ** (SLOT_DIGITS * slot))`` over their slots (``<table>_slots``
numbers the values), and ``frest``, the row's other facet values (countries, organisations:
many values).  The sum of ``fsum`` over the matches is then every such value's count, in one
addition per row (``decode_slots``), instead of one entry per value in a hash aggregate.

A second, small ``tsvector`` (``ttv``) holds only the weight-A entries (title terms and
concepts, title positions): searches rank exactly only the best candidates by it (see
``search.backends.postgres.backend``), as the whoosh session does with its title tier.  The
weights tell the fields apart for the relevance of ``search.backends.relevance`` (title 4,
names 2, codes 2, description 1, as whoosh's boosts): A the title, B names and codes, D the
description.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from search.interface.documents import Record
from search.interface.query import FILTER_FIELDS, TAG_FIELDS
from search.text.analysis import analyze, language_key, spell_words, words
from search.text.thesaurus import Thesaurus

#: Bump when the tables or the lexemes change, or what the app's documents hold (8: a
#: programme open to places lists their states): the index then needs a rebuild, and
#: ``flask search reindex --if-needed`` (``make run``) does it.
SCHEMA_VERSION = 8
#: Characters of the description stored for snippets.
SNIPPET_CHARS = 4000
#: Characters of the description indexed (keeps the tsvector far below its 1 MB limit).
INDEXED_CHARS = 200_000
#: UTF-8 bytes kept of a lexeme or a tag (PostgreSQL refuses lexemes of 2 KB and more,
#: GIN index entries of about 2.7 KB).
MAX_LEXEME_BYTES = 255
MAX_TAG_BYTES = 500
#: Longer words are not offered as spelling corrections.
MAX_SPELL_CHARS = 40
#: PostgreSQL keeps at most 256 positions per lexeme, none above 16383.
MAX_POSITIONS = 256
MAX_POSITION = 16383

#: Facet fields whose values are counted through ``fsum`` (few values each); the other facet
#: fields (countries, organisations) are counted from ``frest``.
SLOT_FIELDS: tuple[str, ...] = (
    "kind",
    "themes",
    "support_types",
    "regions",
    "organisation_type",
    "languages",
    "status",
)
#: Decimal digits per slot of ``fsum``: a count up to 10 ** 8 - 1, more than a table holds.
SLOT_DIGITS = 8
#: Values numbered at most; the others are counted from ``frest`` (keeps ``fsum`` short).
MAX_SLOTS = 120

TABLE_RE = re.compile(r"^[a-z_][a-z0-9_]{0,29}$")
COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "title",
    "description",
    "text_language",
    "access",
    "spell",
    "facets",
    "fsum",
    "frest",
    "created",
    "updated",
    "tsv",
    "ttv",
)
#: Rows are kept narrow: the large values (the full ``tsvector``, the spelling words, the
#: description) go to TOAST storage uncompressed, the small ones stay in the row uncompressed,
#: so counting and faceting the matches reads about 1 KB per row and never detoasts.
TOAST_TUPLE_TARGET = 1200
OUT_OF_LINE: tuple[str, ...] = ("tsv", "spell", "description")
#: Never compressed: every count reads it (``fsum``, mostly zeros, would compress well).
PLAIN: tuple[str, ...] = ("fsum",)


def clean_text(value: str) -> str:
    """``value`` as PostgreSQL accepts it: no NUL, no lone surrogates."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def cap(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` UTF-8 bytes (on a character boundary)."""
    value = clean_text(value)
    raw = value.encode("utf-8")
    if len(raw) <= limit:
        return value
    return raw[:limit].decode("utf-8", "ignore")


def lexeme(namespace: str, text: str) -> str:
    """The lexeme for ``text`` in ``namespace`` (``"en"``, ``"n"``, ``"c"``...)."""
    return cap(f"{namespace}:{text}", MAX_LEXEME_BYTES)


def tag(value: str) -> str:
    """A filter value as stored (and as compared in queries)."""
    return cap(value, MAX_TAG_BYTES)


def facet(field: str, value: str) -> str:
    """A ``facets`` entry: ``field=value`` (filters compare these, facets count them)."""
    return f"{field}={tag(value)}"


def pair(first: str, second: str) -> str | None:
    """The lexeme of ``first`` followed by ``second`` (two lexemes of one namespace at
    consecutive positions), or None when it would be cut to ``MAX_LEXEME_BYTES`` (the
    phrase is then matched by positions alone).  Lexemes never hold a space."""
    text = f"p:{first} {second}"
    return text if len(text.encode("utf-8")) <= MAX_LEXEME_BYTES else None


def field_lexeme(field: str, value: str) -> str:
    return lexeme("f", f"{field}={tag(value)}")


#: The lexeme of a record that lists no state (``countries`` empty): the place filter asks
#: for it with the place's regions, in the index (no ``field=value`` lexeme has a ``:``
#: before its ``=``).
NO_COUNTRIES = lexeme("f", "countries:none")


def quote(lex: str) -> str:
    """``lex`` quoted for the tsvector / tsquery literal formats."""
    return "'" + lex.replace("\\", "\\\\").replace("'", "''") + "'"


def _storage(col: str) -> str:
    return "EXTERNAL" if col in OUT_OF_LINE else "PLAIN" if col in PLAIN else "MAIN"


def table_ddl(name: str) -> str:
    """``CREATE TABLE`` of a document table (no indexes: a rebuild adds them after loading)."""
    storage = ", ".join(
        f"ALTER {col} SET STORAGE {_storage(col)}"
        for col in COLUMNS
        if col not in ("created", "updated")
    )
    return (
        f"CREATE TABLE {name} (\n"
        "    id text PRIMARY KEY,\n"
        "    kind text NOT NULL,\n"
        "    title text NOT NULL,\n"
        "    description text NOT NULL,  -- the first SNIPPET_CHARS, for snippets\n"
        "    text_language text NOT NULL,\n"
        "    access text[] NOT NULL,\n"
        "    spell text[] NOT NULL,\n"
        "    facets text[] NOT NULL,  -- 'field=value' of every filter field: filters, facets\n"
        "    fsum numeric NOT NULL,  -- the slots of its SLOT_FIELDS values: facet counts\n"
        "    frest text[] NOT NULL,  -- its other facet values: facet counts\n"
        "    created bigint NOT NULL,  -- epoch seconds\n"
        "    updated bigint NOT NULL,\n"
        "    tsv tsvector NOT NULL,\n"
        "    ttv tsvector NOT NULL  -- the weight-A (title) entries of tsv\n"
        f") WITH (toast_tuple_target = {TOAST_TUPLE_TARGET});\n"
        f"ALTER TABLE {name} {storage}"
    )


#: No index on ``access``: most rows are public, and with one the planner read every visible
#: row and evaluated the tsquery on it instead of using the tsvector index (3x slower).
INDEXED_COLUMNS: tuple[str, ...] = ("tsv", "ttv", "facets", "spell")


def index_names(table: str) -> dict[str, str]:
    """Usual index name per indexed column (``TABLE_RE`` keeps them under 63 bytes)."""
    return {col: f"{table}_{col}_gin" for col in INDEXED_COLUMNS}


def index_ddl(name: str, names: dict[str, str]) -> list[str]:
    """GIN indexes of document table ``name``, called ``names[column]``."""
    return [f"CREATE INDEX {names[col]} ON {name} USING gin ({col})" for col in INDEXED_COLUMNS]


def aux_ddl(table: str) -> list[str]:
    """The vocabulary, spelling counts and meta tables of ``table`` (idempotent).

    ``<table>_spell`` counts, per spelling word and per distinct ``access`` array, the rows
    whose ``spell`` holds the word: a viewer's document frequency of a word is the sum over
    the arrays that meet the viewer's tokens, the same number as counting the visible rows,
    from a few hundred rows instead of every document holding the word."""
    return [
        f"CREATE TABLE IF NOT EXISTS {table}_vocab (word text PRIMARY KEY, seq bigserial)",
        f"CREATE TABLE IF NOT EXISTS {table}_spell (word text NOT NULL, access text[] NOT NULL, "
        "n integer NOT NULL, PRIMARY KEY (word, access))",
        f"CREATE TABLE IF NOT EXISTS {table}_meta (key text PRIMARY KEY, value text NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {table}_slots (value text PRIMARY KEY, "
        "slot integer NOT NULL UNIQUE)",
    ]


#: The tables of a document table ``t`` besides itself: ``t + suffix``.
AUX_SUFFIXES: tuple[str, ...] = ("_vocab", "_spell", "_meta", "_slots")


def tsvector_literals(rec: Record, thesaurus: Thesaurus) -> tuple[str, str]:
    """The record's ``tsvector`` and its title (weight A) part, in literal input format
    (see the module docstring)."""
    lang = language_key(rec.text_language)
    entries: dict[str, list[str]] = {}

    def add(lex: str, pos: int, weight: str) -> None:
        positions = entries.setdefault(lex, [])
        if len(positions) < MAX_POSITIONS:
            positions.append(f"{min(pos, MAX_POSITION)}{weight}")

    title = analyze(rec.title, lang)
    for i, t in enumerate(title, 1):
        add(lexeme(lang, t), i, "A")
    start = len(title) + 2  # a gap: no phrase runs from the title into the description
    for i, t in enumerate(analyze(rec.description[:INDEXED_CHARS], lang), start):
        if i > MAX_POSITION:
            break
        add(lexeme(lang, t), i, "")
    names = " ".join((rec.organisation_name, *rec.country_names))
    for i, w in enumerate(words(names), 1):
        add(lexeme("n", w), i, "B")
    for c in thesaurus.concepts_in(rec.title):
        add(lexeme("c", c), 1, "A")
    for c in thesaurus.concepts_in(rec.description[:INDEXED_CHARS]):
        add(lexeme("c", c), 2, "")
    for code in (*rec.themes, *rec.support_types):
        add(lexeme("k", code), 1, "B")
    parts = [f"{quote(lex)}:{','.join(pos)}" for lex, pos in entries.items()]
    parts.extend(quote(p) for p in _pairs(entries, (f"{lang}:", "n:")))
    for name in TAG_FIELDS:
        parts.extend(quote(field_lexeme(name, v)) for v in rec.tags(name))
    if not rec.tags("countries"):
        parts.append(quote(NO_COUNTRIES))
    titles = []
    for lex, pos in entries.items():
        top = [p for p in pos if p.endswith("A")]
        if top:
            titles.append(f"{quote(lex)}:{','.join(top)}")
    return " ".join(parts), " ".join(titles)


def _pairs(entries: dict[str, list[str]], namespaces: tuple[str, ...]) -> list[str]:
    """``pair(a, b)`` of every two lexemes of one of ``namespaces`` that ``'a' <-> 'b'``
    matches in ``entries``: some position of ``a`` (as kept: at most ``MAX_POSITIONS``,
    none above ``MAX_POSITION``) is followed by one of ``b``."""
    out: dict[str, None] = {}
    for ns in namespaces:
        at: dict[int, list[str]] = {}
        for lex, positions in entries.items():
            if lex.startswith(ns):
                for p in positions:
                    at.setdefault(int(p.rstrip("AB")), []).append(lex)
        for p, firsts in at.items():
            for second in at.get(p + 1, ()):
                for first in firsts:
                    if (lex := pair(first, second)) is not None:
                        out[lex] = None
    return list(out)


def to_row(rec: Record, thesaurus: Thesaurus) -> dict[str, Any]:
    """Column values of ``rec`` (see ``COLUMNS``)."""
    names = " ".join((rec.organisation_name, *rec.country_names))
    spell = spell_words(f"{rec.title} {rec.description[:INDEXED_CHARS]}") | spell_words(names)
    row: dict[str, Any] = {
        "id": clean_text(rec.id),
        "kind": rec.kind,
        "title": clean_text(rec.title),
        "description": clean_text(rec.description[:SNIPPET_CHARS]),
        "text_language": clean_text(rec.text_language),
        "access": sorted({tag(t) for t in rec.access}),
        "spell": sorted(clean_text(w) for w in spell if len(w) <= MAX_SPELL_CHARS),
        "created": rec.created_at,
        "updated": rec.updated_at,
    }
    tsv, ttv = tsvector_literals(rec, thesaurus)
    row["tsv"], row["ttv"] = clean_text(tsv), clean_text(ttv)
    row["facets"] = list(
        dict.fromkeys(facet(name, v) for name in TAG_FIELDS for v in rec.tags(name))
    )
    return row


def slot_values(row: dict[str, Any]) -> list[str]:
    """The ``facets`` entries of ``row`` that may have a slot (``SLOT_FIELDS``)."""
    return [f for f in row["facets"] if f.partition("=")[0] in SLOT_FIELDS]


def encode_slots(row: dict[str, Any], slots: dict[str, int]) -> None:
    """Fill ``row``'s ``fsum`` and ``frest`` from its ``facets`` and the ``slots`` of the
    table: a facet value with a slot adds ``10 ** (SLOT_DIGITS * slot)`` to ``fsum``, the
    other values of the facet fields go to ``frest`` (tags that are no facets to neither)."""
    total = 0
    rest = []
    for f in row["facets"]:
        name = f.partition("=")[0]
        if name not in FILTER_FIELDS:
            continue
        slot = slots.get(f)
        if slot is None:
            rest.append(f)
        else:
            total += 10 ** (SLOT_DIGITS * slot)
    row["fsum"], row["frest"] = str(total), rest


def decode_slots(total: int, values: dict[int, str]) -> Iterator[tuple[str, int]]:
    """``(facet value, count)`` of a sum of ``fsum``, for each slot of ``values`` (``slot
    -> facet value``) with a count."""
    base = 10**SLOT_DIGITS
    slot = 0
    while total:
        total, count = divmod(total, base)
        if count and slot in values:
            yield values[slot], count
        slot += 1
