"""What one programme edit costs the matcher after its commit, on a built catalogue.

    python bench/match_edit_bench.py DIR [--edits 3]

``DIR`` is a catalogue built by ``bench/http_bench.py --build-only`` (it is changed: use a
copy). The bench fits the engine once (as a worker does at its first job), then, for each
of ``--edits`` open public programmes, appends a sentence to its description and bumps its
``updated_at`` (a committed edit), and times what the ``match.refresh`` job does for it:
``MatchService.refresh_records([("programme", id)])`` and its commit — the engine brought
up to date (a refit, or only the edited programme encoded) and the stored suggestions it
can affect. The process's peak resident memory and the last line are JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=Path)
    parser.add_argument("--edits", type=int, default=3)
    args = parser.parse_args()
    directory = args.dir.resolve()
    os.environ.update({
        "FLASK_APP": "kb", "KB_DATABASE_URL": f"sqlite:///{directory / 'kb.sqlite3'}",
        "KB_SEARCH_DIR": str(directory / "search-index"), "KB_SECRET_KEY": "match-edit-bench",
    })  # fmt: skip
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from kb import create_app
    from kb.extensions import db
    from kb.matching.service import match_service
    from kb.models import Programme
    from kb.models.types import utcnow

    app = create_app()
    out: dict[str, object] = {"dir": str(directory)}
    with app.app_context():
        service = match_service()
        started = time.perf_counter()
        service.engine()
        out["first_fit_s"] = round(time.perf_counter() - started, 2)
        ids = list(
            db.session.scalars(
                select(Programme.id)
                .where(Programme.status == "open", Programme.visibility == "public")
                .order_by(Programme.id)
                .offset(100)
                .limit(args.edits)
            )
        )
        times = []
        for n, pid in enumerate(ids):
            programme = db.session.get(Programme, pid)
            programme.description = f"{programme.description} Also incident handling ({n})."
            programme.updated_at = utcnow()
            db.session.commit()
            started = time.perf_counter()
            service.refresh_records([("programme", pid)])
            db.session.commit()
            times.append(round(time.perf_counter() - started, 2))
            print(f"edit of programme {pid}: follow-up {times[-1]} s", flush=True)
        out["edit_follow_up_s"] = times
        out["fits"] = getattr(service, "fits", None)
        out["updates"] = getattr(service, "updates", None)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
