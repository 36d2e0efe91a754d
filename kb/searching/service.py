"""The app's side of search: keeps the index in step with the database and queries it.

Changes reach the index through the ``search_queue`` table: an operation's revision adds a
queue row in the same transaction, and after the commit :meth:`SearchService.drain` rewrites the
queued documents from the committed rows. Draining holds an exclusive lock across processes and
reads the database after taking it, so the last writer always writes the latest state and no
update is lost; a failed drain leaves the rows for the next one. The lock is a file lock next to
the whoosh index (one host), or, for the postgres backend, a PostgreSQL advisory lock (every
host): its writes are transactional, but without the lock a drain that read a record before
another drain's newer commit could still write the older state last.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, func, select

from kb.catalogue.eligibility import status_clause
from kb.extensions import db
from kb.models import Programme, SearchQueueEntry
from kb.models.catalogue import ENDED
from kb.searching.cache import GenerationMarker, ResultCache
from kb.searching.documents import (
    all_documents,
    all_refs,
    country_names,
    load_records,
    to_document,
)
from kb.searching.lock import index_lock
from kb.searching.memory import default_plan
from search import IndexUnavailable, SearchBackend, SearchQuery, SearchResult, get_backend

#: Records loaded from the database at once while draining.
DRAIN_BATCH = 500
#: Queued records written to the index in one commit (a whoosh commit merges segments: one
#: per 500 records made a 10,000-row import's drain twice as slow).
DRAIN_ROUND = 20_000
#: While the index is missing or outdated, a process looks at its state again after this many
#: seconds (the rebuild runs elsewhere: a job).
RECHECK_SECONDS = 5.0
#: A rebuild asked for this long ago and still not done (a lost job) is asked for again.
REBUILD_ASK_AGAIN_SECONDS = 600.0


@dataclass
class CheckReport:
    database: int
    index: int
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    orphans: list[str] = field(default_factory=list)  # in the index, not in the database
    queued: int = 0

    @property
    def ok(self) -> bool:
        return not self.missing and not self.orphans

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "database": self.database,
            "index": self.index,
            "missing": self.missing,
            "orphans": self.orphans,
            "queued": self.queued,
        }


class SearchService:
    def __init__(self, app: Flask) -> None:
        name = app.config["SEARCH_BACKEND"]
        options: dict[str, Any] = {}
        self.lock_path: Path | None = None
        if name == "whoosh":
            directory = Path(app.config["SEARCH_DIR"])
            options["path"] = directory
            sized = default_plan()  # half the machine (docs/OPERATIONS.md)
            options["limitmb"] = app.config.get("SEARCH_LIMITMB") or sized.limitmb
            options["procs"] = app.config.get("SEARCH_PROCS") or sized.procs
            self.lock_path = directory.with_name(directory.name + ".lock")
        elif name == "postgres":
            options["url"] = app.config["SEARCH_URL"]
            options["table"] = app.config["SEARCH_TABLE"]
        self.backend: SearchBackend = get_backend(name, **options)
        #: The index was current when this process last looked (then it stays so: only a
        #: new release changes the schema or the thesaurus).
        self._current = False
        self._readable = False
        self._looked_at = -RECHECK_SECONDS
        self._rebuild_asked_at: float | None = None
        #: The day this process last rewrote the documents of programmes that lapsed.
        self._lapsed_on: date | None = None
        #: Results cache (whoosh: the index and its generation marker are on this host).
        self.marker: GenerationMarker | None = None
        self.cache: ResultCache | None = None
        if self.lock_path is not None and app.config.get("SEARCH_CACHE", True):
            self.marker = GenerationMarker(self.lock_path.with_suffix(".generation"))
            self.cache = ResultCache(self.marker)

    def generation(self) -> Hashable:
        """This host's index generation (``None`` for the postgres backend, whose writes
        are database writes: they change the data generation of :mod:`kb.fragments`)."""
        return self.marker.read() if self.marker is not None else None

    def _changed(self) -> None:
        """After writing the index: other processes' cached results are now stale."""
        if self.marker is not None:
            self.marker.bump()
        if self.cache is not None:
            self.cache.clear()

    def _lock(self):  # type: ignore[no-untyped-def]
        timeout = current_app.config.get("SEARCH_LOCK_TIMEOUT", 30)
        writer_lock = getattr(self.backend, "writer_lock", None)
        if writer_lock is not None:  # postgres: an advisory lock, across hosts
            return writer_lock(timeout=timeout)
        return index_lock(self.lock_path, timeout=timeout)

    def ready(self) -> bool:
        """Whether searches can be answered now. The index is never built inside the caller
        (a page view): when it is missing or outdated (a new schema or thesaurus), its
        rebuild is queued as the ``search.rebuild`` job, and searches are answered from the
        old index while it is still readable (same schema), else not at all (the pages say
        the index is being rebuilt) until the job is done."""
        if self._current:
            return True
        now = time.monotonic()
        if now - self._looked_at < RECHECK_SECONDS:
            return self._readable
        self._looked_at = now
        if not self.backend.needs_rebuild():
            self._current = self._readable = True
            return True
        asked = self._rebuild_asked_at
        if asked is None or now - asked > REBUILD_ASK_AGAIN_SECONDS:
            from kb.jobs import enqueue_soon

            self._rebuild_asked_at = now
            current_app.logger.info("Search index missing or outdated: rebuild queued.")
            enqueue_soon("search.rebuild")  # inline in tests: done when this returns
            if not self.backend.needs_rebuild():
                self._current = self._readable = True
                return True
        self._readable = self.backend.can_search()
        return self._readable

    def drain(self) -> int:
        """Write queued changes to the index; return how many records were rewritten."""
        done = 0
        with self._lock():
            if self.backend.needs_rebuild():  # upserts would be skipped: rebuild instead
                self._rebuild()
            while True:
                queue = SearchQueueEntry
                rows = db.session.execute(
                    select(queue.id, queue.record_kind, queue.record_id)
                    .order_by(queue.id)
                    .limit(DRAIN_ROUND)
                ).all()
                if not rows:
                    break
                refs = sorted({(kind, record_id) for _, kind, record_id in rows})
                gone: list[str] = []
                self.backend.upsert(self._documents(refs, gone))  # one index commit a round
                if gone:
                    self.backend.delete(gone)
                self._changed()
                ids = [row[0] for row in rows]
                for start in range(0, len(ids), DRAIN_BATCH):  # then the queue rows go
                    part = ids[start : start + DRAIN_BATCH]
                    db.session.execute(
                        delete(SearchQueueEntry).where(SearchQueueEntry.id.in_(part))
                    )
                db.session.commit()
                done += len(refs)
        return done

    @staticmethod
    def _documents(refs: list[tuple[str, int]], gone: list[str]) -> Iterator[dict[str, Any]]:
        """The documents of ``refs``, loaded :data:`DRAIN_BATCH` records at a time; the refs
        of records no longer in the database are added to ``gone``."""
        names = country_names()
        for start in range(0, len(refs), DRAIN_BATCH):
            part = set(refs[start : start + DRAIN_BATCH])
            records = load_records(part)
            gone += [f"{kind}:{rid}" for kind, rid in sorted(part - set(records))]
            for record in records.values():
                yield to_document(record, names)

    def _rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the whole index from the database (the caller holds the lock)."""
        first = not self.backend.can_search()
        started = time.monotonic()
        count = self.backend.rebuild(all_documents(), progress=progress)
        self._changed()
        db.session.rollback()  # end the long read transaction
        current_app.logger.info(
            "Search index %s: %d documents in %.1f s.",
            "built" if first else "rebuilt",
            count,
            time.monotonic() - started,
        )
        return count

    def reindex(
        self, progress: Callable[[int], None] | None = None, if_needed: bool = False
    ) -> int:
        """Rebuild the whole index from the database (``if_needed``: only when it is missing
        or outdated, checked once the lock is held, so that processes that all asked for a
        rebuild build it once), then apply what was queued meanwhile. Returns the documents
        indexed (0: nothing was needed)."""
        with self._lock():
            count = 0
            if not if_needed or self.backend.needs_rebuild():
                count = self._rebuild(progress)
        self.drain()
        return count

    def check(self, repair: bool = False) -> CheckReport:
        """Compare the ids in the database and in the index; ``repair`` fixes differences."""
        in_db, in_index = all_refs(), self.backend.ids()
        queued = db.session.scalar(select(func.count()).select_from(SearchQueueEntry)) or 0
        report = CheckReport(
            database=len(in_db),
            index=len(in_index),
            missing=sorted(in_db - in_index),
            orphans=sorted(in_index - in_db),
            queued=queued,
        )
        if repair and not report.ok:
            with self._lock():
                if report.orphans:
                    self.backend.delete(report.orphans)
                refs = {(k, int(i)) for k, i in (ref.split(":") for ref in report.missing)}
                names = country_names()
                self.backend.upsert(to_document(r, names) for r in load_records(refs).values())
                self._changed()
        return report

    def refresh_lapsed(self, today: date | None = None) -> int:
        """Rewrite the documents of programmes still ``open`` in the database but past their
        end date or application deadline (``eligibility.status_clause(ENDED)``, the one rule):
        they then read ``ended`` (and unavailable) in the index, so ``status=open`` never lists
        them, whatever the scheduler did. Once a day per process, before its first search; the
        daily job closes them for good. Returns how many documents were rewritten."""
        today = today or date.today()
        if self._lapsed_on == today:
            return 0
        ids = list(db.session.scalars(select(Programme.id).where(status_clause(ENDED, today))))
        if ids:
            with self._lock():
                names = country_names()
                records = load_records({("programme", i) for i in ids}).values()
                self.backend.upsert(to_document(r, names) for r in records)
                self._changed()
        self._lapsed_on = today
        return len(ids)

    def search(self, query: SearchQuery) -> SearchResult:
        """Answer ``query``; raises :class:`search.IndexUnavailable` while there is no index
        to read (it is being built: see :meth:`ready`)."""
        if not self.ready():
            raise IndexUnavailable("the search index is being rebuilt")
        try:
            self.refresh_lapsed()
        except Exception:  # the index is busy or failing: search anyway, retry next time
            db.session.rollback()
            current_app.logger.exception("Could not rewrite lapsed programmes before a search.")
        try:
            if self.cache is None:
                return self.backend.search(query)
            return self.cache.get_or_compute(query.normalised(), self.backend.search)
        except IndexUnavailable:
            # Its files became unreadable since it was found current: look again now, which
            # queues the rebuild (the page says the index is being rebuilt, and it is).
            current_app.logger.error("The search index cannot be read: rebuild queued.")
            self._current = False
            self._looked_at = float("-inf")
            self._rebuild_asked_at = None
            self.ready()
            raise


def init_app(app: Flask) -> None:
    app.extensions["kb_search"] = None  # created on first use (CLI commands may not need it)


def search_service() -> SearchService:
    service = current_app.extensions.get("kb_search")
    if service is None:
        service = SearchService(current_app)
        current_app.extensions["kb_search"] = service
    return service


def index_pending() -> None:
    """After a commit: bring the index up to date; on failure keep the queue for later."""
    try:
        search_service().drain()
    except Exception:  # the data is committed; the queue keeps the work
        db.session.rollback()
        current_app.logger.exception("Search indexing failed; changes stay queued.")
