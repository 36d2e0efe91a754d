"""Whoosh backend: index lifecycle (open, upsert, delete, atomic rebuild) and searching.

On disk, ``path`` holds generation directories and a ``current`` symlink::

    path/current -> gen-1731000000000-1234/   (whoosh files + meta.json)

``rebuild`` writes a fresh generation, then swaps the symlink atomically
(``os.replace``), so a crash mid-rebuild leaves the previous index untouched.  Each
search checks the symlink and reopens when another process swapped it.  ``meta.json``
records the schema and thesaurus versions; ``needs_rebuild()`` compares them.  With
``path=None`` the index lives in memory (``RamStorage``), for tests.

Writers use ``ix.writer(timeout=30)`` (never ``AsyncWriter``).  Searches reuse one
searcher until the index changes, under a lock: whoosh readers are not thread-safe.  Index only
after the database transaction commits; documents upserted while a rebuild runs in
another process land in the old generation, so re-upsert them afterwards.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable
from itertools import chain, islice
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.util import random_name
from whoosh.writing import CLEAR

from search.backends.engine import Engine, Run, Session
from search.backends.whoosh import speedups as _speedups  # noqa: F401 - faster whoosh internals, same results
from search.backends.whoosh.children import writers_die_with_parent
from search.backends.whoosh.masks import Masks, SegmentMaskCache
from search.backends.whoosh.schema import SCHEMA_VERSION, build_schema, to_fields
from search.backends.whoosh.session import WhooshSession
from search.interface.backend import ProgressCallback
from search.interface.documents import validate
from search.interface.errors import IndexUnavailable
from search.interface.query import SearchQuery
from search.interface.results import Hit
from search.querylang.parser import Node
from search.text.highlight import Marker
from search.text.thesaurus import Thesaurus

log = logging.getLogger(__name__)
META = "meta.json"
#: Postings (MB) an upsert's writer holds before spilling a sorted run to disk.
UPSERT_LIMITMB = 128
CURRENT = "current"
WRITE_TIMEOUT = 30.0
#: Rebuilds of fewer documents than this use one process (forking costs more).
MP_THRESHOLD = 2000


class PrivateRamStorage(RamStorage):
    """``RamStorage`` whose writers keep their temporary files in a directory of their own.

    Whoosh puts them in ``<tmp>/MAIN.tmp`` for every in-memory index and deletes that
    directory when a writer finishes, so two processes on one machine (two test runs)
    deleted each other's files mid-write (FileNotFoundError)."""

    def __init__(self) -> None:
        super().__init__()
        self._temp_prefix = random_name()

    def temp_storage(self, name: str | None = None) -> Any:
        return super().temp_storage(f"{self._temp_prefix}-{name or random_name()}")


class WhooshBackend(Engine):
    """``get_backend("whoosh", path=..., limitmb=1024, procs=None)``.

    ``procs``: writer processes for ``rebuild`` (default: up to 2, one per core).
    ``limitmb``: postings each writer process holds in memory before it spills a sorted
    run to disk.  Runs are merged by a Python heap, so spilling is slow: at 100k records
    (about 5M postings per process) 1024 keeps one run, 57 s, about 1.4 GB resident per
    process; 256 spills, 75 s, about 0.6 GB (docs/PERFORMANCE.md).
    """

    schema_version = SCHEMA_VERSION

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        limitmb: int = 1024,
        procs: int | None = None,
        thesaurus: Thesaurus | None = None,
    ) -> None:
        super().__init__(thesaurus)
        self.path = Path(path) if path is not None else None
        self.limitmb = limitmb
        self.procs = max(1, int(procs if procs is not None else min(2, os.cpu_count() or 1)))
        self._lock = threading.RLock()
        self._ix: Any = None
        self._target: str | None = None
        self._ram_meta: dict[str, Any] | None = None
        self._searcher: Any = None
        self._masks: Masks | None = None
        self._cache = SegmentMaskCache()
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)

    # -- meta / opening ------------------------------------------------------------
    def _meta(self, complete: bool) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "thesaurus_version": self.thesaurus.version,
            "complete": complete,
            "written_at": time.time(),
        }

    def _read_meta(self) -> dict[str, Any] | None:
        if self.path is None:
            return self._ram_meta
        try:
            return json.loads((self.path / CURRENT / META).read_text())
        except (OSError, ValueError):
            return None

    def needs_rebuild(self) -> bool:
        meta = self._read_meta()
        current = (
            meta
            and meta.get("complete")
            and meta.get("schema_version") == SCHEMA_VERSION
            and meta.get("thesaurus_version") == self.thesaurus.version
        )
        if not current:
            return True
        try:  # a current version whose files cannot be read needs a rebuild as well
            with self._lock:
                self._index()
        except IndexUnavailable:
            return True
        return False

    def can_search(self) -> bool:
        if self.path is None:
            return self._ix is not None
        return self._compatible()

    def _compatible(self) -> bool:
        meta = self._read_meta()
        return bool(meta and meta.get("schema_version") == SCHEMA_VERSION)

    def _index(self, create: bool = False) -> Any:
        """The current whoosh index (reopened after a swap); None if there is none."""
        if self.path is None:
            if self._ix is None and create:
                self._ix = PrivateRamStorage().create_index(build_schema())
                self._ram_meta = self._meta(complete=False)
            return self._ix
        link = self.path / CURRENT
        try:
            target = os.readlink(link)
        except OSError:
            target = None
        if target is not None and not self._compatible():
            if create:
                log.warning("search index %s has another schema; rebuild needed", self.path)
            return None
        if target != self._target:
            self._drop_searcher()
            damage = None
            try:
                self._ix = _open_generation(self.path / target) if target else None
            except Exception as exc:  # damaged files: whoosh raises many kinds
                self._ix = self._target = None
                damage = f"the search index cannot be read: {exc}"
            if damage is not None:
                # whoosh leaves the file it failed on open: close it now (a rare path), not
                # at some later collection
                gc.collect()
                raise IndexUnavailable(damage)
            self._target = target
        if self._ix is None and create:
            gen = self._new_generation()
            whoosh_index.create_in(str(gen), build_schema())
            (gen / META).write_text(json.dumps(self._meta(complete=False)))
            self._swap(gen)
            return self._index()
        return self._ix

    def _new_generation(self) -> Path:
        assert self.path is not None
        gen = self.path / f"gen-{time.time_ns()}-{os.getpid()}"
        gen.mkdir()
        return gen

    def _swap(self, gen: Path) -> None:
        assert self.path is not None
        tmp = self.path / f".{CURRENT}-{os.getpid()}-{threading.get_ident()}"
        tmp.unlink(missing_ok=True)
        os.symlink(gen.name, tmp)
        os.replace(tmp, self.path / CURRENT)  # atomic on POSIX
        keep = {gen.name, self._target}
        old = sorted(p for p in self.path.glob("gen-*") if p.name not in keep)
        for p in old[:-1]:  # keep one previous generation for readers still open
            shutil.rmtree(p, ignore_errors=True)

    def _drop_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = self._masks = None

    # -- writing -------------------------------------------------------------------
    def upsert(self, docs: Iterable[dict[str, Any]]) -> None:
        """One writer and one commit for all ``docs``, read as they come (a bulk drain
        streams thousands): its postings spill to disk past ``limitmb``, so memory stays
        bounded. Searches in this process go on meanwhile (the writer sees only the
        committed index; ``self._lock`` is held only to open it)."""
        it = iter(docs)
        first = next(it, None)
        if first is None:
            return
        fields = to_fields(validate(first), self.thesaurus)
        with self._lock:
            ix = self._index(create=True)
        if ix is None:
            return
        writer = ix.writer(timeout=WRITE_TIMEOUT, limitmb=min(self.limitmb, UPSERT_LIMITMB))
        try:
            writer.update_document(**fields)
            for d in it:
                writer.update_document(**to_fields(validate(d), self.thesaurus))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        with self._lock:
            ix = self._index()
            if ix is None or not ids:
                return
            with ix.writer(timeout=WRITE_TIMEOUT) as w:
                for i in ids:
                    w.delete_by_term("id", i)

    def rebuild(
        self, docs: Iterable[dict[str, Any]], progress: ProgressCallback | None = None
    ) -> int:
        """Index ``docs`` into a fresh generation and swap it in atomically."""
        schema = build_schema()
        gen = None if self.path is None else self._new_generation()
        try:
            if gen is None:
                ix = PrivateRamStorage().create_index(schema)
            else:
                ix = whoosh_index.create_in(str(gen), schema)
            it = iter(docs)
            head = list(islice(it, MP_THRESHOLD))
            # In memory, one process: forked writers would fill copies of the RAM storage.
            procs = self.procs if len(head) == MP_THRESHOLD and gen is not None else 1
            opts: dict[str, Any] = {"limitmb": self.limitmb, "timeout": WRITE_TIMEOUT}
            if procs > 1:
                opts.update(procs=procs, multisegment=True)
            n = 0
            with writers_die_with_parent():  # killed mid-rebuild: no orphan holds the lock
                writer = ix.writer(**opts)
                try:
                    for d in chain(head, it):
                        writer.add_document(**to_fields(validate(d), self.thesaurus))
                        n += 1
                        if progress and n % 1000 == 0:
                            progress(n)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit(mergetype=CLEAR if procs == 1 else None)
            if gen is not None:
                (gen / META).write_text(json.dumps(self._meta(complete=True)))
        except BaseException:
            if gen is not None:
                shutil.rmtree(gen, ignore_errors=True)
            raise
        with self._lock:
            if gen is None:
                self._drop_searcher()
                self._ix, self._ram_meta = ix, self._meta(complete=True)
            else:
                self._swap(gen)
        if progress:
            progress(n)
        return n

    # -- reading -------------------------------------------------------------------
    def _fresh_searcher(self) -> tuple[Any, Masks] | None:
        ix = self._index()
        if ix is None:
            return None
        if self._searcher is not None and not self._searcher.up_to_date():
            # Not ``searcher.refresh()``: it reuses segment readers whose deletions
            # changed (segments compare equal by id), so deleted documents stayed
            # visible.  Term masks stay cached per segment, so reopening is cheap.
            self._drop_searcher()
        if self._searcher is None:
            self._searcher = ix.searcher()
        if self._masks is None:
            self._masks = Masks(self._searcher.reader(), self._cache)
        return self._searcher, self._masks

    def session(
        self, viewer_tokens: frozenset[str], filters: dict[str, tuple[str, ...]]
    ) -> Session:
        self._lock.acquire()
        try:
            opened = self._fresh_searcher()
            if opened is None:
                ix = PrivateRamStorage().create_index(build_schema())
                opened = ix.searcher(), Masks(ix.reader(), SegmentMaskCache())
            return _LockedSession(
                self._lock, WhooshSession(*opened, self.thesaurus, viewer_tokens, filters)
            )
        except BaseException:
            self._lock.release()
            raise

    def ids(self) -> set[str]:
        with self._lock:
            opened = self._fresh_searcher()
            if opened is None:
                return set()
            return {f["id"] for f in opened[0].reader().all_stored_fields()}

    def count(self) -> int:
        with self._lock:
            opened = self._fresh_searcher()
            return opened[0].doc_count() if opened else 0

    def close(self) -> None:
        with self._lock:
            self._drop_searcher()
            if self._ix is not None and self.path is not None:
                self._ix.close()
            self._ix = self._target = None

    def __del__(self) -> None:
        # Segment files are read through open file handles (see ``_open_generation``):
        # close them with the backend, not whenever the collector finds them.
        # Not contextlib.suppress: at interpreter shutdown module globals may be None.
        try:  # noqa: SIM105
            self._drop_searcher()
        except Exception:
            pass


class _LockedSession(Session):
    """Holds the backend lock for the duration of one search."""

    def __init__(self, lock: threading.RLock, inner: WhooshSession) -> None:
        self._lock = lock
        self.inner = inner

    def run(self, node: Node | None, q: SearchQuery, facets: bool) -> Run:
        return self.inner.run(node, q, facets)

    def coverage(
        self, required: Node | None, optional: tuple[Node, ...]
    ) -> tuple[list[int], list[int]]:
        return self.inner.coverage(required, optional)

    def count_upto(self, node: Node | None, limit: int) -> int:
        return self.inner.count_upto(node, limit)

    def knows(self, word: str) -> bool:
        return self.inner.knows(word)

    def similar(self, word: str) -> list[str]:
        return self.inner.similar(word)

    def hit(self, ref: Any, score: float, marker: Marker | None) -> Hit:
        return self.inner.hit(ref, score, marker)

    def close(self) -> None:
        self._lock.release()


def _open_generation(path: Path) -> Any:
    """Open an index generation with plain file reads, not ``mmap``: whoosh copies each
    memory-mapped segment file it opens into a ``BytesIO`` (``filedb.structfile.BufferFile``),
    so every process held its own copy of the postings (about 400 MB per web worker at
    100,000 records), where file reads share the operating system's page cache."""
    return FileStorage(str(path), supports_mmap=False).open_index()
