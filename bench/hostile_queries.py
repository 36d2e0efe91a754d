"""Time hostile queries (issue 10, point 6) against an index kept by ``search_bench.py --keep``.

    python bench/hostile_queries.py DIR                       # whoosh, DIR from --keep
    python bench/hostile_queries.py DIR --url postgresql+psycopg://user@host/db   # postgres

Each query runs twice as a public viewer with facets and snippets, first with cold caches
for its words, then again: wall-clock and CPU milliseconds of both runs (the querying
thread's CPU time, plus the PostgreSQL server's when it runs on this machine).  The last
line is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search_bench as sb  # noqa: E402

from search import SearchQuery, get_backend  # noqa: E402
from search.querylang.parser import MAX_QUERY_CHARS  # noqa: E402

WORDS = [
    "security",
    "training",
    "national",
    "incident",
    "response",
    "cybercrime",
    "strategy",
    "critical",
    "infrastructure",
    "protection",
    "awareness",
    "capacity",
    "legislation",
    "forensics",
]


def queries(docs: list[dict[str, object]]) -> dict[str, str]:
    rng = random.Random(5)
    vocab = sorted(
        {w for d in docs[:3000] for w in re.findall(r"[a-z]{6,12}", str(d["description"]))}
    )
    typos = ""
    while len(typos) < MAX_QUERY_CHARS - 14:
        typos += sb.misspell(rng.choice(vocab), rng) + " "
    return {
        "400-letter word": "a" * 400,
        "400 random letters": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(400)),
        "60 words": " ".join(rng.choice(WORDS) for _ in range(60)),
        "misspelt words to the limit": typos[:MAX_QUERY_CHARS].strip(),
        "12-word phrase": '"' + " ".join(["security"] * 12) + '"',
        "OR of 40 words": " OR ".join(rng.choice(WORDS) for _ in range(40)),
        "NUL and control characters": "sec\x00urity \x01\x02 training\x7f",
        "14 prefixes": " ".join(w[:3] + "*" for w in WORDS),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="a directory kept by search_bench.py --keep")
    ap.add_argument("--url", help="PostgreSQL URL when the kept index is postgres")
    args = ap.parse_args(argv)
    saved = json.loads((args.dir / "bench.json").read_text())
    if saved["backend"] == "postgres":
        if not args.url:
            ap.error("this directory holds a postgres benchmark: give --url")
        backend = get_backend("postgres", url=args.url, table=saved["table"])
    else:
        backend = get_backend("whoosh", path=str(args.dir / "whoosh"))
    docs = list(sb.make_corpus(saved["records"], random.Random(saved["seed"])))
    viewer = frozenset({"public"})
    backend.search(SearchQuery(text="warm up", viewer_tokens=viewer))
    server = sb.ServerClock(backend.engine) if saved["backend"] == "postgres" else None
    out: dict[str, object] = {"backend": saved["backend"], "records": saved["records"]}
    for label, text in queries(docs).items():
        q = SearchQuery(text=text, viewer_tokens=viewer, facets=True, snippets=True)
        runs = []
        for _ in range(2):
            s0 = server.ns() if server else 0
            c0, t0 = time.thread_time(), time.perf_counter()
            total = backend.search(q).total
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
            runs.append(
                (round(wall, 1), round(cpu + ((server.ns() if server else 0) - s0) / 1e6, 1))
            )
        (w1, c1), (w2, c2) = runs
        print(f"{label:<28} total {total:>6}  cold: wall {w1:7.1f} CPU {c1:7.1f}  "
              f"again: wall {w2:7.1f} CPU {c2:7.1f} ms")  # fmt: skip
        out[label] = {"total": total, "cold_wall_ms": w1, "cold_cpu_ms": c1, "wall_ms": w2,
                      "cpu_ms": c2}  # fmt: skip
    backend.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
