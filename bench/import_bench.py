"""Time a bulk import of N generated requests through the product's own import
(``kb.transfer``): a dry run, the real import, the index and match updates after its commit,
then N/10 new rows into that catalogue (``--then-rows``) and their follow-up, then the same
file again with every description changed (N updates) and once more unchanged
(``--skip-updates`` leaves those two out).

    .venv/bin/python -m bench.import_bench --rows 10000
    .venv/bin/python -m bench.import_bench --rows 10000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/import_bench

Each run starts from an empty database (SQLite in a temporary folder by default; a PostgreSQL
database given with ``--database-url`` is emptied first) with the seed data. The rows come from
``bench.http_bench.generate`` (multilingual titles and descriptions, some repeated titles);
the file is about 5.6 MB at 10,000 rows (within the default upload limit, 10 MB); the bench
raises ``KB_MAX_UPLOAD_MB`` to 20 for itself, so that ``--rows`` up to about 35,000 pass.
``--profile DIR`` writes a pyinstrument profile of each step there (``pip install
pyinstrument``). ``import_s`` ends at the commit (the report is ready); ``follow_up_s`` is the
``search.drain`` and ``match.refresh`` jobs the commit queued, run here by the embedded queue
as they would be after a web or command-line import. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def _profiled(folder: Path | None, name: str) -> Iterator[None]:
    if folder is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.txt").write_text(profiler.output_text(unicode=False, color=False))


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _peak_mb() -> int:
    """Peak resident memory of this process so far (MB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="PostgreSQL database to use (emptied first)")
    parser.add_argument("--profile", type=Path, help="write pyinstrument profiles here")
    parser.add_argument("--skip-updates", action="store_true", help="no update and unchanged runs")
    parser.add_argument(
        "--then-rows",
        type=int,
        default=None,
        help="then import this many new rows into the catalogue (default: a tenth of --rows)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kb-import-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'kb.sqlite3'}"
    if args.database_url:
        _empty_postgres(args.database_url)
    env = {
        **os.environ,
        "FLASK_APP": "kb",
        "KB_DATABASE_URL": url,
        "KB_SEARCH_DIR": str(folder / "index"),
        "KB_SECRET_KEY": "import-bench",
        "KB_MAX_UPLOAD_MB": "20",
    }
    env.pop("KB_QUEUE_URL", None)  # the embedded queue: follow-up jobs run here, timed
    os.environ.update(env)
    flask = str(Path(sys.executable).parent / "flask")
    for command in (["db", "upgrade"], ["kb", "seed", "--no-demo-users"]):
        subprocess.run([flask, *command], env=env, cwd=ROOT, check=True, capture_output=True)

    from bench.http_bench import _csv, generate
    from kb import create_app
    from kb.transfer.importer import ImportReport, run_import
    from kb.transfer.reading import read_file

    then_rows = args.rows // 10 if args.then_rows is None else args.then_rows
    everything = generate(args.rows, args.rows + then_rows, args.seed)["requests"]
    generated, later = everything[: args.rows], everything[args.rows :]
    data = _csv(generated)
    edited = _csv([{**row, "description": row["description"] + " (revised)"} for row in generated])
    app = create_app()
    result: dict[str, Any] = {
        "rows": args.rows,
        "megabytes": round(len(data) / 1048576, 1),
        "database": url.split(":", 1)[0],
    }

    def timed(label: str, work: Callable[[], ImportReport | None]) -> ImportReport | None:
        started = time.perf_counter()
        with _profiled(args.profile, label):
            report = work()
        seconds = round(time.perf_counter() - started, 1)
        result[label] = seconds
        print(f"{label}: {seconds} s — {report.summary() if report else ''}", flush=True)
        return report

    def importer(content: bytes, dry_run: bool) -> Callable[[], ImportReport]:
        def work() -> ImportReport:
            kind, rows = read_file(content, "requests")
            return run_import(rows, kind, None, dry_run=dry_run, follow_up=False)

        return work

    def follow_up(label: str, report: ImportReport) -> Callable[[], None]:
        """The jobs :func:`catch_up` queues, each timed (``<label>_jobs``) and run as the
        embedded queue runs them."""

        def work() -> None:
            from kb.jobs.runner import execute
            from kb.uow import follow_up_jobs

            jobs: dict[str, float] = {}
            for name, kwargs in follow_up_jobs(set(report.changed)):
                started = time.perf_counter()
                execute(name, kwargs)
                jobs[name] = round(time.perf_counter() - started, 1)
            result[f"{label}_jobs"] = jobs
            print(f"  {label} jobs: {jobs}", flush=True)

        return work

    with app.app_context():
        dry = timed("dry_run_s", importer(data, True))
        real = timed("import_s", importer(data, False))
        assert dry is not None and real is not None and real.created == args.rows
        timed("follow_up_s", follow_up("follow_up", real))
        result["peak_rss_mb_after_follow_up"] = _peak_mb()
        if later:  # new rows into the catalogue just built: the follow-up is theirs only
            more = timed("then_import_s", importer(_csv(later), False))
            assert more is not None and more.created == len(later)
            timed("then_follow_up_s", follow_up("then_follow_up", more))
            result["then_rows"] = len(later)
        if not args.skip_updates:
            updated = timed("update_s", importer(edited, False))
            assert updated is not None and updated.updated == args.rows
            timed("update_follow_up_s", follow_up("update_follow_up", updated))
            unchanged = timed("unchanged_s", importer(edited, False))
            assert unchanged is not None and unchanged.unchanged == args.rows
        result["duplicate_warnings"] = len(real.duplicates)
    result["peak_rss_mb"] = _peak_mb()
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
