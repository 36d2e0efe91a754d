"""Scheduled jobs (APScheduler): what runs when. ``flask kb scheduler`` runs this table (one
scheduler per deployment); each entry only *enqueues* its job, so workers do the work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask


@dataclass(frozen=True)
class Scheduled:
    job: str
    #: APScheduler cron fields (UTC)
    cron: dict[str, Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    why: str = ""
    #: The scheduler's id for the entry when one job is scheduled twice (else the job's name).
    key: str = ""

    @property
    def ident(self) -> str:
        return self.key or self.job


SCHEDULE: tuple[Scheduled, ...] = (
    Scheduled(
        "programmes.close_expired",
        {"hour": 0, "minute": 15},
        why="programmes past their end date close (a revision says why)",
    ),
    Scheduled(
        "match.refresh",
        {"hour": 1, "minute": 0},
        why="time-based changes (deadlines, end dates) reach the stored suggestions",
    ),
    Scheduled(
        "calls.remind",
        {"hour": 8, "minute": 0},
        why="addressees of open calls that have not answered are reminded before the deadline",
    ),
    Scheduled(
        "alerts.evaluate",
        {"minute": 5},
        {"since_hours": 26},
        "saved searches catch up on records published lately (bulk loads, lost jobs)",
    ),
    Scheduled(
        "alerts.digest",
        {"hour": 6, "minute": 0},
        {"frequency": "daily"},
        "daily digests of saved-search matches",
        "alerts.digest:daily",
    ),
    Scheduled(
        "alerts.digest",
        {"day_of_week": "mon", "hour": 6, "minute": 10},
        {"frequency": "weekly"},
        "weekly digests of saved-search matches (Mondays)",
        "alerts.digest:weekly",
    ),
    Scheduled("jobs.prune", {"hour": 3, "minute": 30}, {"days": 30}, "forget old finished jobs"),
)


def build_scheduler(app: Flask, blocking: bool = True) -> Any:
    """An APScheduler scheduler with :data:`SCHEDULE`, enqueuing inside ``app``."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for entry in SCHEDULE:
        scheduler.add_job(
            _enqueue_in(app),
            CronTrigger(timezone="UTC", **entry.cron),
            args=[entry.job, entry.kwargs],
            id=entry.ident,
            name=f"{entry.job}: {entry.why}",
            coalesce=True,
            misfire_grace_time=3600,
        )
    return scheduler


def _enqueue_in(app: Flask) -> Any:
    def enqueue_job(name: str, kwargs: dict[str, Any]) -> None:
        from kb.jobs import enqueue

        with app.app_context():
            app.logger.info("Scheduled job %s queued.", name)
            enqueue(name, **kwargs)

    return enqueue_job
