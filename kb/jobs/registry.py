"""The named jobs the queue can run. A job is a plain function of JSON-safe keyword arguments,
run inside an application context; it raises to fail (and be retried) and must be safe to run
twice (delivery is at least once: a job whose worker died is run again)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JobFunction = Callable[..., Any]

_JOBS: dict[str, JobFunction] = {}


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``function`` under ``name`` (``"search.drain"``, ``"match.refresh"`` …)."""

    def register(function: JobFunction) -> JobFunction:
        if name in _JOBS and _JOBS[name] is not function:
            raise ValueError(f"a job named {name!r} is already registered")
        _JOBS[name] = function
        return function

    return register


def get_job(name: str) -> JobFunction:
    load_jobs()
    try:
        return _JOBS[name]
    except KeyError:
        raise LookupError(f"unknown job {name!r}") from None


def job_names() -> list[str]:
    load_jobs()
    return sorted(_JOBS)


def load_jobs() -> None:
    """Import the modules that register the app's jobs (idempotent)."""
    import kb.jobs.tasks  # noqa: F401
