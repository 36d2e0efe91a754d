"""Jobs: after the commit, retried, then listed for the Secretariat; none lost to kill -9."""

from __future__ import annotations

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
    client = _redis_or_skip()
    for key in client.scan_iter("capacity-exchange:*"):
        client.delete(key)
    env = {
        **os.environ,
        "KB_DATABASE_URL": database_url,
        "KB_SECRET_KEY": "test-secret",
        "KB_SEARCH_BACKEND": "memory",
        "KB_QUEUE_URL": REDIS_URL,
        "KB_QUEUE_HEARTBEAT_MS": "2000",
        "KB_QUEUE_MAINTENANCE_CHANCE": "1000000",
    }
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
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
        app.extensions.pop("kb_jobs", None)


def test_a_stopped_worker_exits_promptly_and_its_running_job_runs_again(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    """SIGTERM mid-job: the worker gives the job KB_WORKER_STOP_SECONDS, then puts it back on
    the queue and exits (Dramatiq alone waited for the job, up to 10 minutes); another worker
    runs it from the start."""
    client = _redis_or_skip()
    for key in client.scan_iter("capacity-exchange:*"):
        client.delete(key)
    env = {
        **os.environ,
        "KB_DATABASE_URL": database_url,
        "KB_SECRET_KEY": "test-secret",
        "KB_SEARCH_BACKEND": "memory",
        "KB_QUEUE_URL": REDIS_URL,
        "KB_WORKER_STOP_SECONDS": "1",
    }
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
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        app.extensions.pop("kb_jobs", None)
