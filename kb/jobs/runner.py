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


def retrying(
    name: str, attempt: int, attempts: int, exc: BaseException, delay_s: float | None = None
) -> None:
    """A failed attempt that will be retried: one line (job, attempt, error). Its traceback
    is logged once, by :func:`fail`, if the job fails for good."""
    when = f" in {delay_s:g} s" if delay_s else ""
    current_app.logger.warning(
        "Job %s failed (attempt %d of %d), retrying%s: %s",
        name,
        attempt,
        attempts,
        when,
        error_line(exc),
    )


def error_line(exc: BaseException) -> str:
    """The error in one line: ``RuntimeError: flaky failure 1 of ABA``."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def fail(
    name: str, kwargs: dict[str, Any], job_id: int | None, exc: BaseException, attempts: int
) -> None:
    """A job failed for good: keep it (with its error) for the Secretariat, and log its
    traceback (the only time it is logged: failed attempts before say one line each)."""
    db.session.rollback()
    current_app.logger.error(
        "Job %s failed after %d attempt(s): %s", name, attempts, error_line(exc), exc_info=exc
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
            retrying(name, attempt, retries + 1, exc)
