"""Job records: what the Secretariat sees of failed jobs, and the progress of tracked jobs.

These helpers commit on their own session: they run outside any unit of work (after the
commit, or inside a worker), and a record must survive the failure it describes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from kb.extensions import db
from kb.models import JobRecord
from kb.models.types import utcnow

ERROR_LIMIT = 4000


def record_failure(name: str, kwargs: dict[str, Any], error: str, attempts: int) -> JobRecord:
    """Keep a job that failed for good, for the Secretariat's failed-jobs page."""
    db.session.rollback()
    record = JobRecord(
        name=name,
        kwargs=kwargs,
        status="failed",
        attempts=attempts,
        error=error[-ERROR_LIMIT:],
        updated_at=utcnow(),
    )
    db.session.add(record)
    db.session.commit()
    return record


def create_tracked(name: str, kwargs: dict[str, Any], user_id: int | None) -> JobRecord:
    """A job whose progress a page follows (``status`` starts as ``queued``)."""
    record = JobRecord(name=name, kwargs=kwargs, status="queued", created_by_id=user_id)
    db.session.add(record)
    db.session.commit()
    return record


def set_state(job_id: int, **values: Any) -> None:
    """Update a tracked job's status/progress/result/error and commit at once."""
    record = db.session.get(JobRecord, job_id)
    if record is None:
        return
    for key, value in values.items():
        setattr(record, key, value)
    record.updated_at = utcnow()
    db.session.commit()


def failed_jobs(limit: int = 200) -> list[JobRecord]:
    query = (
        select(JobRecord)
        .where(JobRecord.status == "failed")
        .order_by(JobRecord.updated_at.desc(), JobRecord.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def failed_count() -> int:
    query = select(func.count()).select_from(JobRecord).where(JobRecord.status == "failed")
    return db.session.scalar(query) or 0


def prune_finished(days: int) -> int:
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(
        delete(JobRecord).where(
            JobRecord.status.in_(("done", "retried")), JobRecord.updated_at < cutoff
        )
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def retry_failed(job_id: int) -> None:
    """Send a failed job again; its record follows the new run (queued → done | failed)."""
    from kb.jobs.queue import get_queue

    record = db.session.get(JobRecord, job_id)
    if record is None or record.status != "failed":
        raise LookupError(f"no failed job {job_id}")
    record.status = "queued"
    record.updated_at = utcnow()
    name, kwargs = record.name, dict(record.kwargs or {})
    db.session.commit()
    get_queue().send_background(name, kwargs, job_id)
