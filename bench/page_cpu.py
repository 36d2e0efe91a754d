"""One request at a time: wall and CPU time of each main page on a catalogue built by
``bench/http_bench.py`` (in-process, through Flask's test client; no server, no concurrency).

    python bench/page_cpu.py /tmp/kb-http-bench-10000-5000            # every page
    python bench/page_cpu.py DIR --only matches,landscape --profile   # + pyinstrument reports

CPU time (``time.process_time``, SQLite included: it runs in-process) moves far less than wall
time on a shared machine, so it is the figure to compare between runs; ``static`` (the CSS
file) is the control, and each page's CPU is also given as a multiple of it. The first view
of each page draws it (``first`` column: the cost after any write, when the cached fragments
of :mod:`kb.fragments` are stale); the repeats read the cache as most views do (``--no-cache``
measures every view drawn). ``--profile`` writes a pyinstrument report per page into
``DIR/profiles/`` (``pip install pyinstrument``). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-cache", action="store_true", help="KB_FRAGMENT_CACHE_MB=0")
    args = parser.parse_args()
    directory = args.dir.resolve()
    os.environ.update({
        "FLASK_APP": "kb", "KB_DATABASE_URL": f"sqlite:///{directory / 'kb.sqlite3'}",
        "KB_SEARCH_DIR": str(directory / "search-index"), "KB_SECRET_KEY": "page-cpu-bench",
        "KB_API_RATE_LIMIT": "1000000/minute",
        "KB_FRAGMENT_CACHE_MB": "0" if args.no_cache else "16",
    })  # fmt: skip
    sys.path.insert(0, str(ROOT))
    from kb import create_app

    client = create_app().test_client()
    db = sqlite3.connect(directory / "kb.sqlite3")
    live = "status='open' AND visibility='public' ORDER BY id LIMIT 1 OFFSET 50"
    rid = db.execute(f"SELECT id FROM requests WHERE {live}").fetchone()[0]
    pid = db.execute(f"SELECT id FROM programmes WHERE {live}").fetchone()[0]
    oid = db.execute("SELECT organisation_id FROM programmes WHERE id=?", (pid,)).fetchone()[0]
    db.close()
    pages = {
        "static": "/static/site.css",
        "home": "/", "requests": "/requests", "requests_theme": "/requests?theme=cybercrime",
        "programmes": "/programmes", "programmes_region": "/programmes?region=Africa",
        "request": f"/requests/{rid}", "programme": f"/programmes/{pid}",
        "country": "/countries/KEN", "organisation": f"/organisations/{oid}",
        "matches": "/matches", "matches_region": "/matches?region=Africa",
        "landscape": "/reports/landscape", "search": "/search?q=incident%20response",
        "search_json": "/search.json?q=CERT", "api_requests": "/api/v1/requests",
        "api_programmes": "/api/v1/programmes", "api_matches": "/api/v1/matches",
        "api_request_matches": f"/api/v1/requests/{rid}/matches",
        "api_programme_matches": f"/api/v1/programmes/{pid}/matches",
        "api_search": "/api/v1/search?q=CERT",
        "countries": "/countries", "organisations": "/organisations",
        "place": "/places/org:ECOWAS", "api_countries": "/api/v1/countries",
        "api_organisations": "/api/v1/organisations",
    }  # fmt: skip
    names = [n for n in args.only.split(",") if n] or list(pages)
    headers = {"Accept-Language": "en"}
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    figures: dict[str, dict[str, float]] = {}
    for name in names:
        path = pages[name]
        c0 = time.process_time()
        status = client.get(path, headers=headers).status_code  # warm this code path
        first = time.process_time() - c0
        wall, cpu = [], []
        for _ in range(args.repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            client.get(path, headers=headers)
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
        figures[name] = {
            "first_ms": round(first * 1000, 1),
            "cpu_min_ms": round(min(cpu) * 1000, 1),
            "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
        }
        control = figures.get("static", {}).get("cpu_min_ms") or None
        ratio = f"{min(cpu) * 1000 / control:6.1f}x" if control else "      "
        print(f"{name:22} {status} first {first * 1000:7.1f}  wall min {min(wall) * 1000:7.1f}  "
              f"cpu min {min(cpu) * 1000:6.1f} median {statistics.median(cpu) * 1000:6.1f} ms "
              f"{ratio}", flush=True)  # fmt: skip
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001)
            profiler.start()
            client.get(path, headers=headers)
            profiler.stop()
            out = directory / "profiles"
            out.mkdir(exist_ok=True)
            (out / f"{name}.txt").write_text(profiler.output_text(color=False))
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(json.dumps({"cache": not args.no_cache, "pages": figures,
                      "loadavg": [round(x, 2) for x in os.getloadavg()]}))  # fmt: skip


if __name__ == "__main__":
    main()
