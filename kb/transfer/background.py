"""Web imports as tracked jobs: the upload is kept in the database, a job imports it (all or
nothing, :func:`kb.transfer.importer.run_import`) and reports its progress on its job record,
which the import status page polls.

Progress goes to the job record through a connection of its own, so it is visible while the
import's own transaction is still open. SQLite lets one connection write at a time: there the
rows' progress is reported while they are checked (the long part, read-only), and the writing
shows as one step.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, update

from kb.errors import Invalid
from kb.extensions import db
from kb.jobs import enqueue_tracked
from kb.models import ImportUpload, JobRecord, User
from kb.models.types import utcnow
from kb.notifications.operations import in_language_of
from kb.transfer.importer import ImportReport, catch_up, run_import
from kb.transfer.reading import read_file

JOB_NAME = "transfer.import"
#: Steps of a web import, in order (``result["step"]`` while it runs).
STEPS = ("queued", "checking", "writing", "updating", "finished")
#: Rows shown per list of issues on the page (the counts are always complete).
SHOWN_ISSUES = 1000
#: Seconds between two progress writes.
PROGRESS_EVERY = 0.5


def start_import(data: bytes, filename: str, kind: str, dry_run: bool, user: User) -> int:
    """Keep the uploaded file and queue its import; return the job's id."""
    upload = ImportUpload(filename=filename, data=data, created_by_id=user.id)
    db.session.add(upload)
    db.session.commit()
    return enqueue_tracked(
        JOB_NAME, user_id=user.id, upload_id=upload.id, kind=kind, dry_run=dry_run
    )


def run_import_job(upload_id: int, kind: str, dry_run: bool, job_id: int) -> dict[str, Any]:
    """The job: import the upload as the Secretariat account that sent it; keep the report
    on the job record. Rows with errors are a result (nothing written), not a failure; an
    exception fails the job (retried, then listed on the Failed jobs page) and keeps the
    upload for the retry."""
    upload = db.session.get(ImportUpload, upload_id)
    if upload is None:
        raise LookupError(f"the uploaded file of import job {job_id} is gone")
    user = db.session.get(User, upload.created_by_id) if upload.created_by_id else None
    if user is None or user.role != "secretariat" or not user.is_active:
        raise PermissionError("the account that uploaded the file may no longer import")
    with in_language_of(user) as lang:  # the report in the language of the one who asked
        result = _run(upload, user, kind, dry_run, job_id)
        result["lang"] = lang
    _finish(job_id, upload_id, result)
    return result


def _run(upload: ImportUpload, user: User, kind: str, dry_run: bool, job_id: int) -> dict[str, Any]:
    progress = _ProgressWriter(job_id)
    try:
        kind, rows = read_file(upload.data, kind)
    except Invalid as err:
        messages = [m for ms in err.fields.values() for m in ms] or [err.message]
        return {"step": "finished", "refused": messages}
    report = run_import(
        rows,
        kind,
        user,
        dry_run=dry_run,
        progress=progress,
        comment=_("Imported from %(file)s", file=upload.filename),
        follow_up=False,
    )
    result = report_dict(report)
    if report.written and report.changed:
        progress.set(result | {"step": "updating"})
        catch_up(report)  # queued for workers, or run here by the embedded queue
    result["step"] = "finished"
    return result


def _finish(job_id: int, upload_id: int, result: dict[str, Any]) -> None:
    db.session.rollback()
    db.session.execute(delete(ImportUpload).where(ImportUpload.id == upload_id))
    record = db.session.get(JobRecord, job_id)
    if record is not None:
        record.result = result
        record.progress = record.total
        record.updated_at = utcnow()
    db.session.commit()


def report_dict(report: ImportReport) -> dict[str, Any]:
    """The report as JSON for the job record (issue lists cut at :data:`SHOWN_ISSUES`)."""

    def issues(items: list[Any]) -> list[dict[str, Any]]:
        return [
            {"row": i.row, "field": str(i.field), "message": str(i.message)}
            for i in items[:SHOWN_ISSUES]
        ]

    return {
        "kind": report.kind,
        "dry_run": report.dry_run,
        "ok": report.ok,
        "written": report.written,
        "total": report.total,
        "counts": report.counts(),
        "summary": report.summary(),
        "errors": issues(report.errors),
        "duplicates": issues(report.duplicates),
        "duplicate_headline": report.duplicate_headline,
        "proposed": report.proposed,
    }


class _ProgressWriter:
    """``progress(step, done, total)`` for :func:`run_import`, written to the job record at
    most every :data:`PROGRESS_EVERY` seconds on a connection of its own. Overall progress
    counts each row twice: once checked, once written."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = 0.0
        self.step = ""
        self.sqlite = db.engine.dialect.name == "sqlite"

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step == self.step and done < total and now - self.last < PROGRESS_EVERY:
            return
        if step == "writing" and self.sqlite and self.step == "writing":
            return  # the import's transaction holds SQLite's only write lock
        self.step, self.last = step, now
        offset = total if step == "writing" else 0
        self._write(progress=offset + done, total=2 * total, result={"step": step})

    def set(self, result: dict[str, Any]) -> None:
        self._write(result=result)

    def _write(self, **values: Any) -> None:
        statement = update(JobRecord).where(JobRecord.id == self.job_id)
        with db.engine.begin() as connection:
            connection.execute(statement.values(updated_at=utcnow(), **values))


def prune_uploads(days: int) -> int:
    """Forget uploads of imports that failed more than ``days`` ago."""
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(delete(ImportUpload).where(ImportUpload.created_at < cutoff))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


#: A running import whose record has not moved for this long is shown as stalled.
STALLED_AFTER = timedelta(minutes=10)


def import_status(job_id: int) -> dict[str, Any] | None:
    """What the status page and its JSON twin show of import job ``job_id`` (None: no such
    import)."""
    record = db.session.get(JobRecord, job_id)
    if record is None or record.name != JOB_NAME:
        return None
    result = dict(record.result or {})
    step = result.get("step") or ("queued" if record.status == "queued" else "checking")
    if record.status == "done":
        step = "finished"
    total = record.total or 0
    percent = 100 if step == "finished" else int(100 * record.progress / total) if total else 0
    running = record.status in ("queued", "running")
    error = (record.error or "").strip().splitlines()[-1:] if record.status == "failed" else []
    return {
        "id": record.id,
        "status": record.status,
        "step": step,
        "percent": percent,
        "progress": record.progress,
        "total": total,
        "dry_run": bool((record.kwargs or {}).get("dry_run")),
        "finished": not running or step == "finished",
        "stalled": running and utcnow() - record.updated_at > STALLED_AFTER,
        "error": error[0] if error else None,
        "updated_at": record.updated_at.isoformat(),
        "report": result if "summary" in result else None,
        "refused": result.get("refused"),
        "lang": result.get("lang"),  # the language the job worded its messages in
    }
