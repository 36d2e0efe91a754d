"""The app's jobs: work after the commit and scheduled work."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app

from kb.jobs.registry import job


@job("search.drain")
def search_drain() -> None:
    """Apply the search queue to the index (raises if the index cannot be written)."""
    from kb.searching.service import search_service

    search_service().drain()


@job("search.rebuild")
def search_rebuild() -> int:
    """Rebuild the search index when it is missing or outdated (queued by the first search
    or readiness check that finds it so); then apply the queue. Returns documents indexed."""
    from kb.searching.service import search_service

    return search_service().reindex(if_needed=True)


@job("match.refresh")
def match_refresh(refs: list[list[Any]] | None = None, states: list[str] | None = None) -> None:
    """Refresh stored match suggestions for the requests ``refs`` ([kind, id] pairs) can
    affect (``states``: whose requests changed initiatives can move); without ``refs``, for
    every open request (as ``flask match refresh``)."""
    from kb.extensions import db
    from kb.matching.service import match_service

    service = match_service()
    if refs is None:
        service.refresh()
    else:
        service.refresh_records(
            [(str(kind), int(record_id)) for kind, record_id in refs],
            None if states is None else [str(s) for s in states],
        )
    db.session.commit()


@job("initiatives.refresh")
def initiatives_refresh(ids: list[int] | None = None) -> int:
    """After initiatives changed: their counts in the landscape report, and the stored
    possible overlaps (keeping the verdicts); returns how many overlaps are listed."""
    from kb.initiatives.operations import refresh_derived
    from kb.uow import unit_of_work

    with unit_of_work(index=False):
        return refresh_derived([int(i) for i in ids or []])


@job("email.send")
def email_send(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> None:
    """Send one email (raises on SMTP errors, so it is retried)."""
    from kb.notifications.operations import send_email

    send_email(to, subject, body, headers)


@job("alerts.evaluate")
def alerts_evaluate(
    refs: list[list[Any]] | None = None,
    since_hours: int | None = None,
    since: str | None = None,
) -> int:
    """Alert the savers of searches the changed records ``refs`` ([kind, id] pairs) now
    match, or every record published since ``since`` (ISO time: after an import) or in the
    last ``since_hours`` (the hourly sweep)."""
    from kb.alerts.operations import evaluate
    from kb.models.types import utcnow
    from kb.uow import unit_of_work

    start = datetime.fromisoformat(since) if since else None
    if since_hours:
        start = utcnow() - timedelta(hours=since_hours)
    with unit_of_work(index=False):
        counts = evaluate([(str(k), int(i)) for k, i in refs or []], start)
    return counts["hits"]


@job("alerts.digest")
def alerts_digest(frequency: str = "daily") -> int:
    """Send the daily or weekly digests of saved-search matches; returns e-mails sent."""
    from kb.alerts.operations import send_digests
    from kb.uow import unit_of_work

    with unit_of_work(index=False):
        counts = send_digests(frequency)
    current_app.logger.info("%d %s digest(s) sent.", counts["emails"], frequency)
    return counts["emails"]


@job("programmes.close_expired")
def close_expired() -> int:
    """Close open programmes whose end date has passed; each gets a revision saying why."""
    from kb.catalogue.operations import close_expired as close
    from kb.uow import unit_of_work

    with unit_of_work():
        closed = close(date.today())
    current_app.logger.info("%d programme(s) closed: end date passed.", len(closed))
    return len(closed)


@job("jobs.prune")
def prune(days: int = 30) -> int:
    """Forget finished job records older than ``days`` (failures stay until retried), and
    files of web imports left by failed jobs as long ago."""
    from kb.jobs.records import prune_finished
    from kb.transfer.background import prune_uploads

    return prune_finished(days) + prune_uploads(days)


@job("transfer.import")
def transfer_import(upload_id: int, kind: str, dry_run: bool, job_id: int) -> dict[str, Any]:
    """A web import (tracked: its page shows the progress and then the report)."""
    from kb.transfer.background import run_import_job

    return run_import_job(upload_id, kind, dry_run, job_id)


@job("calls.remind")
def calls_remind() -> int:
    """Remind the addressees of open calls that have not answered, ``remind_days`` before
    the deadline (once per addressee and call); return how many were reminded."""
    from kb.consultations.operations import due_for_reminder, remind
    from kb.uow import unit_of_work

    reminded = 0
    with unit_of_work():
        for call in due_for_reminder():
            reminded += remind(None, call)[0]
    return reminded


@job("overlaps.notify")
def overlaps_notify(ids: list[int]) -> int:
    """Tell the funders and implementers of newly listed possible overlaps (who may see both
    initiatives); return how many notifications were added."""
    from kb.initiatives.operations import notify_overlaps
    from kb.uow import unit_of_work

    with unit_of_work(index=False):
        return notify_overlaps([int(i) for i in ids])
