"""How long ``flask kb worker`` takes to exit after SIGTERM while a job runs, and that the
job it was running is not lost.

    KB_DATABASE_URL=sqlite:////tmp/kb-stop.sqlite3 python bench/worker_stop.py \\
        --queue-url redis://127.0.0.1:6379/7 --job-seconds 60

1. Brings the database to the current schema (``flask db upgrade``) and empties the queue's
   keys in that Redis database (use a database number of your own).
2. Starts a worker (``python -m tests.jobs_for_tests``: ``flask kb worker`` with one thread and
   the tests' jobs registered) and sends it ``test.slow_mark``, a job that writes a
   ``.started`` file, sleeps ``--job-seconds`` and then appends ``done`` to its file.
3. Once the job has started, sends SIGTERM and times the worker's exit.
4. Starts a second worker and waits for the job to be done, by whichever worker: an
   interrupted job must run again, not be lost. Prints both times and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(path: Path, seconds: float, text: str | None = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and (text is None or text in path.read_text()):
            return True
        time.sleep(0.05)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--job-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    if not os.environ.get("KB_DATABASE_URL"):
        parser.error("set KB_DATABASE_URL (a database of your own: the schema is upgraded)")
    env = {
        **os.environ,
        "FLASK_APP": "kb",
        "KB_QUEUE_URL": args.queue_url,
        "KB_SEARCH_BACKEND": os.environ.get("KB_SEARCH_BACKEND", "memory"),
        "KB_SECRET_KEY": os.environ.get("KB_SECRET_KEY", "worker-stop-bench"),
    }
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)

    import redis

    client = redis.Redis.from_url(args.queue_url)
    for key in client.scan_iter("capacity-exchange:*"):
        client.delete(key)

    work = Path(tempfile.mkdtemp(prefix="kb-worker-stop-"))
    marker, log = work / "slow", work / "workers.log"
    sys.path.insert(0, str(ROOT))
    os.environ.update(env)
    from kb import create_app
    from kb.jobs import enqueue
    from tests import jobs_for_tests  # noqa: F401  (registers test.slow_mark)

    def start() -> subprocess.Popen[bytes]:
        with log.open("ab") as output:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.jobs_for_tests"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    first = start()
    second = None
    try:
        with create_app().app_context():
            enqueue("test.slow_mark", path=str(marker), seconds=args.job_seconds)
        if not _wait_for(Path(f"{marker}.started"), 60):
            raise SystemExit(f"the worker never started the job; see {log}")
        sent = time.monotonic()
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=args.job_seconds + 900)
        exit_s = time.monotonic() - sent
        print(f"worker exited {exit_s:.1f} s after SIGTERM (job of {args.job_seconds:g} s running)")
        finished_by_first = marker.exists()
        second = start()
        restarted = time.monotonic()
        done = _wait_for(marker, args.job_seconds + 120, "done")
        done_s = time.monotonic() - restarted
        runs = marker.read_text().count("done") if marker.exists() else 0
        if finished_by_first:
            how = "finished by the first worker before it exited"
        elif done:
            how = f"run again by the second worker, done {done_s:.1f} s after it started"
        else:
            how = "LOST: not done by either worker"
        print(f"the job was {how}")
        print(f"worker log: {log}")
        print(
            json.dumps(
                {
                    "job_seconds": args.job_seconds,
                    "exit_after_sigterm_s": round(exit_s, 2),
                    "job_done": done,
                    "job_runs_done": runs,
                    "finished_by_first_worker": finished_by_first,
                }
            )
        )
        return 0 if done else 1
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=60)


if __name__ == "__main__":
    raise SystemExit(main())
