"""Time a bulk import of N generated requests (dry run, then for real) through the product's
own import (``kb.transfer``), on a fresh SQLite database with the seed data.

    .venv/bin/python -m bench.import_bench --rows 10000

The rows come from ``bench.http_bench.generate`` (multilingual titles and descriptions, some
repeated titles). The file is about 5.6 MB at 10,000 rows, so the bench raises
``KB_MAX_UPLOAD_MB`` to 20 for itself. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kb-import-bench-"))
    env = {
        **os.environ,
        "FLASK_APP": "kb",
        "KB_DATABASE_URL": f"sqlite:///{folder / 'kb.sqlite3'}",
        "KB_SEARCH_DIR": str(folder / "index"),
        "KB_SECRET_KEY": "import-bench",
        "KB_MAX_UPLOAD_MB": "20",
    }
    os.environ.update(env)
    flask = str(Path(sys.executable).parent / "flask")
    for command in (["db", "upgrade"], ["kb", "seed", "--no-demo-users"]):
        subprocess.run([flask, *command], env=env, cwd=ROOT, check=True, capture_output=True)

    from bench.http_bench import _csv, generate
    from kb import create_app
    from kb.transfer.importer import run_import
    from kb.transfer.reading import read_file

    data = _csv(generate(args.rows, args.rows, args.seed)["requests"])
    app = create_app()
    result: dict[str, object] = {"rows": args.rows, "megabytes": round(len(data) / 1048576, 1)}
    with app.app_context():
        for dry_run in (True, False):
            started = time.perf_counter()
            kind, rows = read_file(data, "requests")
            report = run_import(rows, kind, None, dry_run=dry_run)
            seconds = round(time.perf_counter() - started, 1)
            label = "dry_run_s" if dry_run else "import_s"
            result[label] = seconds
            result["duplicate_warnings"] = len(report.duplicates)
            print(f"{label}: {seconds} s — {report.summary()}", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
