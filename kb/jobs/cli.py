"""``flask kb worker``, ``flask kb scheduler``, ``flask kb jobs``: run and inspect jobs."""

from __future__ import annotations

import json
import logging
import signal
import threading
from typing import Any

import click
from flask import current_app


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Jobs at once (KB_WORKER_THREADS).")
@click.option("--with-scheduler", is_flag=True, help="Also run the schedule (one per site).")
def worker(threads: int | None, with_scheduler: bool) -> None:
    """Run queued jobs (needs KB_QUEUE_URL=redis://…) until stopped (SIGTERM or Ctrl-C)."""
    from dramatiq import Worker

    from kb.jobs.queue import DramatiqQueue, get_queue, set_worker_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = get_queue(app)
    if not isinstance(queue, DramatiqQueue):
        raise click.ClickException(
            "KB_QUEUE_URL is not set: jobs run inside the web process (embedded queue), "
            "no worker is needed. Set KB_QUEUE_URL=redis://host:6379/0 to use workers."
        )
    set_worker_app(app)
    # a retry is logged once, by the job (kb.jobs.queue._perform), not again by Dramatiq
    logging.getLogger("dramatiq.middleware.retries.Retries").setLevel(logging.WARNING)
    count = threads or int(app.config["WORKER_THREADS"])
    runner = Worker(queue.broker, worker_threads=count)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = None
    if with_scheduler:
        from kb.jobs.schedule import build_scheduler

        scheduler = build_scheduler(app, blocking=False)
        scheduler.start()
    runner.start()
    click.echo(f"Worker running {count} thread(s) on {queue.url.split('@')[-1]}.", err=True)
    try:
        stop.wait()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        grace = int(app.config["WORKER_STOP_SECONDS"])
        put_back = queue.stop_worker(runner, grace)
        again = f"; put back on the queue: {', '.join(put_back)}" if put_back else ""
        click.echo(f"Worker stopped{again}.", err=True)


@click.command("scheduler")
def scheduler() -> None:
    """Run the schedule (expiry, nightly match refresh, pruning): queue each job on time."""
    from kb.jobs.schedule import SCHEDULE, build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for entry in SCHEDULE:
        click.echo(f"  {entry.job}: {entry.cron} UTC — {entry.why}", err=True)
    build_scheduler(app).start()


jobs_cli = click.Group("jobs", help="Background jobs: failures, retry, run one now.")


@jobs_cli.command("failed")
def failed() -> None:
    """List failed jobs (as on /secretariat/jobs)."""
    from kb.jobs.records import failed_jobs

    for record in failed_jobs():
        last = (record.error or "").strip().splitlines()[-1:] or [""]
        click.echo(f"{record.id}\t{record.name}\t{record.updated_at:%Y-%m-%d %H:%M}\t{last[0]}")


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def retry(job_id: int) -> None:
    """Queue a failed job again."""
    from kb.jobs.records import retry_failed

    try:
        retry_failed(job_id)
    except LookupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Job {job_id} queued again.")


@jobs_cli.command("run")
@click.argument("name")
@click.option("--kwargs", "raw", default="{}", help="JSON object of arguments.")
def run(name: str, raw: str) -> None:
    """Queue job NAME now (e.g. `flask kb jobs run programmes.close_expired`)."""
    from kb.jobs import enqueue

    try:
        kwargs: dict[str, Any] = json.loads(raw)
        enqueue(name, **kwargs)
    except (LookupError, ValueError, TypeError) as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Job {name} queued.")


@jobs_cli.command("perform", hidden=True)
@click.argument("job_id", type=int)
def perform(job_id: int) -> None:
    """Run tracked job JOB_ID here and now (the embedded queue starts this for web imports)."""
    from kb.extensions import db
    from kb.jobs.runner import run_with_retries
    from kb.models import JobRecord

    record = db.session.get(JobRecord, job_id)
    if record is None:
        raise click.ClickException(f"no job {job_id}")
    run_with_retries(record.name, dict(record.kwargs or {}), job_id, 0)


COMMANDS = (worker, scheduler, jobs_cli)
