"""Search quality on the seed catalogue: nDCG@10 over a judged query set.

    python -m search.quality                    # whoosh (in memory), table + JSON last line
    python -m search.quality --backend memory
    python -m search.quality --backend all      # every backend, one JSON object per run
    python -m search.quality --backend postgres --url postgresql+psycopg://user@host/db

The documents are built from ``seed_data/{requests,programmes,organisations,countries}.json``
in the shape the app hands to ``upsert`` (see ``search.interface.documents.DocumentDict`` and
``kb/searching/documents.py``), with the seed keys (``req-012``, ``prog-033``) as ids.  Every
document gets the access token ``secretariat`` and queries run with that token, so the whole
catalogue (drafts and confidential records included) is searchable.  The judged queries are in
``search/data/search_judgements.json``: graded 1-3, unlisted records count 0.  Gain is
``2**grade - 1``; the ideal ranking is the judged grades sorted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.backends.registry import get_backend
from search.interface.backend import SearchBackend
from search.interface.query import SearchQuery

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "seed_data"
JUDGEMENTS = Path(__file__).parent / "data" / "search_judgements.json"
K = 10
VIEWER = frozenset({"secretariat"})
BACKENDS = ("whoosh", "memory")


@dataclass(frozen=True)
class JudgedQuery:
    id: str
    text: str
    categories: tuple[str, ...]
    grades: dict[str, int]


def _read(seed_dir: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((seed_dir / f"{name}.json").read_text(encoding="utf-8"))


def _timestamp(day: str | None) -> str | None:
    return f"{day}T00:00:00Z" if day else None


def load_documents(seed_dir: Path = SEED_DIR) -> list[dict[str, Any]]:
    """Search documents for every seed request and programme (ids = seed keys)."""
    countries = {c["iso3"]: c for c in _read(seed_dir, "countries")}
    orgs = {o["key"]: o for o in _read(seed_dir, "organisations")}
    docs: list[dict[str, Any]] = []

    def common(row: dict[str, Any], kind: str) -> dict[str, Any]:
        created = row.get("created")
        confirmed = row.get("last_confirmed") or created
        return {
            "id": row["key"],
            "kind": kind,
            "title": row["title"],
            "description": row["description"],
            "text_language": row.get("text_language", "en"),
            "themes": list(row.get("themes", [])),
            "support_types": list(row.get("support_types", [])),
            "languages": list(row.get("languages", [])),
            "status": row.get("status", "open"),
            "visibility": row.get("visibility", "public"),
            "access": ["secretariat"],
            "created_at": _timestamp(created),
            "updated_at": _timestamp(max(filter(None, (created, confirmed)), default=None)),
        }

    for row in _read(seed_dir, "requests"):
        country = countries[row["country"]]
        doc = common(row, "request")
        doc.update(
            regions=[country["region"]],
            countries=[country["iso3"]],
            country_names=[country["name"]],
            organisation_name=None,
            organisation_type="member_state",
        )
        docs.append(doc)
    for row in _read(seed_dir, "programmes"):
        org = orgs[row["organisation"]]
        regions = list(row.get("eligible_regions") or [])
        codes = list(row.get("eligible_countries") or [])
        is_global = not codes and (not regions or "global" in regions)
        doc = common(row, "programme")
        display = f"{org['name']} ({org['acronym']})" if org.get("acronym") else org["name"]
        doc.update(
            regions=["global"] if is_global else regions,
            countries=codes,
            country_names=[countries[c]["name"] if c in countries else c for c in codes],
            organisation_name=display,
            organisation_type=org["type"],
        )
        docs.append(doc)
    return docs


def load_judgements(path: Path = JUDGEMENTS) -> list[JudgedQuery]:
    raw = json.loads(path.read_text(encoding="utf-8"))["queries"]
    return [
        JudgedQuery(
            id=q["id"],
            text=q["text"],
            categories=tuple(q["categories"]),
            grades={k: int(v) for k, v in q["relevant"].items()},
        )
        for q in raw
    ]


def ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """nDCG@k with gain ``2**grade - 1``."""
    gain = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return gain / best if best else 0.0


def build_backend(
    name: str, docs: Sequence[Mapping[str, Any]] | None = None, url: str | None = None
) -> SearchBackend:
    """A backend of ``name`` holding the seed documents (whoosh: in memory; postgres: a
    table of its own at ``url``, dropped by ``dispose``)."""
    options: dict[str, Any] = {"path": None, "procs": 1} if name == "whoosh" else {}
    if name == "postgres":
        options = {"url": url, "table": f"search_quality_{os.getpid()}"}
    backend = get_backend(name, **options)
    backend.rebuild(list(docs if docs is not None else load_documents()))
    return backend


def dispose(backend: SearchBackend) -> None:
    """Close ``backend``; a postgres backend's tables are dropped first."""
    drop = getattr(backend, "drop", None)
    try:
        if drop is not None:
            drop()
    finally:
        backend.close()


def ranked_ids(backend: SearchBackend, text: str, k: int = K) -> list[str]:
    res = backend.search(
        SearchQuery(text=text, viewer_tokens=VIEWER, per_page=k, facets=False, snippets=False)
    )
    return res.ids


def evaluate(
    backend: SearchBackend, queries: Sequence[JudgedQuery] | None = None
) -> dict[str, Any]:
    """Per-query nDCG@10 and the means (overall and per category)."""
    queries = list(queries if queries is not None else load_judgements())
    per_query: dict[str, float] = {}
    by_cat: dict[str, list[float]] = {}
    for q in queries:
        score = ndcg(ranked_ids(backend, q.text), q.grades)
        per_query[q.id] = score
        for c in q.categories:
            by_cat.setdefault(c, []).append(score)
    return {
        "queries": len(queries),
        "ndcg@10": statistics.fmean(per_query.values()) if per_query else 0.0,
        "by_category": {c: statistics.fmean(v) for c, v in sorted(by_cat.items())},
        "per_query": per_query,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=(*BACKENDS, "postgres", "all"), default="whoosh")
    ap.add_argument("--url", help="PostgreSQL URL for --backend postgres (also with all)")
    ap.add_argument("--quiet", action="store_true", help="only the summary lines")
    args = ap.parse_args(argv)
    if args.backend == "postgres" and not args.url:
        ap.error("--backend postgres needs --url")
    names = BACKENDS if args.backend == "all" else (args.backend,)
    if args.backend == "all" and args.url:
        names = (*BACKENDS, "postgres")
    queries = load_judgements()
    texts = {q.id: q.text for q in queries}
    docs = load_documents()
    summary: dict[str, Any] = {"k": K, "queries": len(queries), "documents": len(docs)}
    for name in names:
        backend = build_backend(name, docs, url=args.url)
        try:
            res = evaluate(backend, queries)
        finally:
            dispose(backend)
        if not args.quiet:
            print(f"== {name}: nDCG@{K} per query")
            for qid, score in res["per_query"].items():
                print(f"  {score:6.3f}  {qid:<28} {texts[qid]}")
        print(f"== {name}: mean nDCG@{K} = {res['ndcg@10']:.3f}")
        for cat, score in res["by_category"].items():
            print(f"  {cat:<16}{score:6.3f}")
        summary[name] = {
            "ndcg@10": round(res["ndcg@10"], 4),
            "by_category": {c: round(v, 4) for c, v in res["by_category"].items()},
        }
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
