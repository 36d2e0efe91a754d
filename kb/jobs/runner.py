"""Running one job: inside an app context, updating its record when it has one."""

from __future__ import annotations

import inspect
import traceback
from typing import Any

from flask import current_app

from kb.extensions import db
from kb.jobs.records import record_failure, set_state
from kb.jobs.registry import get_job
from kb.models import JobRecord


def execute(name: str, kwargs: dict[str, Any], job_id: int | None = None) -> Any:
    """Run the job once. A tracked job (``job_id``) gets ``job_id`` as an argument and its
    record moves to ``running``, then ``done`` (errors are left to :func:`fail`)."""
    function = get_job(name)
    if job_id is None:
        return function(**kwargs)
    record = db.session.get(JobRecord, job_id)
    attempts = (record.attempts if record else 0) + 1
    set_state(job_id, status="running", attempts=attempts, error=None)
    takes_id = "job_id" in inspect.signature(function).parameters
    result = function(**kwargs, job_id=job_id) if takes_id else function(**kwargs)
    set_state(job_id, status="done")
    return result


def describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).strip()


def fail(
    name: str, kwargs: dict[str, Any], job_id: int | None, exc: BaseException, attempts: int
) -> None:
    """A job failed for good: keep it (with its error) for the Secretariat."""
    db.session.rollback()
    current_app.logger.error(
        "Job %s failed after %d attempt(s): %s", name, attempts, exc, exc_info=exc
    )
    if job_id is None:
        record_failure(name, kwargs, describe(exc), attempts)
    else:
        set_state(job_id, status="failed", error=describe(exc))


def run_with_retries(name: str, kwargs: dict[str, Any], job_id: int | None, retries: int) -> None:
    """The embedded queue: run now, retry at once up to ``retries`` times, then keep the
    failure. Never raises (the caller's data is committed already)."""
    for attempt in range(1, retries + 2):
        try:
            execute(name, kwargs, job_id)
            return
        except Exception as exc:
            db.session.rollback()
            if attempt > retries:
                fail(name, kwargs, job_id, exc, attempt)
                return
            current_app.logger.warning(
                "Job %s failed (attempt %d), retrying: %s", name, attempt, exc
            )
