"""Where jobs go: the embedded queue (run in this process after the commit; the default, no
service needed) or Dramatiq on Redis (``KB_QUEUE_URL=redis://…``, run by ``flask kb worker``).

Why Dramatiq: its Redis broker keeps a message in the consuming worker's "acks" set until the
job returns, and a worker whose heartbeat stops (killed, host lost) has its unacknowledged
messages put back on the queue by the next worker's maintenance pass, so no job is lost; it
retries failed jobs with exponential backoff. See docs/ARCHITECTURE.md."""

from __future__ import annotations

import atexit
import queue as stdqueue
import subprocess
import sys
import threading
import time
from typing import Any, Protocol

from flask import Flask, current_app, has_request_context

from kb import PROJECT_ROOT
from kb.extensions import db
from kb.jobs.runner import run_with_retries

ACTOR_NAME = "kb_job"
QUEUE_NAME = "kb"
NAMESPACE = "capacity-exchange"
#: A job may run this long before Dramatiq interrupts it (a large import, a full refresh).
TIME_LIMIT_MS = 60 * 60 * 1000
#: A failed job is retried after 1 s, 2 s, 4 s … at most 5 minutes.
MIN_BACKOFF_MS = 1000
MAX_BACKOFF_MS = 5 * 60 * 1000


class JobQueue(Protocol):
    kind: str

    def send(self, name: str, kwargs: dict[str, Any], job_id: int | None = None) -> None: ...

    def send_background(self, name: str, kwargs: dict[str, Any], job_id: int) -> None: ...

    def send_soon(self, name: str, kwargs: dict[str, Any]) -> None:
        """Run the job after the caller's work, never inside it."""

    def check(self) -> None:
        """Raise if the queue cannot take jobs."""


class EmbeddedQueue:
    """Runs each job in this process. Jobs sent while a page is being served (after its
    commit) run in one background thread, in the order sent, so the page answers without
    waiting for them (a programme edit does not refit the matcher in the editor's request);
    jobs sent elsewhere (CLI, scheduler) run at once. ``KB_EMBEDDED_JOBS=inline`` (and tests)
    run every job at once."""

    kind = "embedded"

    def __init__(self, retries: int, inline: bool = False) -> None:
        # at most one immediate retry: the caller (a page view) waits for it
        self.retries = min(retries, 1)
        self.inline = inline
        self._jobs: stdqueue.Queue[tuple[Flask, str, dict[str, Any], int | None]] = stdqueue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def send(self, name: str, kwargs: dict[str, Any], job_id: int | None = None) -> None:
        if self.inline or not has_request_context():
            run_with_retries(name, kwargs, job_id, self.retries)
            return
        self._later(name, kwargs, job_id)

    def send_soon(self, name: str, kwargs: dict[str, Any]) -> None:
        if self.inline:
            run_with_retries(name, kwargs, None, self.retries)
        else:
            self._later(name, kwargs, None)

    def _later(self, name: str, kwargs: dict[str, Any], job_id: int | None) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        self._jobs.put((app, name, kwargs, job_id))
        self._ensure_worker()

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="kb-embedded-jobs", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        while True:
            app, name, kwargs, job_id = self._jobs.get()
            try:
                with app.app_context():
                    run_with_retries(name, kwargs, job_id, self.retries)
            except Exception:  # never lose the worker thread
                app.logger.exception("Embedded job %s failed outside its retries.", name)
            finally:
                self._jobs.task_done()

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until the background jobs sent so far have run; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._jobs.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def send_background(self, name: str, kwargs: dict[str, Any], job_id: int) -> None:
        """A tracked job (e.g. a web import) runs apart so its page can show progress: in a
        child process (``flask kb jobs perform ID``, started with this process's environment)
        in the ``background`` mode, so that a large import and its follow-up do not leave
        the web process holding their memory (Python keeps what it once used); in a thread
        in the ``inline`` mode (tests: their app's settings are not in the environment)."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def work() -> None:
            with app.app_context():
                if self.inline:
                    run_with_retries(name, kwargs, job_id, 0)
                else:
                    _perform_in_child(name, job_id)

        threading.Thread(target=work, name=f"job-{job_id}", daemon=True).start()

    def check(self) -> None:
        return None


def _perform_in_child(name: str, job_id: int) -> None:
    """Run tracked job ``job_id`` in a child process and wait for it; if the child dies
    before the job's record says how it ended, the record says it failed."""
    from kb.jobs.records import set_state
    from kb.models import JobRecord

    command = [sys.executable, "-m", "flask", "--app", "kb", "kb", "jobs", "perform", str(job_id)]
    try:
        ended = subprocess.run(
            command, cwd=PROJECT_ROOT, timeout=TIME_LIMIT_MS / 1000, check=False
        ).returncode
    except subprocess.TimeoutExpired:
        ended = -1
    db.session.rollback()  # read what the child wrote
    record = db.session.get(JobRecord, job_id)
    if record is not None and record.status in ("queued", "running"):
        error = f"Job {name} stopped: its process ended with status {ended}."
        current_app.logger.error(error)
        set_state(job_id, status="failed", error=error)


class DramatiqQueue:
    """Sends jobs to Redis; ``flask kb worker`` processes run them."""

    kind = "redis"

    def __init__(self, url: str, retries: int, heartbeat_ms: int, maintenance_chance: int) -> None:
        import dramatiq
        from dramatiq.brokers.redis import RedisBroker
        from dramatiq.middleware import CurrentMessage

        self.url = url
        self.retries = retries
        self.broker = RedisBroker(
            url=url,
            namespace=NAMESPACE,
            heartbeat_timeout=heartbeat_ms,
            maintenance_chance=maintenance_chance,
        )
        self.broker.add_middleware(CurrentMessage())
        self.running = _running_messages()
        self.broker.add_middleware(self.running)
        self.actor = dramatiq.actor(
            _perform,
            actor_name=ACTOR_NAME,
            queue_name=QUEUE_NAME,
            broker=self.broker,
            max_retries=retries,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            time_limit=TIME_LIMIT_MS,
        )

    def send(self, name: str, kwargs: dict[str, Any], job_id: int | None = None) -> None:
        self.actor.send(name, kwargs, job_id)

    def send_background(self, name: str, kwargs: dict[str, Any], job_id: int) -> None:
        self.send(name, kwargs, job_id)

    def send_soon(self, name: str, kwargs: dict[str, Any]) -> None:
        self.send(name, kwargs)

    def check(self) -> None:
        self.broker.client.ping()

    def stop_worker(self, runner: Any, grace_seconds: float) -> list[str]:
        """Stop a ``flask kb worker``: it takes no new job, its running jobs get
        ``grace_seconds`` to end, and those still running then go back on the queue at once
        (another worker, or this one restarted, runs them again from the start: each job is
        safe to repeat, and an unfinished transaction dies with the process). Dramatiq alone
        waited up to 10 minutes for them, and a job cut off by the SIGKILL that followed came
        back only after ``KB_QUEUE_HEARTBEAT_MS``. Returns the names of the jobs put back."""
        runner.stop(timeout=int(grace_seconds * 1000))
        left = self.running.current()
        ids = [m.options["redis_message_id"] for m in left if "redis_message_id" in m.options]
        if ids:
            self.broker.do_requeue(QUEUE_NAME, *ids)
        names = [str(m.args[0]) if m.args else m.actor_name for m in left]
        for name in names:
            current_app.logger.warning(
                "Job %s still running %s s after the stop signal: put back on the queue, "
                "it will run again.",
                name,
                f"{grace_seconds:g}",
            )
        return names


def _running_messages() -> Any:
    """A Dramatiq middleware that knows the messages this process's threads are running."""
    from dramatiq.middleware import Middleware

    class RunningMessages(Middleware):
        def __init__(self) -> None:
            self._lock = threading.Lock()
            self._messages: dict[str, Any] = {}

        def before_process_message(self, broker: Any, message: Any) -> None:
            with self._lock:
                self._messages[message.message_id] = message

        def after_process_message(
            self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
        ) -> None:
            with self._lock:
                self._messages.pop(message.message_id, None)

        after_skip_message = after_process_message

        def current(self) -> list[Any]:
            with self._lock:
                return list(self._messages.values())

    return RunningMessages()


#: The app a worker process runs jobs in (set by ``flask kb worker``).
_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def backoff_ms(retries: int) -> int:
    """How long a job waits before its retry number ``retries + 1``."""
    return min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** min(retries, 20))


def _perform(name: str, kwargs: dict[str, Any], job_id: int | None = None) -> None:
    """The Dramatiq actor: run one job in the worker's app. A failed attempt logs one line
    and asks Dramatiq for a retry (``dramatiq.Retry``, which it neither logs nor prints);
    the last one keeps the failure for the Secretariat (``/secretariat/jobs``, who may retry
    it), logs the traceback once and ends the message: nothing is left for Dramatiq to log
    again or dead-letter."""
    from dramatiq import Retry
    from dramatiq.middleware import CurrentMessage

    from kb.extensions import db
    from kb.jobs.runner import execute, fail, retrying

    if _worker_app is None:
        raise RuntimeError("no app: start workers with `flask kb worker`")
    with _worker_app.app_context():
        message = CurrentMessage.get_current_message()
        retries = int(message.options.get("retries", 0)) if message else 0
        queue = get_queue(_worker_app)
        try:
            execute(name, kwargs, job_id)
        except Exception as exc:
            db.session.rollback()
            if retries >= queue.retries:
                fail(name, kwargs, job_id, exc, retries + 1)
                return
            delay = backoff_ms(retries)
            retrying(name, retries + 1, queue.retries + 1, exc, delay / 1000)
            raise Retry(delay=delay) from exc
        finally:
            db.session.remove()


def get_queue(app: Flask | None = None) -> JobQueue:
    """The app's queue, built once per process from ``QUEUE_URL``."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    queue = app.extensions.get("kb_jobs")
    if queue is None:
        url = app.config.get("QUEUE_URL")
        retries = int(app.config.get("JOB_RETRIES") or 0)
        if url:
            queue = DramatiqQueue(
                url,
                retries,
                int(app.config["QUEUE_HEARTBEAT_MS"]),
                int(app.config["QUEUE_MAINTENANCE_CHANCE"]),
            )
        else:
            mode = app.config.get("EMBEDDED_JOBS") or ("inline" if app.testing else "background")
            queue = EmbeddedQueue(retries, inline=mode == "inline")
            atexit.register(queue.wait, 30.0)  # let jobs sent by the last pages finish
        app.extensions["kb_jobs"] = queue
    return queue
