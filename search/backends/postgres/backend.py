"""PostgreSQL full-text backend: one shared index for every host of a deployment.

``get_backend("postgres", url="postgresql+psycopg://user@host/db", table="search_documents")``

Four tables, created when missing (``search/`` does not use the app's migrations):
``<table>`` holds one row per document (stored fields for hits and snippets, access tokens
and filter values as ``text[]``, a ``tsvector`` built by ``search.text.analysis``; see
``search.backends.postgres.schema``), ``<table>_vocab`` the words offered as spelling
corrections, ``<table>_spell`` how many rows of each ``access`` array hold each of them (the
"Did you mean" order, without counting the rows; kept by every write, in its transaction) and
``<table>_meta`` the schema and thesaurus versions for ``needs_rebuild()``.  An index built
before the spelling counts existed is still read (the rows are counted instead) and reported
by ``needs_rebuild()``, whose rebuild fills them.

Each search runs in one REPEATABLE READ transaction, with the viewer's tokens and the filters
in every WHERE clause, so totals, facets, ranking, suggestions and snippets only see visible
rows.  Within it, rows found by one statement are read again by their ``ctid`` (stable while
the snapshot lives), not through the primary key.  Writes are plain transactions
(``INSERT ... ON CONFLICT``); ``rebuild`` fills a new table and swaps it in when it commits,
so searches keep working meanwhile.  A drain that reads records then writes them still needs
one writer at a time: ``writer_lock`` is an advisory lock that spans hosts.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SAEngine

from search.backends.engine import (
    FILL,
    Engine,
    Run,
    Session,
    coverage_score,
    edit_distance,
    max_distance,
)
from search.backends.postgres.query import compile_match, compile_rank, lexemes, place_match
from search.backends.postgres.schema import (
    AUX_SUFFIXES,
    COLUMNS,
    MAX_SLOTS,
    SCHEMA_VERSION,
    TABLE_RE,
    aux_ddl,
    clean_text,
    decode_slots,
    encode_slots,
    facet,
    index_ddl,
    index_names,
    lexeme,
    slot_values,
    table_ddl,
    tag,
    to_row,
)
from search.backends.relevance import coverage_relevance, relevance
from search.interface.backend import ProgressCallback
from search.interface.documents import validate
from search.interface.errors import SearchError
from search.interface.query import FILTER_FIELDS, SearchQuery, split_place
from search.interface.results import Hit
from search.querylang.parser import (
    BOOST_WEIGHT,
    DEMOTE_WEIGHT,
    Coverage,
    FieldTerm,
    Node,
    Or,
    Word,
    and_of,
)
from search.querylang.rewrite import positive_terms
from search.text.analysis import fold_token, language_key
from search.text.highlight import Marker, best_snippet
from search.text.thesaurus import Thesaurus

log = logging.getLogger(__name__)
#: Rows per batch sent to the database while rebuilding.
BATCH = 1000
#: Seconds a search trusts an earlier check that the tables exist with this schema.
COMPATIBLE_TTL = 5.0
#: Spelling candidates checked for visibility per word.
SPELL_CANDIDATES = 10
#: Matches ranked exactly by relevance (at least a page's worth): the rest are only counted.
CANDIDATES = 200

_ARRAY = "CAST(:{} AS text[])"


def _lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for ``name``."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _url(url: str | sa.URL) -> str | sa.URL:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy's default driver is psycopg2)."""
    if isinstance(url, str) and url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class PostgresBackend(Engine):
    """``get_backend("postgres", url=..., table="search_documents")`` (or ``engine=``)."""

    schema_version = SCHEMA_VERSION

    def __init__(
        self,
        url: str | sa.URL | None = None,
        *,
        table: str = "search_documents",
        engine: SAEngine | None = None,
        thesaurus: Thesaurus | None = None,
    ) -> None:
        super().__init__(thesaurus)
        if not TABLE_RE.match(table):
            raise ValueError(
                f"table must be a lowercase SQL name of up to 30 characters: {table!r}"
            )
        if engine is None and url is None:
            raise ValueError("the postgres search backend needs url= or engine=")
        self.table = table
        self.url = _url(url) if url is not None else None
        self._engine_obj = engine
        self._owns_engine = engine is None
        self._pid = os.getpid()
        self._ready = False
        self._lock = threading.Lock()
        self._vocab = _Vocabulary()
        self._vocab_lock = threading.Lock()
        self._compatible_until = 0.0
        #: The spelling counts are those of the rows (see ``_counted``); read with the meta.
        self._spell_counts = False
        #: The rows hold the ``p:`` lexemes of adjacent lexemes (see ``_paired``).
        self._pairs = False

    # -- connections ---------------------------------------------------------------
    @property
    def engine(self) -> SAEngine:
        """The SQLAlchemy engine (a new pool after a fork)."""
        with self._lock:
            if self._engine_obj is not None and self._pid != os.getpid() and self._owns_engine:
                self._engine_obj.dispose(close=False)
                self._engine_obj = None
            if self._engine_obj is None:
                assert self.url is not None
                self._engine_obj = sa.create_engine(self.url, pool_pre_ping=True)
                self._pid = os.getpid()
            return self._engine_obj

    def _exists(self, conn: Connection, name: str) -> bool:
        return conn.scalar(sa.text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}) or False

    def _ensure(self) -> None:
        """Create the tables if missing (once per process)."""
        if self._ready:
            return
        with self.engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._ddl_key})
            if not self._exists(conn, self.table):
                conn.execute(sa.text(table_ddl(self.table)))
                for stmt in index_ddl(self.table, index_names(self.table)):
                    conn.execute(sa.text(stmt))
            for stmt in aux_ddl(self.table):
                conn.execute(sa.text(stmt))
            conn.execute(
                sa.text(
                    f"INSERT INTO {self.table}_meta (key, value) VALUES "
                    "('schema_version', :v), ('complete', '0') ON CONFLICT (key) DO NOTHING"
                ),
                {"v": str(SCHEMA_VERSION)},
            )
        self._ready = True

    @property
    def _ddl_key(self) -> int:
        return _lock_key(f"search-ddl:{self.table}")

    def _meta(self, conn: Connection) -> dict[str, str] | None:
        if not (self._exists(conn, self.table) and self._exists(conn, f"{self.table}_meta")):
            return None
        rows = conn.execute(sa.text(f"SELECT key, value FROM {self.table}_meta")).all()
        return {k: v for k, v in rows}

    def _compatible(self, conn: Connection) -> bool:
        """Whether the tables have this code's schema; notes whether the spelling counts
        are current (``_spell_counts``, for the sessions)."""
        meta = self._meta(conn)
        self._spell_counts = _counted(meta)
        self._pairs = _paired(meta)
        return bool(meta and meta.get("schema_version") == str(SCHEMA_VERSION))

    def _lock_counts(self, conn: Connection) -> bool:
        """When the spelling counts are current: lock them for this transaction (one writer
        of the counts at a time keeps them exact) and return True."""
        if not _counted(self._meta(conn)):
            return False
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._counts_key})
        return True

    @property
    def _counts_key(self) -> int:
        return _lock_key(f"search-counts:{self.table}")

    def _uncount(self, conn: Connection, ids: list[str]) -> list[str]:
        """Take the rows ``ids`` out of the spelling counts (before they are rewritten or
        deleted, in the same transaction, under ``_lock_counts``); return the words whose
        count fell to zero somewhere (``_drop_empty`` removes them)."""
        rows = conn.execute(
            sa.text(
                f"WITH d AS (SELECT w, access, count(*) AS c FROM {self.table}, "
                f"unnest(spell) AS w WHERE id = ANY({_ARRAY.format('ids')}) GROUP BY w, access) "
                f"UPDATE {self.table}_spell s SET n = s.n - d.c FROM d "
                "WHERE s.word = d.w AND s.access = d.access RETURNING s.word, s.n"
            ),
            {"ids": ids},
        )
        return [word for word, n in rows if n <= 0]

    def _count_words(self, conn: Connection, ids: list[str] | None) -> None:
        """Add the rows ``ids`` (None: every row) to the spelling counts, written in the
        order of their words: the counts of one word (one per ``access`` array that has it,
        over a thousand for a common word at 100k) then share a few pages, and "Did you
        mean" reads those instead of a page per count (0.3 instead of 3-80 ms a query)."""
        where = "" if ids is None else f"WHERE id = ANY({_ARRAY.format('ids')}) "
        conn.execute(
            sa.text(
                f"INSERT INTO {self.table}_spell (word, access, n) SELECT w, access, count(*) "
                f"FROM {self.table}, unnest(spell) AS w {where}GROUP BY w, access "
                "ORDER BY w, access "
                f"ON CONFLICT (word, access) DO UPDATE SET n = {self.table}_spell.n + EXCLUDED.n"
            ),
            {} if ids is None else {"ids": ids},
        )

    def _drop_empty(self, conn: Connection, words: list[str]) -> None:
        """Remove the counts of ``words`` that are zero."""
        if words:
            conn.execute(
                sa.text(
                    f"DELETE FROM {self.table}_spell WHERE word = ANY({_ARRAY.format('w')}) "
                    "AND n <= 0"
                ),
                {"w": sorted(set(words))},
            )

    @contextmanager
    def writer_lock(self, timeout: float = 30.0) -> Iterator[None]:
        """Hold an advisory lock shared by every process on every host, waiting up to
        ``timeout`` seconds (``SearchError`` after that)."""
        key = {"k": self._writer_key}
        with self.engine.connect() as conn:
            try:
                conn.execute(sa.text(f"SET lock_timeout = {max(1, int(timeout * 1000))}"))
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), key)
            except sa.exc.OperationalError as exc:
                conn.rollback()
                raise SearchError(f"search index lock busy for {timeout:.0f}s") from exc
            finally:
                conn.execute(sa.text("RESET lock_timeout"))
                conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), key)
                conn.commit()

    @property
    def _writer_key(self) -> int:
        return _lock_key(f"search-writer:{self.table}")

    # -- writing -------------------------------------------------------------------
    def _rows(self, docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = {}
        for d in docs:
            row = to_row(validate(d), self.thesaurus)
            rows[row["id"]] = row
        return [rows[i] for i in sorted(rows)]  # one lock order: no deadlocks

    def _upsert_sql(self, table: str) -> str:
        values = []
        for col in COLUMNS:
            if col in ("tsv", "ttv"):
                values.append(f"CAST(:{col} AS tsvector)")
            elif col in ("access", "spell", "facets", "frest"):
                values.append(_ARRAY.format(col))
            elif col == "fsum":
                values.append("CAST(:fsum AS numeric)")
            else:
                values.append(f":{col}")
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "id")
        return (
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(values)}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )

    def upsert(self, docs: Iterable[dict[str, Any]]) -> None:
        """In one transaction, :data:`BATCH` documents at a time (a bulk drain streams
        thousands: memory stays bounded by the batch)."""
        it = iter(docs)
        rows = self._rows(islice(it, BATCH))
        if not rows:
            return
        self._ensure()
        with self.engine.begin() as conn:
            if not self._compatible(conn):
                log.warning("search table %s has another schema; rebuild needed", self.table)
                return
            counted = self._lock_counts(conn)
            while rows:
                slots = self._slots(conn, rows)
                for r in rows:
                    encode_slots(r, slots)
                ids = [r["id"] for r in rows]
                emptied = self._uncount(conn, ids) if counted else []
                conn.execute(sa.text(self._upsert_sql(self.table)), rows)
                if counted:
                    self._count_words(conn, ids)
                    self._drop_empty(conn, emptied)
                self._add_words(conn, sorted({w for r in rows for w in r["spell"]}))
                rows = self._rows(islice(it, BATCH))

    @property
    def _slots_key(self) -> int:
        return _lock_key(f"search-slots:{self.table}")

    def _slots(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        """The slots of the ``SLOT_FIELDS`` values of ``rows`` (``schema.encode_slots``),
        numbering those that have none yet while fewer than ``MAX_SLOTS`` are numbered (one
        writer at a time, until the commit)."""
        wanted = sorted({v for r in rows for v in slot_values(r)})
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._slots_key})
        rows_ = conn.execute(
            sa.text(
                f"SELECT value, slot FROM {self.table}_slots "
                f"WHERE value = ANY({_ARRAY.format('w')})"
            ),
            {"w": wanted},
        )
        known = {v: int(n) for v, n in rows_}
        missing = [v for v in wanted if v not in known]
        if missing:
            top = int(
                conn.scalar(sa.text(f"SELECT coalesce(max(slot) + 1, 0) FROM {self.table}_slots"))
                or 0
            )
            new = {v: top + i for i, v in enumerate(missing) if top + i < MAX_SLOTS}
            self._write_slots(conn, new)
            known.update(new)
        return known

    def _write_slots(self, conn: Connection, slots: dict[str, int]) -> None:
        if slots:
            conn.execute(
                sa.text(f"INSERT INTO {self.table}_slots (value, slot) VALUES (:v, :s)"),
                [{"v": v, "s": n} for v, n in slots.items()],
            )

    def _add_words(self, conn: Connection, words: list[str]) -> None:
        if words:
            conn.execute(
                sa.text(
                    f"INSERT INTO {self.table}_vocab (word) "
                    "SELECT unnest(CAST(:w AS text[])) ON CONFLICT (word) DO NOTHING"
                ),
                {"w": words},
            )

    def delete(self, ids: Iterable[str]) -> None:
        ids = sorted({clean_text(str(i)) for i in ids})
        if not ids:
            return
        with self.engine.begin() as conn:
            if self._exists(conn, self.table):
                emptied = self._uncount(conn, ids) if self._lock_counts(conn) else []
                conn.execute(
                    sa.text(f"DELETE FROM {self.table} WHERE id = ANY(CAST(:ids AS text[]))"),
                    {"ids": ids},
                )
                self._drop_empty(conn, emptied)

    def rebuild(
        self, docs: Iterable[dict[str, Any]], progress: ProgressCallback | None = None
    ) -> int:
        """Fill a new table and swap it in, in one transaction (readers see the old one
        until the commit)."""
        self._ensure()
        new = f"{self.table}_new_{uuid.uuid4().hex[:8]}"
        n = 0
        words: set[str] = set()
        slots: dict[str, int] = {}
        final = index_names(self.table)
        temporary = {col: f"{new}_{i}" for i, col in enumerate(final)}
        with self.engine.begin() as conn:
            conn.execute(sa.text(table_ddl(new)))
            batch: list[dict[str, Any]] = []
            for d in docs:
                batch.append(to_row(validate(d), self.thesaurus))
                if len(batch) >= BATCH:
                    n += self._write_batch(conn, new, batch, words, slots)
                    if progress:
                        progress(n)
            n += self._write_batch(conn, new, batch, words, slots)
            for stmt in index_ddl(new, temporary):
                conn.execute(sa.text(stmt))
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._ddl_key})
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {self.table}"))
            conn.execute(sa.text(f"ALTER TABLE {new} RENAME TO {self.table}"))
            renames = [(f"{new}_pkey", f"{self.table}_pkey")]
            renames += [(temporary[col], final[col]) for col in final]
            for old, name in renames:
                conn.execute(sa.text(f"ALTER INDEX {old} RENAME TO {name}"))
            conn.execute(sa.text(f"ANALYZE {self.table}"))  # row estimates for the planner
            conn.execute(sa.text(f"DELETE FROM {self.table}_vocab"))
            self._add_words(conn, sorted(words))
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._slots_key})
            conn.execute(sa.text(f"DELETE FROM {self.table}_slots"))
            self._write_slots(conn, slots)
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._counts_key})
            conn.execute(sa.text(f"DELETE FROM {self.table}_spell"))
            self._count_words(conn, None)
            conn.execute(sa.text(f"ANALYZE {self.table}_spell"))
            written = str(time.time())
            meta = {
                "schema_version": str(SCHEMA_VERSION),
                "thesaurus_version": self.thesaurus.version,
                "complete": "1",
                "written_at": written,
                "spell_counts": written,
                "phrase_pairs": written,
            }
            conn.execute(
                sa.text(
                    f"INSERT INTO {self.table}_meta (key, value) VALUES (:k, :v) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
                ),
                [{"k": k, "v": v} for k, v in meta.items()],
            )
        if progress:
            progress(n)
        return n

    def _write_batch(
        self,
        conn: Connection,
        table: str,
        batch: list[dict[str, Any]],
        words: set[str],
        slots: dict[str, int],
    ) -> int:
        """Insert ``batch`` into ``table`` (a repeated id: the last row wins), numbering in
        ``slots`` the values it has that have no slot yet (in order, up to ``MAX_SLOTS``);
        return its size."""
        if not batch:
            return 0
        unique = list({r["id"]: r for r in batch}.values())
        for r in unique:
            for v in slot_values(r):
                if v not in slots and len(slots) < MAX_SLOTS:
                    slots[v] = len(slots)
            encode_slots(r, slots)
        conn.execute(sa.text(self._upsert_sql(table)), unique)
        for r in unique:
            words.update(r["spell"])
        size = len(batch)
        batch.clear()
        return size

    # -- state ---------------------------------------------------------------------
    def ids(self) -> set[str]:
        with self.engine.connect() as conn:
            if not self._exists(conn, self.table):
                return set()
            return set(conn.execute(sa.text(f"SELECT id FROM {self.table}")).scalars())

    def count(self) -> int:
        with self.engine.connect() as conn:
            if not self._exists(conn, self.table):
                return 0
            return conn.scalar(sa.text(f"SELECT count(*) FROM {self.table}")) or 0

    def needs_rebuild(self) -> bool:
        with self.engine.connect() as conn:
            meta = self._meta(conn)
        return not (
            meta
            and meta.get("complete") == "1"
            and meta.get("schema_version") == str(SCHEMA_VERSION)
            and meta.get("thesaurus_version") == self.thesaurus.version
            and _counted(meta)
            and _paired(meta)
        )

    def can_search(self) -> bool:
        with self.engine.connect() as conn:
            return self._compatible(conn)

    def close(self) -> None:
        with self._lock:
            if self._engine_obj is not None and self._owns_engine:
                self._engine_obj.dispose()
                self._engine_obj = None
            self._ready = False

    def drop(self) -> None:
        """Drop the backend's tables (tests, decommissioning)."""
        with self.engine.begin() as conn:
            for suffix in ("", *AUX_SUFFIXES):
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {self.table}{suffix}"))
        self._ready = False
        self._compatible_until = 0.0

    # -- searching -----------------------------------------------------------------
    def session(
        self, viewer_tokens: frozenset[str], filters: dict[str, tuple[str, ...]]
    ) -> Session:
        conn = self.engine.connect()
        try:
            # One snapshot for the whole search: totals, facets and the page agree.
            # Prefer the GIN indexes: the planner prices a sequential scan without the cost of
            # detoasting every tsvector, and chose it (3x slower) once the table was analysed
            # (autovacuum analyses it too).  No JIT compilation: with sequential scans priced
            # out, the few statements that still scan (the vocabulary's size) cost over
            # jit_above_cost, and compiling them took 50-400 ms for a 1 ms statement.
            conn.execute(
                sa.text(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                    "SET LOCAL enable_seqscan = off; SET LOCAL jit = off"
                )
            )
            now = time.monotonic()
            ok = now < self._compatible_until or self._compatible(conn)
            if ok and now >= self._compatible_until:
                self._compatible_until = now + COMPATIBLE_TTL
        except BaseException:
            conn.close()
            raise
        return _PgSession(self, conn, viewer_tokens, filters, ok, self._spell_counts, self._pairs)

    def vocabulary(self, conn: Connection) -> _Vocabulary:
        """Every word ever offered for spelling (visibility is checked by the caller);
        cached per process and refreshed when the table changes (new words are appended)."""
        key = conn.execute(
            sa.text(f"SELECT count(*), coalesce(max(seq), 0) FROM {self.table}_vocab")
        ).one()
        count, top = int(key[0]), int(key[1])
        with self._vocab_lock:
            vocab = self._vocab
            if (count, top) == vocab.key:
                return vocab
            if vocab.key[0] and top > vocab.key[1]:
                fresh = list(
                    conn.execute(
                        sa.text(f"SELECT word FROM {self.table}_vocab WHERE seq > :s"),
                        {"s": vocab.key[1]},
                    ).scalars()
                )
                if vocab.key[0] + len(fresh) == count:
                    vocab.extend(fresh, (count, top))  # readers only ever see more words
                    return vocab
            # First use, or rows went away (a rebuild): read everything again.
            vocab = _Vocabulary()
            words = conn.execute(sa.text(f"SELECT word FROM {self.table}_vocab")).scalars()
            vocab.extend(list(words), (count, top))
            self._vocab = vocab
            return vocab


def _counted(meta: dict[str, str] | None) -> bool:
    """Whether ``<table>_spell`` holds the counts of the rows: filled by the last rebuild
    (which wrote both values) and kept since by every write.  A table rebuilt by code that
    does not keep them has another ``written_at``."""
    stamp = meta.get("spell_counts") if meta else None
    return bool(meta and stamp and stamp == meta.get("written_at"))


def _paired(meta: dict[str, str] | None) -> bool:
    """Whether every row holds the ``p:`` lexemes of its adjacent lexemes
    (``schema.pair``): written by the last rebuild, by code that writes them with every
    row.  A phrase is then matched by the index alone (``compile_match(..., pairs=True)``);
    an index built before them is read by positions, as it was."""
    stamp = meta.get("phrase_pairs") if meta else None
    return bool(meta and stamp and stamp == meta.get("written_at"))


def _bigrams(word: str) -> set[str]:
    return {word[i : i + 2] for i in range(len(word) - 1)}


class _Vocabulary:
    """Words with a bigram index: a word within edit distance ``d`` of ``w`` shares at least
    ``len(bigrams(w)) - 3 * d`` of its distinct bigrams (one edit changes at most three), so
    only those words go to the slower ``difflib`` comparison."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.known: set[str] = set()
        self.grams: dict[str, list[int]] = {}
        self.key: tuple[int, int] = (0, 0)

    def extend(self, words: list[str], key: tuple[int, int]) -> None:
        for w in words:
            i = len(self.words)
            self.words.append(w)
            self.known.add(w)
            for g in _bigrams(w):
                self.grams.setdefault(g, []).append(i)
        self.key = key

    def near(self, word: str, maxd: int) -> list[str]:
        """Words that may be within ``maxd`` edits of ``word`` (a superset): an edit
        changes at most three of its bigrams (a swap of two letters: ``ab`` -> ``ba``)."""
        grams = _bigrams(word)
        need = len(grams) - 3 * maxd
        if need <= 0:
            pool: Iterable[str] = self.words
        else:
            hits: Counter[int] = Counter()
            for g in grams:
                hits.update(self.grams.get(g, ()))
            pool = (self.words[i] for i, n in hits.items() if n >= need)
        return [c for c in pool if abs(len(c) - len(word)) <= maxd]


def _facet_values(nodes: tuple[Node, ...]) -> list[list[str]] | None:
    """Per node, the ``facets`` values it stands for, when every node is a field term or
    an OR of field terms (a place's states); else None."""
    out: list[list[str]] = []
    for n in nodes:
        terms = n.items if isinstance(n, Or) else (n,)
        if not all(isinstance(t, FieldTerm) for t in terms):
            return None
        out.append(sorted({facet(t.field, t.value) for t in terms}))  # type: ignore[union-attr]
    return out


#: A phrase in a tsquery: the GIN index cannot tell it, each row's full tsvector is read.
_PHRASE = re.compile(r"<(?:->|[0-9]+>)")


#: Matches the planner expects fewer of than this are kept between the two passes.
KEEP_BELOW = 5000
#: A relaxed run's levels are computed in its coverage pass when they hold fewer rows than
#: this (``_coverage_levels``).  Since the facet counts read ``fsum`` and ``frest`` (narrow
#: rows to keep), keeping 5,000-33,000 rows costs less than scanning them again in the
#: run (the slowest relaxed queries of the 100k benchmark: 10-30 % less server CPU); the
#: bound keeps the per-level orderings (one pass over the kept rows each) bounded.
LEVELS_BELOW = 50_000


def _materialized(match: str | None, costly: bool, estimate: Callable[[], float]) -> str:
    """How the matches ``m`` are kept for the two passes over them (counts; candidates or
    the page).  Kept once when each row is costly to decide (a phrase, which reads the
    record's full ``tsvector``, a place filter, a join of the coverage scans) or when the
    planner expects fewer than ``KEEP_BELOW`` (``estimate()``): then the second index scan
    (the posting lists of every word, often far more entries than matches) costs more than
    keeping the rows.  Read twice (``NOT MATERIALIZED``) when many rows match: keeping
    43,000 rows cost ~190 ms of server CPU at 100k, reading them again ~45 ms."""
    if costly or (match and _PHRASE.search(match)) or estimate() < KEEP_BELOW:
        return "MATERIALIZED"
    return "NOT MATERIALIZED"


def _coverage_sql(node: Coverage, nw: str, nb: str, params: dict[str, Any]) -> tuple[str, str]:
    """SQL of ``dem`` (the row ``t`` is demoted) and ``cov`` (its coverage score, from the
    SQL of its ``nw`` and ``nb``) of a ``Coverage`` run; adds their parameters."""
    cov = f"{nw} + {BOOST_WEIGHT} * {nb}"
    demote = _facet_values(node.demote)
    dem = "false"
    if demote:
        params["demote"] = sorted({v for values in demote for v in values})
        dem = "(t.facets && CAST(:demote AS text[]))"
        # A float8 literal: the same double as the numeric 0.01 cast to float8, without
        # numeric arithmetic on every row (8 ms of 67,000 rows' ordering at 100k).
        cov += f" - CAST({DEMOTE_WEIGHT} AS float8) * {dem}::int"
    return dem, f"({cov})"


def _tier_sql(node: Coverage, params: dict[str, Any]) -> str:
    """SQL of the coarse score of the row ``t`` in a ``Coverage`` run: ``ts_rank`` of its
    title ``tsvector``, 0 without a title match."""
    rank = compile_rank(Coverage(node.required, node.optional, 0))
    if rank is None:
        return "0"
    params["rank"] = rank
    rq = "CAST(:rank AS tsquery)"
    return f"CASE WHEN t.ttv @@ {rq} THEN ts_rank(t.ttv, {rq}) ELSE 0 END"


@dataclass
class _Levels:
    """A ``Coverage`` run computed for every minimum (``_PgSession._coverage_levels``):
    the rows per coverage level (``hist``), the facet counts per level (``(level, fsum
    sum, [[value, count] ...])``, with the ``slots``) and per level the best rows (``tid,
    id, created, level, nw, nb, dem``) in the run's order."""

    node: Coverage
    q: SearchQuery
    facets: bool
    #: The lowest level computed: the highest with ``FILL`` rows at it or above (1 if none),
    #: which no minimum of ``choose_minimum`` is below.
    low: int
    hist: list[int]
    values: list[list[Any]]
    top: list[list[Any]]
    #: ``slot -> value`` pairs of the slots (``_slots_sql``).
    slots: list[list[Any]]

    def serves(self, node: Coverage, q: SearchQuery, facets: bool) -> bool:
        """Whether ``node``'s run (any minimum from 1) is the one computed."""
        return (
            node.minimum >= self.low
            and replace(node, minimum=self.node.minimum) == self.node
            and q == self.q
            and facets == self.facets
        )


def _entries_sql(node: Node, params: dict[str, Any]) -> tuple[str, str]:
    """SQL of a row ``t``'s entries of its ``tsvector`` and of its title ``tsvector`` that
    ``node`` names, as text (``_Postings`` reads them); adds their parameters."""
    exact, prefixes = lexemes(node)
    params["lex"] = exact
    wanted = _ARRAY.format("lex")
    if prefixes:
        params["pre"] = prefixes
        wanted += (
            " || ARRAY(SELECT x FROM unnest(tsvector_to_array(t.tsv)) AS x WHERE EXISTS "
            f"(SELECT 1 FROM unnest({_ARRAY.format('pre')}) AS p WHERE starts_with(x, p)))"
        )
    # The query's entries: marked with weight C (no field has it), then kept alone;
    # one pass in C over each tsvector (unnest() and a filter cost ten times more).
    entries = f"ts_filter(setweight(t.tsv, 'C', {wanted}), '{{c}}')::text"
    title = f"ts_filter(setweight(t.ttv, 'C', {wanted}), '{{c}}')::text"
    return entries, title


#: The entries of the matches ``m`` that ``_counts_sql`` groups: one per value of a row's
#: ``frest`` (``v``), the first with the row's ``fsum`` (``s``).  The two unnests run in
#: step (the shorter padded with NULLs): a row with an empty ``frest`` gives one entry,
#: ``(NULL, fsum)``.  So ``count(s)`` counts the rows and ``sum(s)`` adds their ``fsum``,
#: with one entry per row and value instead of one more per row for the total.
_FACET_ENTRIES = "unnest(frest) AS v, unnest(ARRAY[fsum]) AS s"
#: Per value ``v`` (NULL: rows without ``frest``): its rows, and the rows and ``fsum`` sum of
#: the entries that carry a row's ``fsum``.
_FACET_GROUPS = "count(*) AS n, count(s) AS r, sum(s) AS s"


def _slots_sql(table: str) -> str:
    """The ``slot -> value`` pairs of ``table``'s slots, read in the search's snapshot."""
    return f"(SELECT json_agg(json_build_array(slot, value)) FROM {table}_slots)"


def _counts_sql(facets: bool, table: str) -> str:
    """The total and the facet counts of the matches ``m`` in one pass over them, as
    ``[slots, total, fsum sum, [[value, count] ...]]`` for ``_facet_counts``: each row adds
    its ``fsum`` (the values of the fields with few values: one addition per row) and one
    entry per value of ``frest`` (the others) to one hash aggregate (``_FACET_ENTRIES``;
    one unnest per row in the select list, a ProjectSet, about twice as fast as a lateral
    function scan).  Without facets, only the total."""
    if not facets:
        return "(SELECT json_build_array(NULL, count(*), NULL, NULL) FROM m)"
    return (
        f"(SELECT json_build_array({_slots_sql(table)}, sum(r), sum(s)::text, "
        "json_agg(json_build_array(v, n)) FILTER (WHERE v IS NOT NULL)) "
        f"FROM (SELECT v, {_FACET_GROUPS} FROM (SELECT {_FACET_ENTRIES} FROM m) AS u "
        "GROUP BY v) AS f)"
    )


def _facet_counts(
    data: Sequence[Any] | None, facets: bool
) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """The total and, with ``facets``, the counts per field of ``_counts_sql``'s ``[slots,
    total, fsum sum, [[value, count] ...]]``: the values of ``frest`` with their counts and
    those of the ``fsum`` sum (``schema.decode_slots`` of ``slots``)."""
    slots, total, fsum, rows = data if data else (None, 0, None, None)
    summed: Counter[str] = Counter()
    for v, n in rows or ():
        summed[v] += int(n)
    if fsum:
        # A value numbered after some rows had it (in their frest) is counted in both.
        values = {int(n): v for n, v in slots or ()}
        summed.update(dict(decode_slots(int(fsum), values)))
    counts: dict[str, list[tuple[str, int]]] = {name: [] for name in FILTER_FIELDS}
    for v, n in summed.items():
        name, _, value = v.partition("=")
        if name in counts:  # not the tags that are no facets
            counts[name].append((value, n))
    for name in counts:
        counts[name].sort(key=lambda p: (-p[1], p[0]))
    return int(total or 0), counts if facets else {}


#: One entry of a ``tsvector``'s text: the quoted lexeme and its positions.
_TSV_ENTRY = re.compile(r"'((?:[^']|'')*)'(?::([0-9A-D,]+))?")
_DIGITS = re.compile(r"\d+")
_ESCAPED = re.compile(r"''|\\\\")


def tsvector_entries(text: str | None) -> dict[str, str]:
    """``{lexeme: positions}`` of a ``tsvector`` written as text (its output format), the
    positions as written (``"1C,5C"``)."""
    out: dict[str, str] = {}
    for lex, positions in _TSV_ENTRY.findall(text or ""):
        if "'" in lex or "\\" in lex:
            lex = _ESCAPED.sub(lambda m: m.group()[0], lex)
        out[lex] = positions
    return out


def tsvector_positions(text: str | None) -> dict[str, list[int]]:
    """``{lexeme: positions}`` of a ``tsvector`` written as text."""
    return {lex: _ints(p) for lex, p in tsvector_entries(text).items()}


def _ints(positions: str | None) -> list[int]:
    return [int(p) for p in _DIGITS.findall(positions)] if positions else []


def _size(positions: str | None) -> int:
    return positions.count(",") + 1 if positions else 0


class _Postings:
    """A record as its relevance (``search.backends.relevance.Fields``) reads it: the
    entries of its ``tsvector`` that the query names (``entries``, in text form), those of
    its title ``tsvector`` (``title``: a subset, the title positions), and its ``facets``.

    Title terms are the record's language's lexemes at title positions, description terms
    the same lexemes at the other positions, names the ``n:`` lexemes, concepts the ``c:``
    lexemes (in the title when the title holds them, in the description when they have
    other positions too), codes the ``k:`` lexemes.  Positions are read only for phrases."""

    def __init__(
        self, lang: str, entries: str | None, title: str | None, facets: Iterable[str]
    ) -> None:
        self.lang = lang
        self.all = tsvector_entries(entries)
        self.top = tsvector_entries(title) if title else {}
        self.facets = facets

    def _key(self, field: str, text: str) -> str:
        return _lexeme("n" if field == "names" else self.lang, text)

    def _count(self, field: str, lex: str) -> int:
        if field == "title":
            return _size(self.top.get(lex))
        if field == "desc":
            return _size(self.all.get(lex)) - _size(self.top.get(lex))
        return _size(self.all.get(lex))

    def count(self, field: str, term: str) -> int:
        return self._count(field, self._key(field, term))

    def _positions(self, field: str, lex: str) -> set[int]:
        top = set(_ints(self.top.get(lex)))
        if field == "title":
            return top
        return set(_ints(self.all.get(lex))) - top

    def phrase(self, field: str, terms: Sequence[str]) -> int:
        if not terms:
            return 0
        runs = [self._positions(field, self._key(field, t)) for t in terms]
        return sum(1 for p in runs[0] if all(p + k in runs[k] for k in range(1, len(runs))))

    def prefixed(self, field: str, prefix: str) -> int:
        key = self._key(field, prefix)
        return sum(self._count(field, lex) for lex in self.all if lex.startswith(key))

    def concepts(self, where: str) -> Set[str]:
        if where == "codes":
            return {lex[2:] for lex in self.all if lex.startswith("k:")}
        concepts = (lex for lex in self.all if lex.startswith("c:"))
        return {lex[2:] for lex in concepts if self._count(where, lex)}

    def has(self, field: str, value: str) -> bool:
        return facet(field, value) in self.facets


@functools.lru_cache(maxsize=4096)
def _lexeme(namespace: str, text: str) -> str:
    return lexeme(namespace, text)


def _qualified(order: str) -> str:
    """``order`` (over ``p``'s columns) for the outer query of the page."""
    return ", ".join(f"p.{part.strip()}" for part in order.split(","))


class _PgSession(Session):
    def __init__(
        self,
        backend: PostgresBackend,
        conn: Connection,
        viewer_tokens: frozenset[str],
        filters: dict[str, tuple[str, ...]],
        ok: bool,
        counted: bool = False,
        pairs: bool = False,
    ) -> None:
        self.backend = backend
        #: The rows hold the ``p:`` lexemes of adjacent lexemes: phrases match by them.
        self.pairs = pairs
        self.conn = conn
        self.ok = ok
        self.table = backend.table
        where = [f"access && {_ARRAY.format('tokens')}"]
        self.params: dict[str, Any] = {"tokens": sorted({tag(t) for t in viewer_tokens})}
        filters, scope = split_place(filters)
        for i, (name, values) in enumerate(sorted(filters.items())):
            where.append(f"facets && {_ARRAY.format(f'f{i}')}")
            self.params[f"f{i}"] = sorted({facet(name, v) for v in values})
        if scope is not None:
            place = place_match(scope.countries, scope.regions)
            where.append("false" if place is None else "tsv @@ CAST(:place AS tsquery)")
            self.params["place"] = place
        self.where = " AND ".join(where)
        self.scoped = scope is not None
        #: Document frequencies of spelling words from the stored counts: only the viewer's
        #: tokens restrict this session (the counts know no filters).
        self.counted = counted and len(where) == 1
        #: What ``expect`` announced, and what ``coverage`` then computed for it.
        self._expected: tuple[Coverage, SearchQuery, bool] | None = None
        self._levels: _Levels | None = None

    def _match(self, node: Node) -> str:
        """``compile_match`` of ``node`` for this index."""
        return compile_match(node, self.pairs)

    def _query(self, sql: str, **params: Any) -> sa.CursorResult[Any]:
        return self.conn.execute(sa.text(sql), {**self.params, **params})

    def _estimate(self, sql: str, params: dict[str, Any]) -> float:
        """The planner's estimate of the rows ``sql`` returns (no execution)."""
        plan = self._query(f"EXPLAIN (FORMAT JSON) {sql}", **params).scalar()
        if isinstance(plan, str):
            plan = json.loads(plan)
        return float(plan[0]["Plan"]["Plan Rows"])

    def run(self, node: Node | None, q: SearchQuery, facets: bool) -> Run:
        """Total, facet counts and the page in one statement over one snapshot.

        The matches (``m``) are read without their large ``tsvector``; one pass over them
        gives the exact total and every facet count together (``_counts_sql``), another the
        page or the candidates; ``m`` is kept between the two only when a row is costly to
        decide (``_materialized``).  With relevance sorting only a candidate set is ranked
        exactly (by ``search.backends.relevance`` over the query's entries of the full
        ``tsvector``, which lives in TOAST storage; see ``_ranked``): the
        ``max(CANDIDATES, page * per_page)`` matches with the best coarse score, which is
        ``ts_rank`` over the small title ``tsvector`` (0 without a title match; ties: newest
        first), as the whoosh session ranks only its best title tier."""
        if not self.ok:
            return Run(0, [], {name: [] for name in FILTER_FIELDS} if facets else {})
        if isinstance(node, Coverage):
            return self._run_coverage(node, q, facets)
        where, params = self.where, {}
        if node is not None:
            where += " AND tsv @@ CAST(:match AS tsquery)"
            params["match"] = self._match(node)
        rank = compile_rank(node) if q.sort == "relevance" else None
        mat = _materialized(
            params.get("match"),
            self.scoped,
            lambda: self._estimate(f"SELECT 1 FROM {self.table} WHERE {where}", params),
        )
        need = q.page * q.per_page
        params.update(lim=q.per_page, off=need - q.per_page)
        cols = "ctid AS tid, id, created, updated" + (", fsum, frest" if facets else "")
        if rank is not None and node is not None:
            params.update(rank=rank, cand=max(CANDIDATES, need))
            rq = "CAST(:rank AS tsquery)"
            ctes = (
                f"m AS {mat} (SELECT {cols}, CASE WHEN ttv @@ {rq} "
                f"THEN ts_rank(ttv, {rq}) ELSE 0 END AS tier FROM {self.table} WHERE {where}), "
                "c AS (SELECT tid, id, created, 0.0 AS nw, 0 AS nb, false AS dem FROM m "
                "ORDER BY tier DESC, created DESC, id LIMIT :cand)"
            )
            return self._ranked(ctes, params, facets, node, q)
        order = ("updated" if q.sort == "updated" else "created") + " DESC, id"
        ctes = (
            f"m AS {mat} (SELECT {cols} FROM {self.table} WHERE {where}), "
            f"p AS (SELECT tid, id, created, updated, 0.0 AS score FROM m ORDER BY {order} "
            "LIMIT :lim OFFSET :off)"
        )
        return self._finish(ctes, order, params, facets)

    def _finish(self, ctes: str, order: str, params: dict[str, Any], facets: bool) -> Run:
        """Total, facets and page from the CTEs ``m`` (matches) and ``p`` (the page)."""
        sql = (
            f"WITH {ctes} SELECT {_counts_sql(facets, self.table)}, "
            "(SELECT json_agg(json_build_array(p.id, t.kind, t.title, t.description, "
            f"t.text_language, p.score) ORDER BY {_qualified(order)}) "
            f"FROM p JOIN {self.table} t ON t.ctid = p.tid)"
        )
        counts, page = self._query(sql, **params).one()
        ranked = [(tuple(r[:5]), float(r[5])) for r in page or ()]
        total, facet_counts = _facet_counts(counts, facets)
        return Run(total, ranked, facet_counts)

    def _ranked(
        self, ctes: str, params: dict[str, Any], facets: bool, node: Node, q: SearchQuery
    ) -> Run:
        """Total, facets and page when ranking by relevance: the CTEs ``m`` (matches) and
        ``c`` (the candidates, with ``nw``, ``nb`` and ``dem`` of ``coverage_score``).

        Each candidate comes with the entries of its ``tsvector`` that the query names
        (its one read of the full ``tsvector``); its relevance is computed here by the rule
        the memory backend uses (``search.backends.relevance``), then the page's stored
        fields are read in the same snapshot."""
        entries, title = _entries_sql(node, params)
        sql = (
            f"WITH {ctes} SELECT {_counts_sql(facets, self.table)}, "
            "(SELECT json_agg(json_build_array(c.id, c.created, c.nw, c.nb, c.dem, "
            f"t.text_language, t.facets, {entries}, {title}, c.tid)) "
            f"FROM c JOIN {self.table} t ON t.ctid = c.tid)"
        )
        counts, candidates = self._query(sql, **params).one()
        total, facet_counts = _facet_counts(counts, facets)
        return Run(total, self._page(node, q, candidates or ()), facet_counts)

    def _page(
        self, node: Node, q: SearchQuery, candidates: Iterable[Sequence[Any]]
    ) -> list[tuple[Any, float]]:
        """The page of ``q`` among ``candidates`` (``id, created, nw, nb, dem, language,
        facets, entries, title entries, ctid``), ranked by relevance, with stored fields."""
        scored = []
        tids: dict[str, str] = {}
        for doc_id, created, nw, nb, dem, lang, tags, named, in_title, tid in candidates:
            tids[doc_id] = tid
            doc = _Postings(language_key(lang), named, in_title, tags)
            if isinstance(node, Coverage):
                found = coverage_relevance(node, doc)
                score = coverage_score(nw, nb, found[0] if found else 0.0, dem)
            else:
                score = relevance(node, doc) or 0.0
            scored.append((score, int(created), doc_id))
        scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
        page = scored[(q.page - 1) * q.per_page : q.page * q.per_page]
        stored: dict[str, tuple[Any, ...]] = {}
        if page:
            rows = self._query(
                "SELECT id, kind, title, description, text_language FROM "
                f"{self.table} WHERE ctid = ANY(CAST(:tids AS tid[]))",
                tids=[tids[doc_id] for _, _, doc_id in page],
            )
            stored = {r[0]: tuple(r) for r in rows}
        return [(stored[doc_id], score) for score, _, doc_id in page if doc_id in stored]

    def _coverage_rows(
        self,
        required: Node | None,
        optional: tuple[Node, ...],
        boosts: tuple[Node, ...],
        everything: bool,
        weights: tuple[float, ...] = (),
    ) -> tuple[str, dict[str, Any]]:
        """SQL of ``(id, n, nb)``: visible rows matching ``required``, with how many of
        ``optional`` (``n``) and of ``boosts`` (``nb``) they match.  Each node is one GIN
        index scan; the large ``tsvector`` is never read.  ``everything``: rows matching
        none of ``optional`` too."""
        where, params = self.where, {}
        if required is not None:
            where += " AND tsv @@ CAST(:req AS tsquery)"
            params["req"] = self._match(required)
        parts = []
        for i, n in enumerate(optional):
            params[f"o{i}"] = self._match(n)
            params[f"w{i}"] = weights[i] if i < len(weights) else 1.0
            parts.append(
                f"SELECT ctid AS tid, 1 AS o, CAST(:w{i} AS float8) AS w, 0 AS b FROM {self.table} "
                f"WHERE {where} AND tsv @@ CAST(:o{i} AS tsquery)"
            )
        for i, n in enumerate(boosts):
            params[f"b{i}"] = self._match(n)
            parts.append(
                f"SELECT ctid AS tid, 0 AS o, 0.0 AS w, 1 AS b FROM {self.table} WHERE {where} "
                f"AND tsv @@ CAST(:b{i} AS tsquery)"
            )
        if everything:
            parts.append(
                f"SELECT ctid AS tid, 0 AS o, 0.0 AS w, 0 AS b FROM {self.table} WHERE {where}"
            )
        union = " UNION ALL ".join(parts)
        sql = (
            f"SELECT tid, sum(o) AS n, sum(w) AS nw, sum(b) AS nb FROM ({union}) AS u GROUP BY tid"
        )
        return sql, params

    def coverage(
        self, required: Node | None, optional: tuple[Node, ...]
    ) -> tuple[list[int], list[int]]:
        hist = [0] * (len(optional) + 1)
        counts = [0] * len(optional)
        expected, self._expected = self._expected, None
        if not self.ok or not optional:
            return counts, hist
        if (
            expected is not None
            and expected[0].optional == optional
            and and_of(list(expected[0].required)) == required
        ):
            return self._coverage_levels(*expected)
        where, params = self._clauses(required, optional)
        parts = [
            f"SELECT ctid AS tid, {i} AS k FROM {self.table} WHERE {where} "
            f"AND tsv @@ CAST(:o{i} AS tsquery)"
            for i in range(len(optional))
        ]
        # One statement: one GIN index scan per clause, counted per clause and per doc.
        sql = (
            f"WITH u AS MATERIALIZED ({' UNION ALL '.join(parts)}) "
            "SELECT (SELECT json_agg(json_build_array(k, c)) FROM "
            "(SELECT k, count(*) AS c FROM u GROUP BY k) AS a), "
            "(SELECT json_agg(json_build_array(n, c)) FROM (SELECT n, count(*) AS c FROM "
            "(SELECT count(*) AS n FROM u GROUP BY tid) AS d GROUP BY n) AS b)"
        )
        per_clause, per_doc = self._query(sql, **params).one()
        for k, c in per_clause or ():
            counts[int(k)] = int(c)
        for n, c in per_doc or ():
            hist[int(n)] += int(c)
        return counts, hist

    def _strict_rows(
        self, node: Coverage, boost_facets: list[list[str]]
    ) -> tuple[str, dict[str, Any]]:
        """The rows of ``_coverage_rows`` when every optional node must match: one index
        scan, with the columns the page needs (``t``'s), so that nothing is joined back."""
        where, params = self.where, {}
        every = and_of([*node.required, *node.optional])
        if every is not None:
            where += " AND tsv @@ CAST(:every AS tsquery)"
            params["every"] = self._match(every)
        n = len(node.optional)
        weight = sum(node.weight(i) for i in range(n))
        boosts = " + ".join(
            f"(facets && CAST(:bf{i} AS text[]))::int" for i in range(len(boost_facets))
        )
        for i, values in enumerate(boost_facets):
            params[f"bf{i}"] = values
        # n, nw and nb have the types of _coverage_rows' sums (bigint, float8, bigint).
        sql = (
            f"SELECT ctid AS tid, id, created, updated, facets, fsum, frest, ttv, "
            f"CAST({n} AS bigint) AS n, "
            f"CAST({weight} AS float8) AS nw, CAST({boosts or '0'} AS bigint) AS nb "
            f"FROM {self.table} WHERE {where}"
        )
        return sql, params

    def _run_coverage(self, node: Coverage, q: SearchQuery, facets: bool) -> Run:
        """A loose query: the rows of ``_coverage_rows`` with at least ``minimum``
        optional matches; ranked by ``coverage_score``: coverage, then the relevance of
        ``search.backends.relevance`` (candidates as in ``run``).  From the pass of
        ``coverage`` when it computed this run for every minimum (``expect``)."""
        levels = self._levels
        if levels is not None and levels.serves(node, q, facets):
            return self._run_levels(levels, node, q)
        boost_facets = _facet_values(node.boosts)
        if node.minimum == len(node.optional) and boost_facets is not None:
            # Every word is required: the strict match, with the boosts read from the
            # narrow facets column (a place's states), not from one index scan per node.
            rows_sql, params = self._strict_rows(node, boost_facets)
            source, cv = f"({rows_sql}) AS t", "t"
        else:
            rows_sql, params = self._coverage_rows(
                and_of(list(node.required)),
                node.optional,
                node.boosts,
                node.minimum == 0,
                node.weights,
            )
            source = f"(({rows_sql} HAVING sum(o) >= :minimum)) AS cv "
            source += f"JOIN {self.table} t ON t.ctid = cv.tid"
            cv = "cv"
        mat = _materialized(
            params.get("every"), cv == "cv" or self.scoped, lambda: self._estimate(rows_sql, params)
        )
        need = q.page * q.per_page
        params.update(lim=q.per_page, off=need - q.per_page, minimum=node.minimum)
        cols = f"{cv}.tid, t.id, t.created, t.updated" + (", t.fsum, t.frest" if facets else "")
        dem, cov = _coverage_sql(node, f"{cv}.nw", f"{cv}.nb", params)
        if q.sort != "relevance":
            order = ("updated" if q.sort == "updated" else "created") + " DESC, id"
            ctes = (
                f"m AS {mat} (SELECT {cols} FROM {source}), "
                f"p AS (SELECT tid, id, created, updated, 0.0 AS score FROM m ORDER BY {order} "
                "LIMIT :lim OFFSET :off)"
            )
            return self._finish(ctes, order, params, facets)
        params["cand"] = max(CANDIDATES, need)
        tier = _tier_sql(node, params)
        ctes = (
            f"m AS {mat} (SELECT {cols}, {cv}.nw, {cv}.nb, {dem} AS dem, {cov} AS cov, "
            f"{tier} AS tier FROM {source}), "
            "c AS (SELECT tid, id, created, nw, nb, dem FROM m "
            "ORDER BY cov DESC, tier DESC, created DESC, id LIMIT :cand)"
        )
        return self._ranked(ctes, params, facets, node, q)

    def expect(self, node: Coverage, q: SearchQuery, facets: bool) -> None:
        self._expected = (node, q, facets)

    def _clauses(
        self, required: Node | None, optional: tuple[Node, ...]
    ) -> tuple[str, dict[str, Any]]:
        """The visible rows' condition with the required part, and the parameters of both
        and of each optional clause (``:o0``, ``:o1``…)."""
        where, params = self.where, {}
        if required is not None:
            where += " AND tsv @@ CAST(:req AS tsquery)"
            params["req"] = self._match(required)
        for i, n in enumerate(optional):
            params[f"o{i}"] = self._match(n)
        return where, params

    def present(self, required: Node | None, optional: tuple[Node, ...]) -> list[bool] | None:
        """One ``EXISTS`` per clause (each stops at its first visible match), but only when
        a word of the clauses was never indexed (not in ``<table>_vocab``: a misspelling,
        most often); else None, and ``coverage`` counts them as usual."""
        if not self.ok or not optional:
            return None
        known = self.backend.vocabulary(self.conn).known
        if all(fold_token(w) in known for n in optional for w in positive_terms(n)[0]):
            return None
        where, params = self._clauses(required, optional)
        parts = [
            f"EXISTS (SELECT 1 FROM {self.table} WHERE {where} AND tsv @@ CAST(:o{i} AS tsquery))"
            for i in range(len(optional))
        ]
        return [bool(x) for x in self._query(f"SELECT {', '.join(parts)}", **params).one()]

    def _coverage_levels(
        self, node: Coverage, q: SearchQuery, facets: bool
    ) -> tuple[list[int], list[int]]:
        """``coverage`` of ``node``'s clauses, and in the same pass over their matches, when
        every clause matches something (then the engine runs ``node`` next, with a minimum
        it chooses from the histogram), that run for every minimum it may choose: the facet
        counts per coverage level and, per level, the ``cand`` best rows in the run's order
        (``pos``).  Kept in ``_levels`` for ``_run_levels``: the clauses' index scans and the
        grouping of their rows are not done twice.  Only when those levels hold fewer than
        ``LEVELS_BELOW`` rows; else the run reads its matches on its own."""
        n_opt = len(node.optional)
        where, params = self.where, {"nopt": n_opt, "fill": FILL, "keep": LEVELS_BELOW}
        required = and_of(list(node.required))
        if required is not None:
            where += " AND tsv @@ CAST(:req AS tsquery)"
            params["req"] = self._match(required)
        parts = []
        for i, n in enumerate(node.optional):
            params[f"o{i}"], params[f"w{i}"] = self._match(n), node.weight(i)
            parts.append(
                f"SELECT ctid AS tid, {i} AS k, 1 AS o, CAST(:w{i} AS float8) AS w, 0 AS b "
                f"FROM {self.table} WHERE {where} AND tsv @@ CAST(:o{i} AS tsquery)"
            )
        boost_facets = _facet_values(node.boosts)
        nb = "g.nb"
        if boost_facets is not None:  # read from the narrow facets column, as _strict_rows
            for i, values in enumerate(boost_facets):
                params[f"bf{i}"] = values
            nb = " + ".join(
                f"(t.facets && CAST(:bf{i} AS text[]))::int" for i in range(len(boost_facets))
            )
            nb = f"CAST({nb or '0'} AS bigint)"
        else:
            for i, n in enumerate(node.boosts):
                params[f"b{i}"] = self._match(n)
                parts.append(
                    f"SELECT ctid AS tid, -1 AS k, 0 AS o, 0.0 AS w, 1 AS b FROM {self.table} "
                    f"WHERE {where} AND tsv @@ CAST(:b{i} AS tsquery)"
                )
        params["cand"] = max(CANDIDATES, q.page * q.per_page)
        dem, cov = _coverage_sql(node, "g.nw", nb, params)
        tier = _tier_sql(node, params)
        order = "cov DESC, tier DESC, created DESC, id"
        facet_rows = "NULL"
        if facets:
            facet_rows = (  # per level: its fsum sum and its values of frest
                "(SELECT json_agg(json_build_array(n, s::text, vs)) FROM (SELECT n, "
                "sum(s) AS s, json_agg(json_build_array(v, n_v)) FILTER (WHERE v IS NOT NULL) "
                f"AS vs FROM (SELECT n, v, count(*) AS n_v, sum(s) AS s FROM (SELECT n, "
                f"{_FACET_ENTRIES} FROM m) AS x GROUP BY n, v) AS g GROUP BY n) AS f)"
            )
        sql = (
            f"WITH u AS MATERIALIZED ({' UNION ALL '.join(parts)}), "
            "kc AS (SELECT k, count(*) AS c FROM u WHERE o = 1 GROUP BY k), "
            "g AS MATERIALIZED (SELECT tid, sum(o) AS n, sum(w) AS nw, sum(b) AS nb FROM u "
            "GROUP BY tid HAVING sum(o) >= 1), "
            "h AS (SELECT n, count(*) AS c FROM g GROUP BY n), "
            "lo AS (SELECT coalesce(max(n), 1) AS low FROM (SELECT n, sum(c) OVER "
            "(ORDER BY n DESC) AS shown FROM h) AS s WHERE shown >= :fill), "
            f"m AS MATERIALIZED (SELECT g.tid, t.id, t.created, t.fsum, t.frest, g.n, g.nw, "
            f"{nb} AS nb, "
            f"{dem} AS dem, {cov} AS cov, {tier} AS tier "
            f"FROM g JOIN {self.table} t ON t.ctid = g.tid WHERE g.n >= (SELECT low FROM lo)), "
            "top AS (SELECT x.*, "
            f"row_number() OVER (ORDER BY {order}) AS pos FROM (SELECT n FROM h WHERE "
            "n >= (SELECT low FROM lo)) AS lv, LATERAL (SELECT tid, id, created, n, nw, nb, dem, "
            f"cov, tier FROM m WHERE m.n = lv.n ORDER BY {order} LIMIT :cand) AS x) "
            "SELECT (SELECT json_agg(json_build_array(k, c)) FROM kc), "
            "(SELECT json_agg(json_build_array(n, c)) FROM h), "
            "CASE WHEN (SELECT count(*) FROM kc) = :nopt AND (SELECT sum(c) FROM h "
            "WHERE n >= (SELECT low FROM lo)) < :keep THEN json_build_array("
            "(SELECT low FROM lo), "
            f"{facet_rows}, (SELECT json_agg(json_build_array(tid, id, created, n, nw, nb, dem) "
            f"ORDER BY pos) FROM top), {_slots_sql(self.table) if facets else 'NULL'}) END"
        )
        per_clause, per_doc, every = self._query(sql, **params).one()
        counts = [0] * n_opt
        hist = [0] * (n_opt + 1)
        for k, c in per_clause or ():
            counts[int(k)] = int(c)
        for n, c in per_doc or ():
            hist[int(n)] += int(c)
        if every is not None:
            low, values, top, slots = every
            self._levels = _Levels(
                node, q, facets, int(low), hist, values or [], top or [], slots or []
            )
        return counts, hist

    def _run_levels(self, levels: _Levels, node: Coverage, q: SearchQuery) -> Run:
        """``node``'s run from ``levels``: the rows of the levels from ``node.minimum`` up,
        their facet counts added, the best ``cand`` of them (in the run's order) ranked by
        relevance as ``_ranked`` ranks its candidates."""
        m = node.minimum
        total = sum(levels.hist[m:])
        facet_counts: dict[str, list[tuple[str, int]]] = {}
        if levels.facets:
            summed: Counter[str] = Counter()
            slot_sum = 0
            for n, s, vs in levels.values:
                if n >= m:
                    slot_sum += int(s) if s else 0
                    for v, c in vs or ():
                        summed[v] += c
            data = [levels.slots, total, str(slot_sum), list(summed.items())]
            _, facet_counts = _facet_counts(data, True)
        cand = max(CANDIDATES, q.page * q.per_page)
        chosen = [row for row in levels.top if row[3] >= m][:cand]
        candidates: list[Sequence[Any]] = []
        if chosen:
            params: dict[str, Any] = {"tids": [row[0] for row in chosen]}
            entries, title = _entries_sql(node, params)
            rows = self._query(
                "SELECT json_agg(json_build_array(t.id, t.text_language, t.facets, "
                f"{entries}, {title})) FROM {self.table} t "
                "WHERE t.ctid = ANY(CAST(:tids AS tid[]))",
                **params,
            ).scalar()
            read = {r[0]: r[1:] for r in rows or ()}
            for tid, doc_id, created, _n, nw, nb, dem in chosen:
                if doc_id in read:
                    candidates.append((doc_id, created, nw, nb, dem, *read[doc_id], tid))
        return Run(total, self._page(node, q, candidates), facet_counts)

    def count_upto(self, node: Node | None, limit: int) -> int:
        """Counts at most ``limit`` rows: the index scan stops there."""
        if not self.ok:
            return 0
        if isinstance(node, Coverage):
            return super().count_upto(node, limit)
        where, params = self.where, {"lim": limit}
        if node is not None:
            where += " AND tsv @@ CAST(:match AS tsquery)"
            params["match"] = self._match(node)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {self.table} WHERE {where} LIMIT :lim) AS s"
        return int(self._query(sql, **params).scalar() or 0)

    def knows(self, word: str) -> bool:
        if not self.ok:
            return False
        sql = (
            f"SELECT EXISTS (SELECT 1 FROM {self.table} WHERE {self.where} "
            "AND tsv @@ CAST(:match AS tsquery))"
        )
        return bool(self._query(sql, match=self._match(Word(word))).scalar())

    def similar(self, word: str) -> list[str]:
        """Close words of the vocabulary that occur in a visible document."""
        if not self.ok:
            return []
        w = clean_text(fold_token(word))
        maxd = max_distance(w)
        pool = self.backend.vocabulary(self.conn).near(w, maxd)
        close = difflib.get_close_matches(w, pool, n=SPELL_CANDIDATES, cutoff=0.7)
        dist = {c: d for c in close if c != w and (d := edit_distance(w, c)) <= maxd}
        if not dist:
            return []
        if self.counted:
            sql = (
                f"SELECT word, sum(n) FROM {self.table}_spell WHERE word = ANY(CAST(:cands AS "
                f"text[])) AND {self.where} GROUP BY word"
            )
        else:
            sql = (
                f"SELECT v, (SELECT count(*) FROM {self.table} WHERE {self.where} "
                "AND spell @> ARRAY[v]) FROM unnest(CAST(:cands AS text[])) AS v"
            )
        rows = self._query(sql, cands=sorted(dist)).all()
        df = {v: int(n) for v, n in rows if n}
        return sorted(df, key=lambda c: (dist[c], -df[c], c))

    def hit(self, ref: Any, score: float, marker: Marker | None) -> Hit:
        doc_id, kind, title, desc, lang = ref
        snip = best_snippet(title, desc, lang, marker) if marker is not None else None
        return Hit(id=doc_id, kind=kind, score=float(score), title=title, snippet=snip)

    def close(self) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()
