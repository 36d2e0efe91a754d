"""Bulk import: every row validated by the catalogue's schemas, then all rows written or none.

Rows are matched to records by their external ``key``: a new key creates a record, a known key
updates it through :func:`kb.catalogue.operations.update_record` (a revision when something
changed), so importing the same file twice changes nothing. A different ``status`` moves an
existing record along one lifecycle transition (:func:`kb.catalogue.operations.change_status`).
Probable duplicates (same owner, same normalised title or name) are warnings, never errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb import access
from kb.catalogue import operations
from kb.codes import N_
from kb.directory import operations as directory
from kb.errors import Conflict, DomainError
from kb.extensions import db
from kb.history import MATCH_STATES
from kb.models import Country, Organisation, Programme, Request, User
from kb.models.types import utcnow
from kb.transfer.formats import Row
from kb.transfer.validate import Planned, Validator, column_of
from kb.uow import unit_of_work

#: ``progress(step, done, total)``: step ``checking`` then ``writing``.
Progress = Callable[[str, int, int], None]


@dataclass
class Issue:
    """A problem with one row and one field (``row`` 0: the whole file)."""

    row: int
    field: str
    message: str
    #: What the issue is about (a duplicate's title), for the report's headline.
    subject: str = ""

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass
class ImportReport:
    kind: str
    dry_run: bool = False
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)
    duplicates: list[Issue] = field(default_factory=list)
    #: The records the import changed (``(kind, id)``), for the index and match updates.
    changed: list[tuple[str, int]] = field(default_factory=list)
    #: States whose requests' matches the changed history can move (``kb.history``).
    states: list[str] = field(default_factory=list)
    #: Organisations the file names that were found nowhere: created (or, in a dry run, to be
    #: created) for the Secretariat to check (initiatives).
    proposed: list[str] = field(default_factory=list)

    @property
    def duplicate_headline(self) -> str:
        from kb.transfer.validate import duplicate_headline

        return duplicate_headline(self.duplicates)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
            "duplicates": len(self.duplicates),
        }

    def summary(self) -> str:
        parts = ", ".join(f"{n} {name}" for name, n in self.counts().items())
        if self.errors:
            return f"{self.kind}: nothing written ({parts})."
        verb = "would be" if self.dry_run else "were"
        proposed = ""
        if self.proposed:
            made = "would be created" if self.dry_run else "created"
            proposed = f" {len(self.proposed)} organisation(s) not found {made}."
        return f"{self.kind}: {self.total} rows {verb} imported ({parts}).{proposed}"


class _Rollback(Exception):
    """Leave the unit of work without committing (dry run, or an error while writing)."""


class _Loader:
    """The trusted loader (CLI imports without ``--as``): acts as the Secretariat, recorded as
    no user."""

    id = None
    is_authenticated = True
    is_active = True
    role = "secretariat"
    country_code = None
    organisation_id = None


def run_import(
    rows: list[tuple[int, Row]],
    kind: str,
    actor: User | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    comment: str | None = None,
    follow_up: bool = True,
) -> ImportReport:
    """Validate ``rows`` of ``kind``; unless ``dry_run`` or any row is bad, write them all.

    ``actor`` (a Secretariat account) is named on every revision the import writes; None is the
    trusted loader, recorded as no user. ``comment`` goes on those revisions too (where the
    import came from). ``progress(step, done, total)`` hears of each step (``checking``, then
    ``writing``). After the commit, the search index and stored matches of what changed are
    brought up to date by jobs (:func:`catch_up`); ``follow_up=False`` leaves that to the
    caller (who reports first).
    """
    report = ImportReport(kind=kind, dry_run=dry_run, total=len(rows))
    editor: Any = actor if actor is not None else _Loader()
    if kind == "initiatives":
        return _import_initiatives(rows, report, actor, editor, progress, comment, follow_up)
    validator = Validator(kind, editor)
    planned = validator.check(rows, _step(progress, "checking", len(rows)))
    report.errors = [Issue(*issue) for issue in validator.errors]
    if report.errors:
        return report
    report.duplicates = [Issue(*issue) for issue in validator.duplicates(planned)]
    writer = _Writer(kind, actor, editor, comment)
    try:
        with unit_of_work(index=False):
            writer.write_all(planned, report, _step(progress, "writing", len(planned)))
            if report.errors or dry_run:
                raise _Rollback
            report.changed = sorted(db.session.info.get("changed_refs", set()))
            report.states = sorted(db.session.info.get(MATCH_STATES, set()))
    except _Rollback:
        if report.errors:
            report.created = report.updated = report.unchanged = 0
        return report
    except IntegrityError as err:  # e.g. another import took a key meanwhile: nothing written
        current_app.logger.warning("Import refused by the database: %s", err.orig)
        report.errors = [Issue(0, "key", gettext(CONFLICT_MESSAGE))]
        report.created = report.updated = report.unchanged = 0
        return report
    if follow_up:
        catch_up(report)
    return report


def _import_initiatives(
    rows: list[tuple[int, Row]],
    report: ImportReport,
    actor: User | None,
    editor: Any,
    progress: Progress | None,
    comment: str | None,
    follow_up: bool,
) -> ImportReport:
    """Initiatives (:mod:`kb.initiatives.transfer`): each row through the operations inside
    one unit of work, rolled back whole on any error or for a dry run."""
    from kb.initiatives.transfer import write_rows

    if progress:  # rows are checked as they are written, by the operations
        progress("checking", len(rows), len(rows))
    step = _step(progress, "writing", len(rows))
    try:
        with unit_of_work(index=False):
            counts, errors, duplicates, proposed = write_rows(rows, actor, editor, comment, step)
            report.errors = [Issue(*issue) for issue in errors]
            report.duplicates = [Issue(*issue) for issue in duplicates]
            report.proposed = proposed
            if not errors:
                for name, n in counts.items():
                    setattr(report, name, n)
            if errors or report.dry_run:
                raise _Rollback
            report.changed = sorted(db.session.info.get("changed_refs", set()))
            report.states = sorted(db.session.info.get(MATCH_STATES, set()))
    except _Rollback:
        return report
    except IntegrityError as err:
        current_app.logger.warning("Import refused by the database: %s", err.orig)
        report.errors = [Issue(0, "key", gettext(CONFLICT_MESSAGE))]
        report.created = report.updated = report.unchanged = 0
        return report
    if follow_up:
        catch_up(report)
    return report


#: A database constraint refused the rows after they were checked (a concurrent change).
CONFLICT_MESSAGE = N_(
    "The database refused the rows (another change to the same records happened meanwhile); "
    "nothing was written. Run the import again."
)
#: Rows created per flush (and per progress report).
BATCH = 1000


def _step(progress: Progress | None, step: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    return lambda done: progress(step, done, total)


class _Writer:
    """Writes valid rows through the operations, as ``actor`` (None: the trusted loader)."""

    def __init__(self, kind: str, actor: User | None, editor: Any, comment: str | None) -> None:
        self.kind = kind
        self.actor = actor
        self.editor = editor
        self.comment = comment
        # Countries and organisations the operations look up by key, loaded once: held here,
        # ``session.get`` finds them in the identity map (no query, no autoflush per row).
        self._loaded: list[Any] = [
            *db.session.scalars(select(Country)),
            *(db.session.scalars(select(Organisation)) if kind == "programmes" else ()),
        ]

    def write_all(
        self,
        planned: list[Planned],
        report: ImportReport,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Update existing records row by row (each through the operations, with its rights
        check and revision), then create the new ones in batches of :data:`BATCH` rows."""
        new: list[Planned] = []
        done = 0
        if progress:
            progress(0)  # before the first write
        with db.session.no_autoflush:
            for item in planned:
                if item.existing is None and self.kind != "organisations":
                    new.append(item)
                    continue
                self.write(item, report)
                done += 1
                if progress and done % 100 == 0:
                    progress(done)
            for start in range(0, len(new), BATCH):
                batch = new[start : start + BATCH]
                self._create_batch(batch)
                report.created += len(batch)
                done += len(batch)
                if progress:
                    progress(done)
            db.session.flush()  # the updates too: a dry run meets what the commit would
        if progress:
            progress(done)

    def write(self, item: Planned, report: ImportReport) -> None:
        try:
            if self.kind == "organisations":
                outcome = self._organisation(item)
            else:
                outcome = self._record(item)
        except DomainError as err:
            fields = err.fields or {"_": [err.message]}
            for name, messages in fields.items():
                report.errors.extend(Issue(item.row, column_of(name), m) for m in messages)
            return
        setattr(report, outcome, getattr(report, outcome) + 1)

    def _record(self, item: Planned) -> str:
        record = item.existing
        assert isinstance(record, Request | Programme)
        changes = operations.update_record(
            self.editor, record, item.data, comment=self.comment, flush=False
        )
        if item.action is not None:
            self._change_status(record, item.action)
        return "updated" if changes or item.action else "unchanged"

    def _change_status(self, record: Request | Programme, action: str) -> None:
        """As the record page's action buttons: the same rights check, a revision."""
        try:
            operations.change_status(self.editor, record, action, self.comment)
        except DomainError as err:
            raise Conflict(err.message, {"status": [err.message]}) from err

    def _create_batch(self, items: list[Planned]) -> None:
        """New records through the bulk operation (multi-row inserts, not one per row); the
        revisions name who imported, and from where."""
        model = Request if self.kind == "requests" else Programme
        now, user_id = utcnow(), self.actor.id if self.actor else None
        rows = []
        for item in items:
            status = item.status or "draft"
            published = status in access.PUBLISHED[model.kind]
            extra = {
                "external_key": item.key,
                "status": status,
                "published_at": now if published else None,
                "created_by_id": user_id,
            }
            rows.append((dict(item.values or {}), extra))
        operations.import_records(model, rows, self.actor, self.comment)

    def _organisation(self, item: Planned) -> str:
        """Through the directory's operations, as in the UI: revisions, programmes reindexed."""
        org = item.existing
        if org is None:
            directory.create_organisation(
                self.editor, item.data, external_key=item.key, comment=self.comment
            )
            return "created"
        assert isinstance(org, Organisation)
        changes = directory.update_organisation(self.editor, org, item.data, comment=self.comment)
        return "updated" if changes else "unchanged"


def catch_up(changed: ImportReport | set[tuple[str, int]], states: set[str] | None = None) -> None:
    """After the commit: queue the index and match updates of what an import (or several
    files of one ``flask kb import``: one refit of the matcher, not one per file) changed,
    run by workers, or right here by the embedded queue. If they fail, the import stays
    committed: the jobs are retried, then listed for the Secretariat; ``flask search drain``
    and ``flask match refresh`` repair by hand."""
    from kb.jobs import enqueue
    from kb.uow import follow_up_jobs

    if isinstance(changed, ImportReport):
        report = changed
        changed = {(k, i) for k, i in report.changed} if report.written else set()
        states = set(report.states) if report.written else set()
    if changed:
        for name, kwargs in follow_up_jobs(changed, states):
            enqueue(name, **kwargs)
