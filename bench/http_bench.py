"""HTTP benchmark: a catalogue of a given size, served by gunicorn, driven page by page.

    python bench/http_bench.py --programmes 10000 --requests 5000 --dir DIR --build-only
    python bench/http_bench.py --reuse DIR                # measure a catalogue built before
    python bench/http_bench.py --programmes 10000 --requests 5000    # build + measure

1. **Build** (skipped with ``--reuse DIR``): a fresh SQLite database in ``--dir`` (default
   ``/tmp/kb-http-bench-<P>-<R>``), ``flask db upgrade``, ``flask kb seed`` (the 193 member
   states, demo accounts), then organisations, programmes and requests generated from the
   seed texts and loaded with the product's own import (one ``flask kb import FILE …`` per
   kind, CSV files under the upload limit), which indexes them and stores the match
   suggestions once, after its last file (one fit of the matcher per kind); then ``flask
   match refresh`` (what the nightly job does: the Matches page's flags, ``ANALYZE``) and
   ``flask search reindex --if-needed``. Programmes: 85 % open, requests:
   75 % open; 80 % public, 15 % verified, 5 % confidential. A reused catalogue is brought to
   the current schema first (``flask db upgrade``, and ``flask search reindex --if-needed``
   when the index's schema changed: both no-ops when current).
2. **Serve**: ``gunicorn -w N 'kb:create_app()'`` on 127.0.0.1 (``--port``), with the API rate
   limit raised so that the driver is not throttled.
3. **Drive**: for each endpoint, ``--concurrency`` threads with keep-alive connections send
   requests for ``--seconds`` (at most ``--max-requests``); a static file is measured in the
   same run as the control. Record pages and their API twins cycle through public records.
   Owners' pages (``/matches`` and ``/api/v1/matches``, where their own confidential records
   count) are driven signed in as the demo focal point of Kenya and the demo ITU provider,
   whose organisation lists its share of the generated programmes.
4. **Report**: req/s, p50/p95/p99 (ms) and errors per endpoint, the ratio of each p95 to the
   control's and of the control's req/s to each endpoint's, the resident memory of each
   gunicorn worker (current and peak, from ``/proc``), and, as the last line, all of it as
   JSON.

Loopback only; every loop is bounded. The machine may be shared: compare ratios to the
control, not absolute figures, between runs.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from match_bench import Corpus, pick_lang  # noqa: E402

from search.matching.codes import REGIONS, SUPPORT_TYPES, THEMES  # noqa: E402
from search.matching.seed_loader import country_regions  # noqa: E402

BIN = Path(sys.executable).parent
#: Rows per imported CSV file (each stays under the default upload limit).
ROWS_PER_FILE = 5000
QUERIES = [
    "incident response",
    "cybercrime legislation",
    "formation des magistrats",
    "critical infrastructure protection",
    "CERT",
    "norms",
    "ciberdelincuencia",
    "national strategy",
]
#: Seeded organisations (``flask kb seed``) whose demo providers sign in to the bench.
SIGNED_IN_PROVIDERS = ("itu", "diplo")
#: Demo accounts (``seed_data/demo_users.json``) whose own confidential records count on
#: their pages: owners' endpoints are driven signed in as each.
SIGNED_IN = ("focal.kenya@example.org", "provider.itu@example.org")
DEMO_PASSWORD = "demo-password-1"
ORG_TYPES = ("international_organisation", "regional_organisation", "private_sector",
             "civil_society", "academia", "technical_community", "member_state")  # fmt: skip


# -- building the catalogue -------------------------------------------------------------------


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def generate(programmes: int, requests: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Import rows (CSV columns of docs/IMPORT.md) built from the seed vocabulary."""
    rng = random.Random(seed)
    corpus = Corpus(rng)
    countries = sorted(country_regions())
    n_orgs = max(20, programmes // 25)
    orgs = [
        {"key": f"bench-org-{i}", "name": f"Bench organisation {i}", "acronym": f"BO{i}",
         "type": rng.choice(ORG_TYPES), "country": rng.choice(countries)}
        for i in range(n_orgs)
    ]  # fmt: skip
    # The seeded providers with demo accounts (``provider.itu``, ``provider.diplo``) list
    # their share of programmes too, so that signed-in owners' pages are measured.
    providers = [o["key"] for o in orgs] + list(SIGNED_IN_PROVIDERS)
    visibility = (("public", 0.8), ("verified", 0.15), ("secretariat", 0.05))
    progs = []
    for i in range(programmes):
        lang = pick_lang(rng)
        title, body = corpus.text(lang)
        scope = rng.random()
        start = f"2026-{rng.randint(1, 12):02d}-01"
        progs.append({
            "key": f"bench-p-{i}", "organisation": rng.choice(providers),
            "title": f"{title} ({i})", "description": body, "text_language": lang,
            "themes": ";".join(rng.sample(sorted(THEMES), rng.randint(1, 3))),
            "support_types": ";".join(rng.sample(sorted(SUPPORT_TYPES), rng.randint(1, 2))),
            "languages": ";".join(sorted({lang, *rng.sample(["en", "fr", "es"], 1)})),
            "visibility": _weighted(rng, visibility),
            "status": _weighted(rng, (("open", 0.85), ("draft", 0.1), ("closed", 0.05))),
            "eligible_regions": "global" if scope < 0.3 else (
                ";".join(rng.sample(sorted(REGIONS), rng.randint(1, 2))) if scope < 0.9 else ""),
            "eligible_countries": ";".join(rng.sample(countries, 3)) if scope >= 0.9 else "",
            "delivery_mode": rng.choice(["in_person", "online", "hybrid"]),
            "start_date": start, "end_date": "2028-12-31",
            # One in fifty is a standing general offer (drawn without the generator: the
            # other fields stay as they were).
            "general_offer": "yes" if i % 50 == 0 else "",
        })  # fmt: skip
    reqs = []
    for i in range(requests):
        lang = pick_lang(rng)
        title, body = corpus.text(lang)
        reqs.append({
            "key": f"bench-r-{i}", "country": rng.choice(countries),
            "title": f"{title} ({i})", "description": body, "text_language": lang,
            "themes": ";".join(rng.sample(sorted(THEMES), rng.randint(1, 3))),
            "support_types": ";".join(rng.sample(sorted(SUPPORT_TYPES), rng.randint(1, 2))),
            "languages": lang, "visibility": _weighted(rng, visibility),
            "status": _weighted(rng, (("open", 0.75), ("draft", 0.1), ("submitted", 0.1),
                                      ("closed", 0.05))),
            "urgency": rng.choice(["low", "medium", "high"]),
        })  # fmt: skip
    return {"organisations": orgs, "programmes": progs, "requests": reqs}


def _env(directory: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_APP": "kb",
        "KB_DATABASE_URL": f"sqlite:///{directory / 'kb.sqlite3'}",
        "KB_SEARCH_DIR": str(directory / "search-index"),
        "KB_SECRET_KEY": "http-bench-not-secret",
        "KB_API_RATE_LIMIT": "1000000/minute",
    }


def _flask(directory: Path, *args: str) -> None:
    started = time.perf_counter()
    subprocess.run([str(BIN / "flask"), *args], env=_env(directory), check=True,
                   stdout=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip
    print(f"  flask {' '.join(args[:2])}: {time.perf_counter() - started:.1f} s", flush=True)


def build(directory: Path, programmes: int, requests: int, seed: int) -> dict[str, float]:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    _flask(directory, "db", "upgrade")
    _flask(directory, "kb", "seed")
    rows = generate(programmes, requests, seed)
    for kind in ("organisations", "programmes", "requests"):
        t0 = time.perf_counter()
        items, paths = rows[kind], []
        for n, start in enumerate(range(0, len(items), ROWS_PER_FILE)):
            path = directory / f"{kind}-{n}.csv"
            path.write_bytes(_csv(items[start : start + ROWS_PER_FILE]))
            paths.append(str(path))
        _flask(directory, "kb", "import", *paths, "--kind", kind)  # one follow-up for all files
        timings[f"import_{kind}_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    _flask(directory, "match", "refresh")
    timings["match_refresh_s"] = round(time.perf_counter() - t0, 1)
    _flask(directory, "search", "reindex", "--if-needed")
    timings["build_s"] = round(time.perf_counter() - started, 1)
    summary = {"programmes": programmes, "requests": requests, **timings}
    (directory / "built.json").write_text(json.dumps(summary))
    return timings


# -- serving ------------------------------------------------------------------------------------


def serve(directory: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    log = open(directory / "gunicorn.log", "ab")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "kb:create_app()"],
        env=_env(directory), cwd=ROOT, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            status, _ = fetch(port, "/static/site.css")
            if status == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {directory / 'gunicorn.log'}")
        time.sleep(0.5)
    stop(proc)
    raise SystemExit("gunicorn did not answer within 120 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def worker_memory(master: int) -> list[dict[str, int]]:
    """Resident and peak resident memory (MB) of each gunicorn worker (children of master)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master):
            out.append({
                "pid": int(entry.name),
                "rss_mb": int(fields["VmRSS"].split()[0]) // 1024,
                "peak_rss_mb": int(fields["VmHWM"].split()[0]) // 1024,
            })  # fmt: skip
    return sorted(out, key=lambda w: w["pid"])


# -- driving ------------------------------------------------------------------------------------


def fetch(
    port: int, path: str, conn: http.client.HTTPConnection | None = None, cookie: str = ""
) -> tuple[int, int]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept-Language": "en", **({"Cookie": cookie} if cookie else {})}
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body)
    finally:
        if own:
            conn.close()


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def summary(self) -> dict[str, Any]:
        ms = sorted(x * 1000 for x in self.latencies)

        def q(p: float) -> float:
            return round(ms[min(len(ms) - 1, int(p * len(ms)))], 1) if ms else 0.0

        return {
            "endpoint": self.name,
            "requests": len(ms) + self.errors,
            "rps": round(len(ms) / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": q(0.50),
            "p95_ms": q(0.95),
            "p99_ms": q(0.99),
            "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
            "errors": self.errors,
        }


def _cookies(response: http.client.HTTPResponse) -> str:
    return "; ".join(c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or [])


def sign_in(port: int, email: str, password: str = DEMO_PASSWORD) -> str:
    """The session cookie of a demo account, signed in through the login form."""
    import re
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/account/login")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = _cookies(response)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        form = {"email": email, "password": password, "csrf_token": token.group(1) if token else ""}
        conn.request("POST", "/account/login", body=urlencode(form), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})  # fmt: skip
        response = conn.getresponse()
        response.read()
        signed = _cookies(response)
    finally:
        conn.close()
    if response.status != 302 or not signed:
        raise SystemExit(f"Could not sign in as {email} (HTTP {response.status})")
    return signed


def drive(port: int, name: str, paths: list[str], concurrency: int, seconds: float,
          limit: int, cookie: str = "") -> Result:  # fmt: skip
    result = Result(name)
    lock = threading.Lock()
    sent = [0]
    stop_at = time.perf_counter() + seconds

    def run(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = offset
        while time.perf_counter() < stop_at:
            with lock:
                if sent[0] >= limit:
                    break
                sent[0] += 1
            path = paths[i % len(paths)]
            i += concurrency
            t0 = time.perf_counter()
            try:
                status, _ = fetch(port, path, conn, cookie)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            took = time.perf_counter() - t0
            with lock:
                if ok:
                    result.latencies.append(took)
                else:
                    result.errors += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.perf_counter() - started
    return result


def sample_ids(directory: Path, n: int = 200) -> dict[str, Any]:
    """Public, live record ids (and their countries / organisations) to cycle through."""
    import sqlite3

    db = sqlite3.connect(directory / "kb.sqlite3")
    pick = "ORDER BY random() LIMIT ?"
    req = [
        r[0]
        for r in db.execute(
            f"SELECT id FROM requests WHERE status='open' AND visibility='public' {pick}", (n,)
        )
    ]
    prog = [
        r[0]
        for r in db.execute(
            f"SELECT id FROM programmes WHERE status='open' AND visibility='public' {pick}", (n,)
        )
    ]
    countries = [
        r[0] for r in db.execute(f"SELECT DISTINCT country_code FROM requests {pick}", (50,))
    ]
    orgs = [r[0] for r in db.execute(f"SELECT id FROM organisations {pick}", (50,))]
    db.close()  # fmt: skip
    return {"requests": req, "programmes": prog, "countries": countries, "orgs": orgs}


def endpoints(ids: dict[str, Any]) -> dict[str, list[str]]:
    from urllib.parse import quote

    qs = [quote(q) for q in QUERIES]
    return {
        "static /static/site.css (control)": ["/static/site.css"],
        "/": ["/"],
        "/requests": ["/requests", "/requests?page=3", "/requests?theme=cybercrime"],
        "/programmes": ["/programmes", "/programmes?page=3", "/programmes?region=Africa"],
        "/requests/<id>": [f"/requests/{i}" for i in ids["requests"]],
        "/programmes/<id>": [f"/programmes/{i}" for i in ids["programmes"]],
        "/countries/<iso3>": [f"/countries/{c}" for c in ids["countries"]],
        "/organisations/<id>": [f"/organisations/{o}" for o in ids["orgs"]],
        "/matches": ["/matches", "/matches?region=Africa", "/matches?theme=cybercrime"],
        "/reports/landscape": ["/reports/landscape"],
        "/reports/briefing": ["/reports/briefing"],
        "/countries": ["/countries"],
        "/organisations": ["/organisations", "/organisations?type=civil_society"],
        "/places": ["/places"],
        "/places/<code>": [
            "/places/m49:014",
            "/places/org:ECOWAS",
            "/places/group:Africa",
            "/places/org:EU",
            "/places/informal:sahel",
        ],
        "/calendar": ["/calendar"],
        "/calls": ["/calls"],
        "/initiatives": ["/initiatives"],
        "/search": [f"/search?q={q}" for q in qs],
        "/search.json": [f"/search.json?q={q}" for q in qs],
        "/api/v1/requests": ["/api/v1/requests", "/api/v1/requests?page=2"],
        "/api/v1/programmes": ["/api/v1/programmes", "/api/v1/programmes?page=2"],
        "/api/v1/requests/<id>/matches": [f"/api/v1/requests/{i}/matches" for i in ids["requests"]],
        "/api/v1/programmes/<id>/matches": [
            f"/api/v1/programmes/{i}/matches" for i in ids["programmes"]
        ],
        "/api/v1/matches": ["/api/v1/matches", "/api/v1/matches?region=Africa"],
        "/api/v1/search": [f"/api/v1/search?q={q}" for q in qs],
        "/api/v1/countries": ["/api/v1/countries"],
        **{f"{path} as {email.split('@')[0]}": [path, f"{path}?region=Africa"]
           for email in SIGNED_IN for path in ("/matches", "/api/v1/matches")},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Examples: --programmes 10000 --requests 5000 --dir DIR --build-only, then "
        "--reuse DIR (one run per catalogue size; compare the p95/ctl ratios).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--programmes", type=int, default=10000, help="programmes to build")
    parser.add_argument("--requests", type=int, default=5000, help="requests to build")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=16, help="clients at once, per endpoint")
    parser.add_argument("--seconds", type=float, default=8.0, help="time spent on each endpoint")
    parser.add_argument(
        "--max-requests", type=int, default=3000, help="requests per endpoint, at most"
    )
    parser.add_argument(
        "--port", type=int, default=5014, help="port gunicorn listens on (127.0.0.1)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where to build the catalogue (default: /tmp/kb-http-bench-<P>-<R>)",
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        metavar="DIR",
        help="measure the catalogue already built in DIR (no build; brought to the current schema)",
    )
    parser.add_argument("--build-only", action="store_true", help="build, do not measure")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME",
        help="run only this endpoint (its name as printed, e.g. /matches); repeatable",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated catalogue")
    args = parser.parse_args()
    directory = (
        args.reuse or args.dir or Path(f"/tmp/kb-http-bench-{args.programmes}-{args.requests}")
    ).resolve()  # an absolute path: Flask-SQLAlchemy reads relative SQLite paths from instance/
    built = directory / "built.json"
    if args.reuse:
        if not built.exists():
            raise SystemExit(f"No catalogue built in {directory} (no built.json): build it first")
        timings = json.loads(built.read_text())
        args.programmes, args.requests = timings["programmes"], timings["requests"]
        print(f"Reusing the catalogue in {directory}", flush=True)
        _flask(directory, "db", "upgrade")
        _flask(directory, "search", "reindex", "--if-needed")  # a newer index schema
    else:
        print(f"Building {args.programmes} programmes, {args.requests} requests in {directory}",
              flush=True)  # fmt: skip
        timings = build(directory, args.programmes, args.requests, args.seed)
    if args.build_only:
        print(json.dumps({"dir": str(directory), "build": timings}))
        return
    proc = serve(directory, args.port, args.workers)
    try:
        ids = sample_ids(directory)
        cookies = {email.split("@")[0]: sign_in(args.port, email) for email in SIGNED_IN}
        results = []
        for name, paths in endpoints(ids).items():
            if args.only and name not in args.only and "control" not in name:
                continue
            cookie = cookies.get(name.rsplit(" as ", 1)[-1], "") if " as " in name else ""
            fetch(args.port, paths[0], cookie=cookie)  # warm this page (its code path's first use)
            result = drive(args.port, name, paths, args.concurrency, args.seconds,
                           args.max_requests, cookie).summary()  # fmt: skip
            results.append(result)
            print(f"{name:36} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f}  "
                  f"p95 {result['p95_ms']:7.1f}  p99 {result['p99_ms']:7.1f} ms  "
                  f"errors {result['errors']}", flush=True)  # fmt: skip
        memory = worker_memory(proc.pid)
    finally:
        stop(proc)
    control, control_rps = results[0]["p95_ms"] or 1.0, results[0]["rps"]
    print(f"\n{'endpoint':36} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>6} "
          f"{'p95/ctl':>7} {'ctl/rps':>7}")  # fmt: skip
    for r in results:
        r["p95_vs_control"] = round(r["p95_ms"] / control, 2)
        r["control_rps_ratio"] = round(control_rps / r["rps"], 2) if r["rps"] else None
        print(f"{r['endpoint']:36} {r['rps']:8.1f} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} "
              f"{r['p99_ms']:7.1f} {r['errors']:6d} {r['p95_vs_control']:7.2f} "
              f"{r['control_rps_ratio'] or 0:7.2f}")  # fmt: skip
    load = os.getloadavg()
    print(f"workers' memory (MB): {memory}")
    print(f"load average: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(json.dumps({
        "programmes": args.programmes, "requests": args.requests, "workers": args.workers,
        "concurrency": args.concurrency, "seconds": args.seconds, "build": timings,
        "results": results, "worker_memory": memory, "loadavg": [round(x, 2) for x in load],
        "cpus": os.cpu_count(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
