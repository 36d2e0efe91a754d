"""Background jobs: work that follows a commit (index drain, match refresh, emails), scheduled
work (expiry, pruning) and long tasks with a progress bar (web imports).

    enqueue_after_commit("match.refresh", refs=[["programme", 7]])  # inside a unit of work
    enqueue("search.drain")                                          # outside one: send now

Jobs are registered by name in ``kb.jobs.tasks`` (:func:`kb.jobs.registry.job`); arguments are
JSON-safe. Without ``KB_QUEUE_URL`` jobs run in this process right after the commit (embedded
queue, for ``make run`` and tests); with ``KB_QUEUE_URL=redis://…`` they go to Dramatiq and
``flask kb worker`` runs them. A job is retried (``KB_JOB_RETRIES``), then kept as failed for
the Secretariat (``/secretariat/jobs``), who can retry it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app

from kb.extensions import db
from kb.jobs.registry import get_job, job

__all__ = [
    "discard_pending",
    "dispatch_pending",
    "enqueue",
    "enqueue_after_commit",
    "enqueue_soon",
    "enqueue_tracked",
    "job",
]

_PENDING = "pending_jobs"


def _checked(name: str, kwargs: dict[str, Any]) -> str:
    get_job(name)  # unknown names fail where they are enqueued, not in a worker
    return json.dumps(kwargs, sort_keys=True)  # JSON-safe, or a TypeError here


def enqueue_after_commit(name: str, **kwargs: Any) -> None:
    """Run job ``name`` once the current unit of work commits (dropped if it rolls back).
    The same job with the same arguments is queued once per commit."""
    key = (name, _checked(name, kwargs))
    pending: dict[tuple[str, str], dict[str, Any]] = db.session.info.setdefault(_PENDING, {})
    pending.setdefault(key, kwargs)


def enqueue(name: str, **kwargs: Any) -> None:
    """Send job ``name`` now (outside a unit of work: CLI, scheduler, retry button)."""
    _checked(name, kwargs)
    _send(name, kwargs, None)


def enqueue_soon(name: str, **kwargs: Any) -> None:
    """Send job ``name`` to run after the caller's work, never inside it (a page view, an
    app's start): in a worker (Dramatiq), or in the embedded queue's background thread of
    this process (at once only in its ``inline`` mode, the tests')."""
    from kb.jobs.queue import get_queue

    _checked(name, kwargs)
    queue = get_queue()
    try:
        queue.send_soon(name, kwargs)
    except Exception:  # the broker is down: the caller must not wait for the work
        current_app.logger.exception("Could not queue job %s; it will be asked again.", name)


def enqueue_tracked(name: str, user_id: int | None = None, **kwargs: Any) -> int:
    """Send a job whose progress a page follows; returns its record id (see
    :mod:`kb.jobs.records`). The job function receives ``job_id``."""
    from kb.jobs.queue import get_queue
    from kb.jobs.records import create_tracked

    _checked(name, kwargs)
    record = create_tracked(name, kwargs, user_id)
    get_queue().send_background(name, kwargs, record.id)
    return record.id


def discard_pending() -> None:
    db.session.info.pop(_PENDING, None)


def dispatch_pending() -> None:
    """After a commit: send the jobs the unit of work queued, in the order queued."""
    pending: dict[tuple[str, str], dict[str, Any]] = db.session.info.pop(_PENDING, {})
    for (name, _), kwargs in pending.items():
        _send(name, kwargs, None)


def _send(name: str, kwargs: dict[str, Any], job_id: int | None) -> None:
    from kb.jobs.queue import get_queue
    from kb.jobs.runner import run_with_retries

    queue = get_queue()
    try:
        queue.send(name, kwargs, job_id)
    except Exception:  # the broker is down: do the work here rather than lose it
        current_app.logger.exception("Could not queue job %s; running it in this process.", name)
        run_with_retries(name, kwargs, job_id, 0)
