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
from sqlalchemy import select

from kb import access
from kb.catalogue import operations
from kb.directory import operations as directory
from kb.errors import Conflict, DomainError
from kb.extensions import db
from kb.models import Country, Organisation, Programme, Request, Revision, User
from kb.models.types import utcnow
from kb.transfer.formats import Row
from kb.transfer.validate import Planned, Validator, column_of
from kb.uow import unit_of_work

Progress = Callable[[int], None]


@dataclass
class Issue:
    """A problem with one row and one field (``row`` 0: the whole file)."""

    row: int
    field: str
    message: str

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
        return f"{self.kind}: {self.total} rows {verb} imported ({parts})."


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
) -> ImportReport:
    """Validate ``rows`` of ``kind``; unless ``dry_run`` or any row is bad, write them all.

    ``actor`` (a Secretariat account) is named on every revision the import writes; None is the
    trusted loader, recorded as no user. ``comment`` goes on those revisions too (where the
    import came from).
    """
    report = ImportReport(kind=kind, dry_run=dry_run, total=len(rows))
    editor: Any = actor if actor is not None else _Loader()
    validator = Validator(kind, editor)
    planned = validator.check(rows)
    report.errors = [Issue(*issue) for issue in validator.errors]
    if report.errors:
        return report
    report.duplicates = [Issue(*issue) for issue in validator.duplicates(planned)]
    writer = _Writer(kind, actor, editor, comment)
    started = utcnow()
    try:
        with unit_of_work(index=False):
            for item in planned:
                writer.write(item, report)
                if progress:
                    progress(1)
            if report.errors or dry_run:
                raise _Rollback
    except _Rollback:
        if report.errors:
            report.created = report.updated = report.unchanged = 0
        return report
    catch_up()
    if kind in ("requests", "programmes"):
        from kb.jobs import enqueue

        enqueue("alerts.evaluate", since=started.isoformat())  # saved searches they match
    return report


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
        if record is None:
            self._create(item)
            return "created"
        assert isinstance(record, Request | Programme)
        changes = operations.update_record(self.editor, record, item.data, comment=self.comment)
        if item.action is not None:
            self._change_status(record, item.action)
        return "updated" if changes or item.action else "unchanged"

    def _change_status(self, record: Request | Programme, action: str) -> None:
        """As the record page's action buttons: the same rights check, a revision."""
        try:
            operations.change_status(self.editor, record, action, self.comment)
        except DomainError as err:
            raise Conflict(err.message, {"status": [err.message]}) from err

    def _create(self, item: Planned) -> None:
        requests = self.kind == "requests"
        create = operations.create_request if requests else operations.create_programme
        model = Request if requests else Programme
        status = item.status or "draft"
        published = status in access.PUBLISHED[model.kind]
        created = create(
            None,  # the trusted loader: it may set the status and the key
            item.data,
            external_key=item.key,
            status=status,
            published_at=utcnow() if published else None,
            created_by_id=self.actor.id if self.actor else None,
        )
        # The loader wrote the "imported" revision: name who imported, and from where. It is
        # still pending in the session (looked up there: a query per row would flush).
        revision = next(
            (
                r
                for r in db.session.new
                if isinstance(r, Revision)
                and r.record_kind == created.kind
                and r.record_id == created.id
            ),
            None,
        )
        if revision is not None:
            revision.user_id = self.actor.id if self.actor else None
            revision.comment = self.comment

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


def catch_up() -> None:
    """After a bulk commit: index the queued records and refresh stored match suggestions once."""
    from kb.matching.service import match_service
    from kb.searching.service import search_service

    try:
        search_service().drain()
        match_service().refresh()
        db.session.commit()
    except Exception:  # the import is committed; `flask search drain` / `match refresh` repair
        db.session.rollback()
        current_app.logger.exception("Indexing after the import failed.")
