"""Jobs that only the tests register, and a worker entry point that knows them.

``python -m tests.jobs_for_tests`` runs ``flask kb worker`` (one thread) in an app built from
the environment, with these jobs registered, as the kill -9 test needs."""

from __future__ import annotations

import time
from pathlib import Path

from kb.extensions import db
from kb.jobs import job
from kb.models import Country

FLAKY_CALLS: dict[str, int] = {}


@job("test.flaky")
def flaky(key: str, failures: int) -> None:
    """Fails ``failures`` times for ``key``, then adds a country named after the key."""
    FLAKY_CALLS[key] = FLAKY_CALLS.get(key, 0) + 1
    if FLAKY_CALLS[key] <= failures:
        raise RuntimeError(f"flaky failure {FLAKY_CALLS[key]} of {key}")
    db.session.add(Country(iso3=key, name=f"Country {key}", region="Africa"))
    db.session.commit()


@job("test.slow_mark")
def slow_mark(path: str, seconds: float) -> None:
    """Writes ``<path>.started``, sleeps, then appends a line to ``path``."""
    marker = Path(path)
    Path(f"{path}.started").write_text("started\n")
    time.sleep(seconds)
    with marker.open("a") as handle:
        handle.write("done\n")


if __name__ == "__main__":
    from kb import create_app
    from kb.jobs.cli import worker

    application = create_app()
    with application.app_context():
        worker.callback(threads=1, with_scheduler=False)  # type: ignore[misc]
