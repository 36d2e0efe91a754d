"""Jobs: after the commit, retried, then listed for the Secretariat; none lost to kill -9."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from kb.extensions import db
from kb.jobs import enqueue, enqueue_after_commit
from kb.jobs.queue import get_queue
from kb.models import Country, JobRecord, Programme, Revision
from kb.uow import unit_of_work
from tests import jobs_for_tests
from tests.factories import Factory

PROJECT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def test_a_job_queued_in_a_unit_of_work_runs_after_the_commit(app: Flask) -> None:
    with unit_of_work():
        db.session.add(Country(iso3="AAA", name="Alpha", region="Africa"))
        enqueue_after_commit("test.flaky", key="AAB", failures=0)
        assert db.session.get(Country, "AAB") is None  # not yet: the block has not committed
    assert db.session.get(Country, "AAB") is not None


def test_a_job_queued_in_a_rolled_back_unit_of_work_never_runs(app: Flask) -> None:
    with pytest.raises(RuntimeError), unit_of_work():
        enqueue_after_commit("test.flaky", key="ABA", failures=0)
        raise RuntimeError("the write fails")
    with unit_of_work():
        pass
    assert db.session.get(Country, "ABA") is None


def test_unknown_jobs_and_arguments_that_are_not_json_are_refused_where_queued(
    app: Flask,
) -> None:
    with pytest.raises(LookupError):
        enqueue("no.such.job")
    with pytest.raises(TypeError):
        enqueue("test.flaky", key=object(), failures=0)


def test_a_failing_job_is_retried_once_by_the_embedded_queue(app: Flask) -> None:
    enqueue("test.flaky", key="ACA", failures=1)
    assert jobs_for_tests.FLAKY_CALLS["ACA"] == 2
    assert db.session.get(Country, "ACA") is not None
    assert db.session.scalar(select(JobRecord)) is None


def test_a_job_that_keeps_failing_is_listed_for_the_secretariat_who_retries_it(
    app: Flask, client, auth, make: Factory
) -> None:
    enqueue("test.flaky", key="ADA", failures=2)
    record = db.session.scalars(select(JobRecord)).one()
    assert (record.name, record.status, record.attempts) == ("test.flaky", "failed", 2)
    assert "flaky failure 2 of ADA" in (record.error or "")

    provider = make.user("provider")
    auth.login(provider.email)
    assert client.get("/secretariat/jobs").status_code == 403
    assert client.post(f"/secretariat/jobs/{record.id}/retry").status_code == 403
    auth.logout()

    admin = make.user("secretariat")
    auth.login(admin.email)
    page = client.get("/secretariat/jobs").get_data(as_text=True)
    assert "test.flaky" in page and "flaky failure 2 of ADA" in page and "Retry" in page
    response = client.post(f"/secretariat/jobs/{record.id}/retry")
    assert response.status_code == 302
    deadline = time.monotonic() + 10  # the embedded queue retries in a thread
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(JobRecord, record.id).status == "done":
            break
        time.sleep(0.05)
    assert db.session.get(JobRecord, record.id).status == "done"
    assert db.session.get(Country, "ADA") is not None
    assert "No failed jobs." in client.get("/secretariat/jobs").get_data(as_text=True)


def test_the_scheduled_expiry_job_closes_programmes_and_says_why(app: Flask, make: Factory) -> None:
    past = make.programme(end_date=date.today() - timedelta(days=1))
    current = make.programme(end_date=date.today())
    enqueue("programmes.close_expired")
    db.session.expire_all()
    assert db.session.get(Programme, past.id).status == "closed"
    assert db.session.get(Programme, current.id).status == "open"
    revision = db.session.scalars(
        select(Revision).where(Revision.record_id == past.id, Revision.action == "expired")
    ).one()
    assert revision.comment == "End date passed."


def test_the_schedule_runs_expiry_daily_and_refresh_nightly(app: Flask) -> None:
    from kb.jobs.schedule import SCHEDULE, build_scheduler

    jobs = {entry.job for entry in SCHEDULE}
    assert {"programmes.close_expired", "match.refresh", "jobs.prune"} <= jobs
    scheduler = build_scheduler(app, blocking=False)
    assert {j.id for j in scheduler.get_jobs()} == {entry.ident for entry in SCHEDULE}


def _redis_or_skip():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:
        reason = f"Redis unreachable at {REDIS_URL} ({exc}): the worker test needs it"
        if os.environ.get("KB_REQUIRE_REDIS") == "1":  # .ci/run starts Redis and sets this
            pytest.fail(reason)
        pytest.skip(reason)
    return client


def _worker_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a worker process on a clean Redis queue (skips without Redis)."""
    client = _redis_or_skip()
    for key in client.scan_iter("capacity-exchange:*"):
        client.delete(key)
    return {
        **os.environ,
        "KB_DATABASE_URL": database_url,
        "KB_SECRET_KEY": "test-secret",
        "KB_SEARCH_BACKEND": "memory",
        "KB_QUEUE_URL": REDIS_URL,
        **settings,
    }


def _stop(*processes: subprocess.Popen[bytes] | None) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.jobs_for_tests"],
            cwd=PROJECT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.1)
    return False


def test_a_job_survives_its_worker_being_killed(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    """Worker 1 takes the job and is killed with SIGKILL mid-job; worker 2 completes it."""
    env = _worker_env(
        database_url, KB_QUEUE_HEARTBEAT_MS="2000", KB_QUEUE_MAINTENANCE_CHANCE="1000000"
    )
    app.config.update(QUEUE_URL=REDIS_URL, QUEUE_HEARTBEAT_MS=2000)
    app.extensions.pop("kb_jobs", None)
    assert get_queue().kind == "redis"
    marker = tmp_path / "slow"
    log = tmp_path / "workers.log"
    first = _start_worker(env, log)
    second = None
    try:
        enqueue("test.slow_mark", path=str(marker), seconds=4)
        assert _wait_for(Path(f"{marker}.started"), 30), "worker 1 never started the job"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert not marker.exists()  # killed mid-job
        second = _start_worker(env, log)
        assert _wait_for(marker, 60), f"the job was lost with its worker: {log.read_text()}"
        time.sleep(0.5)
        assert marker.read_text() == "done\n"  # completed, once
    finally:
        _stop(first, second)
        app.extensions.pop("kb_jobs", None)


def test_a_stopped_worker_exits_promptly_and_its_running_job_runs_again(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    """SIGTERM mid-job: the worker gives the job KB_WORKER_STOP_SECONDS, then puts it back on
    the queue and exits (Dramatiq alone waited for the job, up to 10 minutes); another worker
    runs it from the start."""
    env = _worker_env(database_url, KB_WORKER_STOP_SECONDS="1")
    app.config.update(QUEUE_URL=REDIS_URL)
    app.extensions.pop("kb_jobs", None)
    marker = tmp_path / "slow"
    log = tmp_path / "workers.log"
    first = _start_worker(env, log)
    second = None
    try:
        enqueue("test.slow_mark", path=str(marker), seconds=15)
        assert _wait_for(Path(f"{marker}.started"), 30), "the worker never started the job"
        stopped = time.monotonic()
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
        assert time.monotonic() - stopped < 8  # 1 s of grace, not the job's 15 s
        assert first.returncode == 0 and not marker.exists()
        assert "test.slow_mark still running 1 s after the stop signal" in log.read_text()
        second = _start_worker(env, log)
        assert _wait_for(marker, 60), f"the interrupted job was lost: {log.read_text()}"
        time.sleep(0.5)
        assert marker.read_text() == "done\n"
    finally:
        _stop(first, second)
        app.extensions.pop("kb_jobs", None)


def test_a_retried_job_logs_one_line_per_attempt_and_its_traceback_once(
    app: Flask, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a worker (Dramatiq): each failed attempt that will be retried is one line (job,
    attempt, error) and a Retry Dramatiq does not log; the last one logs the traceback,
    keeps the failure for the Secretariat and ends the message (it logged every attempt's
    traceback, the last one twice)."""
    from types import SimpleNamespace

    from dramatiq import Retry
    from dramatiq.middleware import CurrentMessage

    from kb.jobs.queue import _perform

    app.config.update(QUEUE_URL=REDIS_URL, JOB_RETRIES=2)  # Redis is not contacted
    app.extensions.pop("kb_jobs", None)
    assert get_queue(app).kind == "redis"
    monkeypatch.setattr("kb.jobs.queue._worker_app", app)
    options: dict[str, int] = {}
    message = SimpleNamespace(options=options)
    monkeypatch.setattr(CurrentMessage, "get_current_message", staticmethod(lambda: message))
    caplog.set_level(logging.INFO)
    try:
        for retries in (0, 1):
            options["retries"] = retries
            caplog.clear()
            with pytest.raises(Retry) as raised:
                _perform("test.flaky", {"key": "AHA", "failures": 5})
            assert raised.value.delay == 1000 * 2**retries
            [line] = caplog.records
            assert line.levelno == logging.WARNING and line.exc_info is None
            assert line.getMessage() == (
                f"Job test.flaky failed (attempt {retries + 1} of 3), retrying in "
                f"{2**retries} s: RuntimeError: flaky failure {retries + 1} of AHA"
            )
            assert "Traceback" not in caplog.text
        options["retries"] = 2
        caplog.clear()
        _perform("test.flaky", {"key": "AHA", "failures": 5})  # ends the message
        [line] = caplog.records
        assert line.levelno == logging.ERROR and line.exc_info is not None
        assert line.getMessage() == (
            "Job test.flaky failed after 3 attempt(s): RuntimeError: flaky failure 3 of AHA"
        )
        assert caplog.text.count("Traceback (most recent call last)") == 1
        record = db.session.scalars(select(JobRecord)).one()
        assert (record.status, record.attempts) == ("failed", 3)
    finally:
        app.extensions.pop("kb_jobs", None)


def test_the_embedded_queue_logs_a_retry_in_one_line_and_a_failure_with_its_traceback(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    enqueue("test.flaky", key="AIA", failures=1)  # fails once, then succeeds
    [line] = caplog.records
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert line.getMessage() == (
        "Job test.flaky failed (attempt 1 of 2), retrying: RuntimeError: flaky failure 1 of AIA"
    )
    caplog.clear()
    enqueue("test.flaky", key="AJA", failures=2)  # fails for good
    warning, error = caplog.records
    assert warning.exc_info is None and "attempt 1 of 2" in warning.getMessage()
    assert error.levelno == logging.ERROR and error.exc_info is not None
    assert caplog.text.count("Traceback (most recent call last)") == 1
