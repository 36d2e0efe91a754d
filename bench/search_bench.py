"""Benchmark the search library (whoosh or postgres backend) against SQLite FTS5 on a synthetic
corpus.

    python bench/search_bench.py --records 10000
    python bench/search_bench.py --records 10000 --backend postgres \
        --url postgresql+psycopg://user@host/db      # a table of its own, dropped afterwards
    python bench/search_bench.py --records 100000 --keep DIR   # build once, keep the indexes
    python bench/search_bench.py --reuse DIR                    # only the queries, again

Vocabulary comes from ``seed_data/*.json`` (a built-in word list if absent).  Prints a
side-by-side table, then one JSON object as the last line.  Besides wall-clock latency, each
query's CPU time is measured: the querying thread's (``time.thread_time``) and, for postgres
on this machine, the server's (the scheduler's run time of its backend processes, from
``/proc/PID/schedstat``).  On a shared machine wall-clock time includes waiting for a core;
CPU time does not, so it estimates the latency of an idle machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search import SearchQuery, get_backend  # noqa: E402

SEED = ROOT / "seed_data"
THEMES = [
    "national_strategy", "incident_response", "critical_infrastructure", "cybercrime",
    "international_law", "norms_implementation", "confidence_building", "diplomacy",
    "technical_skills", "awareness", "standards", "data_protection", "gender",
]  # fmt: skip
SUPPORT = [
    "training", "technical_assistance", "policy_advice", "equipment", "funding",
    "expert_exchange", "exercise", "research",
]  # fmt: skip
ORG_TYPES = ["member_state", "international_organisation", "regional_organisation",
             "private_sector", "civil_society", "academia", "technical_community"]  # fmt: skip
FALLBACK_TEXT = {
    "en": "national incident response team training critical infrastructure protection "
    "cybercrime legislation forensics awareness campaign data protection gender equality "
    "tabletop exercise confidence building measures diplomats norms strategy assessment",
    "fr": "équipe nationale de réponse aux incidents formation infrastructures critiques "
    "cybercriminalité sensibilisation protection des données stratégie nationale exercice",
    "es": "equipo de respuesta a incidentes capacitación infraestructura crítica ciberdelito "
    "concienciación protección de datos estrategia nacional ejercicio de simulación",
}
SENT = re.compile(r"(?<=[.!?])\s+")


def load_seed() -> tuple[dict[str, list[str]], list[str], list[dict[str, str]], list[str]]:
    """Sentences per language, titles, countries, organisation names."""
    sentences: dict[str, list[str]] = {"en": [], "fr": [], "es": []}
    titles: list[str] = []
    try:
        records = json.loads((SEED / "programmes.json").read_text()) + json.loads(
            (SEED / "requests.json").read_text()
        )
        countries = json.loads((SEED / "countries.json").read_text())
        orgs = [o["name"] for o in json.loads((SEED / "organisations.json").read_text())]
    except (OSError, ValueError, KeyError):
        records, countries, orgs = [], [], []
    for r in records:
        lang = r.get("text_language", "en")
        sentences.setdefault(lang, []).extend(SENT.split(r.get("description", "")))
        titles.append(r.get("title", ""))
    for lang, text in FALLBACK_TEXT.items():
        if not sentences.get(lang):
            words = text.split()
            sentences[lang] = [" ".join(random.sample(words, 8)) + "." for _ in range(50)]
    if not titles:
        titles = [" ".join(FALLBACK_TEXT["en"].split()[i : i + 5]) for i in range(0, 30, 3)]
    if not countries:
        countries = [{"iso3": "KEN", "name": "Kenya", "region": "Africa"},
                     {"iso3": "CIV", "name": "Côte d'Ivoire", "region": "Africa"},
                     {"iso3": "FJI", "name": "Fiji", "region": "Asia-Pacific"}]  # fmt: skip
    return sentences, [t for t in titles if t], countries, orgs or ["Example Organisation"]


def make_corpus(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    sentences, titles, countries, orgs = load_seed()
    for i in range(n):
        lang = rng.choices(["en", "fr", "es"], weights=[75, 14, 11])[0]
        pool = sentences[lang]
        kind = "request" if rng.random() < 0.45 else "programme"
        country = rng.choice(countries)
        visibility = rng.choices(["public", "verified", "secretariat"], weights=[80, 10, 10])[0]
        owner = f"owner:country:{country['iso3']}"
        access = {"public": ["public"], "verified": ["verified", "secretariat", owner],
                  "secretariat": ["secretariat", owner]}[visibility]  # fmt: skip
        if kind == "request":
            ctry = [country]
            regions = [country["region"]]
        else:
            ctry = rng.sample(countries, rng.choice([0, 0, 1, 3, 8]))
            regions = sorted({c["region"] for c in ctry}) or ["global"]
        created = 1_600_000_000 + rng.randrange(200_000_000)
        yield {
            "id": f"{kind}:{i}",
            "kind": kind,
            "title": rng.choice(titles),
            "description": " ".join(rng.choices(pool, k=rng.randint(4, 8))),
            "text_language": lang,
            "themes": rng.sample(THEMES, rng.randint(1, 3)),
            "support_types": rng.sample(SUPPORT, rng.randint(1, 2)),
            "languages": sorted({lang, "en"}),
            "regions": regions,
            "countries": [c["iso3"] for c in ctry],
            "country_names": [c["name"] for c in ctry],
            "organisation_name": None if kind == "request" else rng.choice(orgs),
            "organisation_type": "member_state" if kind == "request" else rng.choice(ORG_TYPES),
            "status": rng.choice(["open", "open", "open", "closed", "matched"]),
            "visibility": visibility,
            "access": access,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created)),
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created + 86400)),
        }


#: Place names users type (sub-regions, organisations, groupings, informal regions), in the
#: three languages of the corpus; country names come from the corpus itself.
PLACES = [
    "Sahel", "ECOWAS", "Andean states", "Gulf states", "Eastern Africa", "Central Asia",
    "Caribbean", "Pacific islands", "ASEAN", "small island developing states", "Western Balkans",
    "least developed countries", "Afrique de l'Ouest", "Afrique centrale", "Centroamérica",
    "América del Sur", "SADC", "OAS", "Arab states", "South Asia",
]  # fmt: skip
SHAPES = (
    "one_word", "two_word", "multi_word", "phrase", "filtered", "misspelt", "partial", "place",
)  # fmt: skip
STOP = frozenset(
    re.findall(r"\w+", "the and for with from des les pour dans con para los las del une que")
)


def misspell(word: str, rng: random.Random) -> str:
    """One typing error: two letters swapped, one dropped or one doubled."""
    i = rng.randrange(1, len(word) - 2)
    op = rng.choice(("swap", "drop", "double"))
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def query_mix(docs: list[dict[str, Any]], rng: random.Random, n: int) -> list[dict[str, Any]]:
    """A fixed mix of eight query shapes built from the corpus, as people type them:

    ``one_word``; ``two_word`` (two corpus words); ``multi_word`` (3-5 words of one record's
    title, unquoted); ``phrase`` (a quoted pair); ``filtered`` (a word with a theme and a kind
    filter); ``misspelt`` (a long word with one typing error, and a second word half the
    time); ``partial`` (two words of one record and two of another, so that few records
    hold all four); ``place`` (one or two words and a place: a sub-region, organisation or
    grouping, or a country of the corpus).  Every query asks for facets and snippets, as
    the search page and the API do.
    """
    sample = rng.sample(docs, min(300, len(docs)))
    words = [w for d in sample for w in re.findall(r"[^\W\d_]{5,}", d["description"])]
    long_words = [w for w in words if len(w) >= 7]
    countries = sorted({c for d in sample for c in d["country_names"]})

    def doc_words(d: dict[str, Any], k: int) -> list[str]:
        toks = [t for t in re.findall(r"[^\W\d_]{4,}", d["title"] + " " + d["description"])
                if t.lower() not in STOP]  # fmt: skip
        return rng.sample(toks, min(k, len(toks)))

    out = []
    for i in range(n):
        shape = SHAPES[i % len(SHAPES)]
        filters: dict[str, list[str]] = {}
        if shape == "phrase":
            d = rng.choice(docs)
            toks = re.findall(r"[^\W\d_]{4,}", d["description"])
            j = rng.randrange(max(1, len(toks) - 1))
            text = f'"{" ".join(toks[j : j + 2])}"'
        elif shape == "two_word":
            text = f"{rng.choice(words)} {rng.choice(words)}"
        elif shape == "multi_word":
            toks = rng.choice(docs)["title"].split()
            k = min(len(toks), rng.randint(3, 5))
            j = rng.randrange(len(toks) - k + 1)
            text = " ".join(toks[j : j + k])
        elif shape == "misspelt":
            text = misspell(rng.choice(long_words), rng)
            if rng.random() < 0.5:
                text += f" {rng.choice(words)}"
        elif shape == "partial":
            a, b = rng.sample(docs, 2)
            text = " ".join(doc_words(a, 2) + doc_words(b, 2))
        elif shape == "place":
            place = rng.choice(PLACES) if rng.random() < 0.7 else rng.choice(countries)
            text = f"{' '.join(rng.sample(words, rng.randint(1, 2)))} {place}"
        else:
            text = rng.choice(words)
        if shape == "filtered":
            filters = {
                "themes": [rng.choice(THEMES)],
                "kind": [rng.choice(["request", "programme"])],
            }
        out.append({"shape": shape, "text": text, "filters": filters, "full": True})
    return out


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def run_time_ns(pid: int) -> int | None:
    """Nanoseconds process ``pid`` has run on a CPU (``/proc/PID/schedstat``), or None when
    it cannot be read (another machine, no schedstat)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class ServerClock:
    """CPU time of the PostgreSQL backends serving a SQLAlchemy engine's connections, when
    the server runs on this machine (else ``available`` is False)."""

    def __init__(self, engine: Any) -> None:
        import sqlalchemy as sa

        self.pids: set[int] = set()
        engine.dispose()  # new connections: each reports its backend's pid

        @sa.event.listens_for(engine, "connect")
        def _pid(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("SELECT pg_backend_pid()")
            self.pids.add(int(cur.fetchone()[0]))
            cur.close()

        with engine.connect():
            pass
        self.available = all(run_time_ns(p) is not None for p in self.pids) and bool(self.pids)

    def ns(self) -> int:
        return sum(run_time_ns(p) or 0 for p in self.pids) if self.available else 0


def measure(
    mix: list[dict[str, Any]], run: Callable[[dict[str, Any]], int], server: ServerClock | None
) -> tuple[list[float], list[float], list[float], list[int]]:
    """Per query: wall-clock ms, the querying thread's CPU ms, the server's CPU ms (0
    without a server clock), and the total the query returned."""
    wall, cpu, srv, totals = [], [], [], []
    for m in mix:
        s0 = server.ns() if server else 0
        c0, t0 = time.thread_time(), time.perf_counter()
        totals.append(run(m))
        t1, c1 = time.perf_counter(), time.thread_time()
        srv.append(((server.ns() if server else 0) - s0) / 1e6)
        wall.append((t1 - t0) * 1000)
        cpu.append((c1 - c0) * 1000)
    return wall, cpu, srv, totals


def summarise(
    prefix: str,
    mix: list[dict[str, Any]],
    wall: list[float],
    cpu: list[float],
    srv: list[float],
    totals: list[int],
) -> dict[str, Any]:
    """p50/p95 of wall-clock and CPU time, per shape too, and the empty results."""
    both = [c + s for c, s in zip(cpu, srv, strict=True)]
    out: dict[str, Any] = {
        f"{prefix}p50_ms": statistics.median(wall),
        f"{prefix}p95_ms": percentile(wall, 95),
        f"{prefix}cpu_p50_ms": statistics.median(both),
        f"{prefix}cpu_p95_ms": percentile(both, 95),
        f"{prefix}zero_results": sum(n == 0 for n in totals),
    }
    if any(srv):
        out[f"{prefix}client_cpu_p95_ms"] = percentile(cpu, 95)
        out[f"{prefix}server_cpu_p95_ms"] = percentile(srv, 95)
    for shape in dict.fromkeys(m["shape"] for m in mix):
        idx = [i for i, m in enumerate(mix) if m["shape"] == shape]
        out[f"{prefix}p95_{shape}_ms"] = percentile([wall[i] for i in idx], 95)
        out[f"{prefix}cpu_p95_{shape}_ms"] = percentile([both[i] for i in idx], 95)
        out[f"{prefix}zero_{shape}"] = sum(totals[i] == 0 for i in idx)
    return out


def bench_search(
    docs: list[dict[str, Any]],
    mix: list[dict[str, Any]],
    procs: int | None,
    limitmb: int | None = None,
    name: str = "whoosh",
    url: str | None = None,
    keep: Path | None = None,
    reuse: bool = False,
) -> dict[str, Any]:
    """Build the index (or, with ``reuse``, open the one kept in ``keep``), run the mix,
    then one update and the mix's first 50 queries again.  With ``keep`` the index stays
    (whoosh: ``keep/whoosh``; postgres: the table named in ``keep/bench.json``) and the
    updated record is put back as it was, so that the next ``--reuse`` run sees the same
    records."""
    out: dict[str, Any] = {"backend": name}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if name == "postgres":
            table = f"search_bench_{os.getpid()}" if keep is None else keep_table(keep)
            backend: Any = get_backend("postgres", url=url, table=table)
            stack.callback(backend.close)
            if keep is None:
                stack.callback(backend.drop)  # runs first
        else:
            options = {} if limitmb is None else {"limitmb": limitmb}
            path = tmp if keep is None else str(keep / "whoosh")
            backend = get_backend("whoosh", path=path, procs=procs, **options)
            stack.callback(backend.close)
            out["procs"] = backend.procs
            out["limitmb"] = backend.limitmb
        if reuse:
            if backend.count() != len(docs):
                raise SystemExit(f"{keep}: no index of {len(docs)} records; build it with --keep")
            # Built by other code (another schema or thesaurus): the figures are then not
            # those of this code's index.
            out["index_stale"] = backend.needs_rebuild()
            if out["index_stale"]:
                warn = f"warning: {keep} was built with another schema or thesaurus; rebuild it"
                print(warn + " with --keep for figures of this code", file=sys.stderr)
            out["index_s"] = None
        else:
            t = time.perf_counter()
            backend.rebuild(iter(docs))
            out["index_s"] = time.perf_counter() - t
        viewer = frozenset({"public"})

        def run(m: dict[str, Any]) -> int:
            return backend.search(SearchQuery(
                text=m["text"], filters=m["filters"], viewer_tokens=viewer,
                facets=m["full"], snippets=m["full"], per_page=20)).total  # fmt: skip

        run(mix[0])  # open searcher, warm caches once
        server = ServerClock(backend.engine) if name == "postgres" else None
        out["server_cpu_measured"] = bool(server and server.available)
        out.update(summarise("", mix, *measure(mix, run, server)))
        # single-record update until visible to a fresh search
        original = docs[len(docs) // 2]
        doc = dict(original, title="Quokkaville unique bench marker", access=["public"])
        t = time.perf_counter()
        backend.upsert([doc])
        found = backend.search(SearchQuery(text="quokkaville", viewer_tokens=viewer)).total
        out["update_visible_ms"] = (time.perf_counter() - t) * 1000
        assert found == 1, found
        # the same mix right after an update (caches of the new generation are cold)
        lat2 = [timed(lambda m=m: run(m)) for m in mix[:50]]  # type: ignore[misc]
        out["after_update_p95_ms"] = percentile(lat2, 95)
        if keep is not None:
            backend.upsert([original])
    return out


def keep_table(keep: Path) -> str:
    """The postgres table of a kept benchmark: named in ``keep/bench.json``."""
    return str(json.loads((keep / "bench.json").read_text())["table"])


def fts_query(text: str, op: str = "AND") -> str:
    phrase = text.startswith('"')
    toks = re.findall(r"[^\W_]+", text)
    if phrase:
        return '"' + " ".join(toks) + '"'
    return f" {op} ".join(f'"{t}"' for t in toks)


FACET_FIELDS = ("kind", "themes", "support_types", "regions", "countries", "languages",
                "organisation_type", "status")  # fmt: skip


def _place_scope(text: str) -> tuple[str, tuple[frozenset[str], frozenset[str]] | None]:
    """The text without the places it names, and their (states, regions), read with the
    same gazetteer as the app (so FTS5 pays for the same interpretation)."""
    try:
        from search.interface.query import PlaceScope
        from search.places import default_gazetteer
    except ImportError:  # an older tree without the gazetteer
        return text, None
    mentions = default_gazetteer().find(text)
    if not mentions:
        return text, None
    for m in reversed(mentions):
        text = text[: m.start] + " " + text[m.end :]
    scope = PlaceScope.of([m.place.code for m in mentions])
    return text, (scope.countries, scope.regions)


def bench_fts5(
    docs: list[dict[str, Any]],
    mix: list[dict[str, Any]],
    keep: Path | None = None,
    reuse: bool = False,
) -> dict[str, Any]:
    """The same mix on SQLite FTS5, doing comparable work: places read with the gazetteer
    and applied as a filter, AND of the words and, when that finds nothing, OR of them
    (FTS5 has no coverage ranking or spelling help), the page of 20 by bm25 with a
    ``snippet()``, the total, and counts of the eight facet fields.  The database is in
    memory; ``keep`` saves it to ``keep/fts5.sqlite``, ``reuse`` loads it from there."""
    db = sqlite3.connect(":memory:")
    if reuse:
        assert keep is not None
        with contextlib.closing(sqlite3.connect(keep / "fts5.sqlite")) as saved:
            saved.backup(db)
        out: dict[str, Any] = {"fts5_index_s": None}
    else:
        out = build_fts5(db, docs)
        if keep is not None:
            (keep / "fts5.sqlite").unlink(missing_ok=True)
            with contextlib.closing(sqlite3.connect(keep / "fts5.sqlite")) as saved:
                db.backup(saved)
    run = fts5_runner(db)
    run(mix[0])
    res = summarise("fts5_", mix, *measure(mix, run, None))
    db.close()
    return out | res


def build_fts5(db: sqlite3.Connection, docs: list[dict[str, Any]]) -> dict[str, Any]:
    db.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, description, names, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.execute("CREATE TABLE d (rid INTEGER PRIMARY KEY, id TEXT, access TEXT, ncountries INT)")
    db.execute("CREATE TABLE fa (rid INT, field TEXT, value TEXT)")
    t = time.perf_counter()
    with db:
        for i, x in enumerate(docs):
            names = " ".join([x["organisation_name"] or "", *x["country_names"]])
            db.execute("INSERT INTO f(rowid, title, description, names) VALUES (?,?,?,?)",
                       (i, x["title"], x["description"], names))  # fmt: skip
            db.execute("INSERT INTO d VALUES (?,?,?,?)",
                       (i, x["id"], " ".join(x["access"]), len(x["countries"])))  # fmt: skip
            for field in FACET_FIELDS:
                v = x.get(field)
                for value in [v] if isinstance(v, str) else v or []:
                    db.execute("INSERT INTO fa VALUES (?,?,?)", (i, field, value))
        db.execute("CREATE INDEX fa_rid ON fa(rid)")
        db.execute("CREATE INDEX fa_value ON fa(field, value, rid)")
    return {"fts5_index_s": time.perf_counter() - t}


def fts5_runner(db: sqlite3.Connection) -> Callable[[dict[str, Any]], int]:
    """One query of the mix on the FTS5 database ``db``; returns its total."""

    def run(m: dict[str, Any]) -> int:
        text, scope = _place_scope(m["text"])
        where = "f MATCH ? AND (' ' || d.access || ' ') LIKE '% public %'"
        args: list[Any] = []
        for col, vals in m["filters"].items():
            where += " AND d.rid IN (SELECT rid FROM fa WHERE field = ? AND value = ?)"
            args += [col, vals[0]]
        if scope is not None:
            states, regions = sorted(scope[0]), sorted(scope[1])
            where += (
                f" AND (d.rid IN (SELECT rid FROM fa WHERE field = 'countries' AND value IN "
                f"({','.join('?' * len(states))})) OR (d.ncountries = 0 AND d.rid IN (SELECT rid "
                f"FROM fa WHERE field = 'regions' AND value IN ({','.join('?' * len(regions))}))))"
            )
            args += states + regions
        base = f"FROM f JOIN d ON d.rid = f.rowid WHERE {where}"
        expr = fts_query(text)
        if not expr.strip('"'):
            return 0
        total = db.execute(f"SELECT count(*) {base}", [expr, *args]).fetchone()[0]
        if total == 0 and not text.startswith('"') and " AND " in expr:
            expr = fts_query(text, "OR")
            total = db.execute(f"SELECT count(*) {base}", [expr, *args]).fetchone()[0]
        db.execute(
            f"SELECT d.id, bm25(f, 4.0, 1.0, 2.0), snippet(f, 1, '<mark>', '</mark>', '…', 24) "
            f"{base} ORDER BY bm25(f, 4.0, 1.0, 2.0) LIMIT 20",
            [expr, *args],
        ).fetchall()
        db.execute(
            f"SELECT fa.field, fa.value, count(*) FROM fa WHERE fa.rid IN (SELECT d.rid {base}) "
            "GROUP BY fa.field, fa.value",
            [expr, *args],
        ).fetchall()
        return int(total)

    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--procs", type=int, default=None, help="writer processes (default: auto)")
    ap.add_argument(
        "--limitmb", type=int, default=None, help="MB per writer process (default: the backend's)"
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh")
    ap.add_argument("--url", help="PostgreSQL URL for --backend postgres")
    where = ap.add_mutually_exclusive_group()
    where.add_argument(
        "--keep", type=Path, metavar="DIR",
        help="build the indexes (whoosh in DIR, FTS5 in DIR, postgres in a table named in "
        "DIR/bench.json) and keep them for --reuse",
    )  # fmt: skip
    where.add_argument(
        "--reuse", type=Path, metavar="DIR",
        help="run only the queries against the indexes kept by --keep DIR (records, seed, "
        "queries and backend are read from DIR/bench.json)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    keep: Path | None = args.keep or args.reuse
    if args.reuse:
        try:
            saved = json.loads((args.reuse / "bench.json").read_text())
        except (OSError, ValueError):
            ap.error(f"--reuse {args.reuse}: no bench.json there (build with --keep first)")
        args.records, args.seed = saved["records"], saved["seed"]
        args.queries, args.backend = saved["queries"], saved["backend"]
    if args.backend == "postgres" and not args.url:
        ap.error("--backend postgres needs --url")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        saved = {"records": args.records, "seed": args.seed, "queries": args.queries,
                 "backend": args.backend, "table": f"search_bench_keep_{args.records}"}  # fmt: skip
        (args.keep / "bench.json").write_text(json.dumps(saved, indent=1))
    rng = random.Random(args.seed)
    docs = list(make_corpus(args.records, rng))
    mix = query_mix(docs, rng, args.queries)
    res: dict[str, Any] = {"records": args.records, "queries": len(mix)}
    res["reused"] = bool(args.reuse)
    res["load_before"] = os.getloadavg()[0]
    reuse = bool(args.reuse)
    res.update(
        bench_search(docs, mix, args.procs, args.limitmb, args.backend, args.url, keep, reuse)
    )
    res.update(bench_fts5(docs, mix, keep, reuse))
    res["load_after"] = os.getloadavg()[0]
    res["p95_ratio_fts5"] = res["p95_ms"] / res["fts5_p95_ms"] if res["fts5_p95_ms"] else 0.0
    res["cpu_p95_ratio_fts5"] = (
        res["cpu_p95_ms"] / res["fts5_cpu_p95_ms"] if res["fts5_cpu_p95_ms"] else 0.0
    )
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the largest writer sub-process of the rebuild (0 when the rebuild used one process)
    res["peak_writer_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report(res, args.backend)
    return 0


def report(res: dict[str, Any], backend: str) -> None:
    """The table, then the JSON line."""

    def row(label: str, a: float | None, b: float | None, tail: str = "") -> None:
        if a is None or b is None:
            print(f"{label:<24}{'(reused)' if a is None else a:>18}{'' if b is None else b:>14}")
            return
        ratio = f"{a / b:>8.2f}x" if b else f"{'':>9}"
        print(f"{label:<24}{a:>18.2f}{b:>14.2f}{ratio}{tail}")

    label = f"search/ ({backend})"
    print(f"{'metric':<24}{label:>18}{'sqlite fts5':>14}{'ratio':>9}")
    row("index build (s)", res["index_s"], res["fts5_index_s"])
    row("query p50 (ms)", res["p50_ms"], res["fts5_p50_ms"])
    row("query p95 (ms)", res["p95_ms"], res["fts5_p95_ms"])
    cpu = "query CPU p95 (ms)" + (" *" if res.get("server_cpu_measured") else "")
    row("query CPU p50 (ms)", res["cpu_p50_ms"], res["fts5_cpu_p50_ms"])
    row(cpu, res["cpu_p95_ms"], res["fts5_cpu_p95_ms"])
    if res.get("server_cpu_measured"):
        print(f"  * client + server; p95 client {res.get('client_cpu_p95_ms', 0):.2f}, "
              f"server {res.get('server_cpu_p95_ms', 0):.2f}")  # fmt: skip
    print(f"{'p95 by shape (ms)':<24}{'wall':>18}{'':>14}{'':>9}  CPU  (fts5 CPU)  zero results")
    for shape in SHAPES:
        a, b = res.get(f"p95_{shape}_ms"), res.get(f"fts5_p95_{shape}_ms")
        if a is None or b is None:
            continue
        tail = (f"  {res[f'cpu_p95_{shape}_ms']:.1f} ({res[f'fts5_cpu_p95_{shape}_ms']:.1f})"
                f"  {res[f'zero_{shape}']}")  # fmt: skip
        row(f"  {shape}", a, b, tail)
    print(f"  {'zero results, all':<32}{res['zero_results']:>10} (fts5 {res['fts5_zero_results']})")
    print(f"  {'after_update_p95_ms':<32}{res['after_update_p95_ms']:>10.2f}")
    print(f"  {'update_visible_ms':<32}{res['update_visible_ms']:>10.2f}")
    print(f"  {'peak_rss_mb':<32}{res['peak_rss_mb']:>10.1f}")
    print(f"  {'peak_writer_rss_mb':<32}{res['peak_writer_rss_mb']:>10.1f}")
    load = f"{res['load_before']:.1f} / {res['load_after']:.1f}"
    print(f"  {'load average before / after':<32}{load:>10}")
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()}))


if __name__ == "__main__":
    raise SystemExit(main())
