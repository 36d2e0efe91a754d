"""Search quality on a judged query set: nDCG@10, recall@10 and zero-result rates.

    python -m search.quality                    # whoosh (in memory), reporting part
    python -m search.quality --backend all      # whoosh and memory (and postgres with --url)
    python -m search.quality --backend postgres --url postgresql+psycopg://user@host/db
    python -m search.quality --split tune       # the part to fit on (or: all)
    python -m search.quality --per-query        # one line per query too

The catalogue is ``seed_data/{requests,programmes,organisations,countries}.json`` plus the
records of ``search/data/quality_records.json`` (written for the judged set so that places
have answers), in the shape the app hands to ``upsert`` (``kb/searching/documents.py``: a
programme's regions are the UN groups of the states it is open to), with the record keys
(``req-012``, ``qx-prog-03``) as ids.  Every document gets the access token ``secretariat``
and queries run with that token, so the visible catalogue is all of it.

The judged queries are in ``search/data/search_judgements.json``; its header gives the
grading rules (3 answers the need and every place/language/kind constraint, 2 a major part,
1 touches it; unlisted records are 0), the query kinds and the fixed ``tune`` / ``report``
split.  Figures, per backend, overall and per query kind:

* nDCG@10, gain ``2**grade - 1``, the ideal ranking being the judged grades sorted;
* recall@10: judged records (grade >= 1) in the top 10, over ``min(10, judged)``;
* zero-result rate: share of queries whose result total is 0;
* zero-result rate where a word is present: the same, over the queries with at least one
  word (or field value) that occurs in the visible catalogue.  Those must never be empty.

Each figure is also given per language of the query (``lang=ar`` … rows; a query's ``lang``,
else its kind or category ``fr``/``es``, else English), with the gap of each language to
English (issue 13: within ``LANGUAGE_GAP``).

The last line of the output is JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from search.backends.registry import get_backend
from search.interface.backend import SearchBackend
from search.interface.query import SearchQuery
from search.matching import eligibility
from search.places import state_groups

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "seed_data"
DATA_DIR = Path(__file__).parent / "data"
JUDGEMENTS = DATA_DIR / "search_judgements.json"
QUALITY_RECORDS = DATA_DIR / "quality_records.json"
#: Arabic, Chinese and Russian editions of catalogue records (``edition_of``).
LANGUAGE_RECORDS = DATA_DIR / "quality_records_ar_ru_zh.json"
K = 10
#: The day the availability rule is read on (the judged set's date), so that the figures
#: do not drift as deadlines pass.
TODAY = date(2026, 12, 3)
VIEWER = frozenset({"secretariat"})
BACKENDS = ("whoosh", "memory")
SPLITS = ("report", "tune", "all")
#: Targets of issue 10 (point 4): the report prints the gap to each.
TARGETS: dict[str, float] = {"ndcg@10": 0.85, "zero_rate_present": 0.0, "backend_gap": 0.03}


#: The languages a query can be written in (the six UN languages).
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")
#: Issue 13: every language's nDCG@10 within this much of English's.
LANGUAGE_GAP = 0.10


@dataclass(frozen=True)
class JudgedQuery:
    id: str
    text: str
    kind: str
    split: str
    judged_set: str
    categories: tuple[str, ...]
    grades: dict[str, int]
    lang: str = "en"


def query_language(q: Mapping[str, Any]) -> str:
    """The language a judged query is written in: its ``lang``, else its kind or a category
    naming a language (``fr``, ``es`` ...), else English."""
    if q.get("lang"):
        return str(q["lang"])
    for tag in (q.get("kind"), *q.get("categories", ())):
        if tag in LANGUAGES:
            return str(tag)
    return "en"


@dataclass(frozen=True)
class QueryOutcome:
    """What one judged query got from a backend."""

    id: str
    ndcg: float
    recall: float
    total: int
    word_present: bool


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _timestamp(day: str | None) -> str | None:
    return f"{day}T00:00:00Z" if day else None


def load_records(
    seed_dir: Path = SEED_DIR,
    extra: Path | None = QUALITY_RECORDS,
    languages: Path | None = LANGUAGE_RECORDS,
) -> dict[str, list[dict[str, Any]]]:
    """Requests, programmes, organisations and countries: the seed data plus ``extra`` and
    the ``languages`` editions."""
    out = {name: list(_read(seed_dir / f"{name}.json")) for name in
           ("requests", "programmes", "organisations", "countries")}  # fmt: skip
    for path in (extra, languages):
        if path is not None and path.exists():
            more = _read(path)
            for name in ("requests", "programmes", "organisations"):
                out[name].extend(more.get(name, []))
    return out


def load_editions(path: Path = LANGUAGE_RECORDS) -> dict[str, str]:
    """``{edition key: original key}`` of the records written in another language."""
    if not path.exists():
        return {}
    more = _read(path)
    return {r["key"]: r["edition_of"] for name in ("requests", "programmes")
            for r in more.get(name, []) if r.get("edition_of")}  # fmt: skip


def edition_grades(
    text: str, grades: Mapping[str, int], editions: Mapping[str, str]
) -> dict[str, int]:
    """``grades`` with each edition graded as its original (the rule ``editions`` of the
    judgements' header), except in a query with a quoted phrase, which only the original's
    words contain."""
    out = dict(grades)
    if '"' in _FIELD_RE.sub(" ", text):
        return out
    for key, original in editions.items():
        if key not in out and original in grades:
            out[key] = grades[original]
    return out


def load_documents(
    seed_dir: Path = SEED_DIR, extra: Path | None = QUALITY_RECORDS
) -> list[dict[str, Any]]:
    """Search documents for every request and programme (ids = record keys)."""
    records = load_records(seed_dir, extra)
    countries = {c["iso3"]: c for c in records["countries"]}
    orgs = {o["key"]: o for o in records["organisations"]}
    groups = state_groups()
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
            "access": sorted(VIEWER),
            "created_at": _timestamp(created),
            "updated_at": _timestamp(max(filter(None, (created, confirmed)), default=None)),
        }

    for row in records["requests"]:
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
    for row in records["programmes"]:
        org = orgs[row["organisation"]]
        codes = list(row.get("eligible_countries") or [])
        audience = {"eligible_regions": list(row.get("eligible_regions") or []),
                    "eligible_countries": codes}  # fmt: skip
        doc = common(row, "programme")
        display = f"{org['name']} ({org['acronym']})" if org.get("acronym") else org["name"]
        doc.update(
            # as kb/searching/documents.py: the UN groups of the states it is open to
            regions=eligibility.regions_reached(audience, groups),
            countries=codes,
            country_names=[countries[c]["name"] if c in countries else c for c in codes],
            organisation_name=display,
            organisation_type=org["type"],
            provider_country=org.get("country"),
            # as kb/searching/documents.py: the availability rule of the matching engine
            available=eligibility.available(row, TODAY),
        )
        docs.append(doc)
    return docs


def load_judgements(path: Path = JUDGEMENTS, split: str = "all") -> list[JudgedQuery]:
    """The judged queries of ``split`` (``report``, ``tune`` or ``all``)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    raw = _read(path)["queries"]
    editions = load_editions()
    queries = [
        JudgedQuery(
            id=q["id"],
            text=q["text"],
            kind=q["kind"],
            split=q["split"],
            judged_set=q.get("set", ""),
            categories=tuple(q["categories"]),
            grades=edition_grades(
                q["text"], {k: int(v) for k, v in q["relevant"].items()}, editions
            ),
            lang=query_language(q),
        )
        for q in raw
    ]
    return [q for q in queries if split == "all" or q.split == split]


def ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """nDCG@k with gain ``2**grade - 1``."""
    gain = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return gain / best if best else 0.0


def recall(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    """Judged records (grade >= 1) in the top ``k``, over ``min(k, judged)``."""
    relevant = {d for d, g in grades.items() if g >= 1}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / min(k, len(relevant))


# -- "is any word of the query in the visible catalogue?" ------------------------------------
# Deliberately independent of the engine's analysis: plain accent folding, whole words.

_STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        """a an and are as at be by for from how in into is it of on or the to what with
        au aux avec dans de des du en et la le les l d pour sur un une
        con del el en la las los para por un una y""",
    )
)
_FIELD_RE = re.compile(r'(\w+):("[^"]*"|\S+)')
_WORD_RE = re.compile(r"[^\W_]+")
_OPERATORS = frozenset({"AND", "OR", "NOT"})
_FIELD_DOC_KEYS = ("kind", "themes", "support_types", "regions", "countries", "languages",
                   "status", "organisation_type")  # fmt: skip


def fold(text: str) -> str:
    """Lowercase without accents: ``"Côte d'Ivoire"`` -> ``"cote d'ivoire"``."""
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _words(text: str) -> set[str]:
    """Folded words of two letters or more; Chinese, written without spaces, as its
    character pairs."""
    out: set[str] = set()
    for w in _WORD_RE.findall(fold(text)):
        if _HAN_RE.search(w):
            out.update(w[i : i + 2] for i in range(len(w) - 1))
        elif len(w) >= 2 and w not in _STOPWORDS:
            out.add(w)
    return out


@dataclass(frozen=True)
class Vocabulary:
    """Folded words and field values of the documents a viewer may see."""

    words: frozenset[str]
    values: frozenset[str]

    @classmethod
    def of(cls, docs: Iterable[Mapping[str, Any]], viewer: frozenset[str] = VIEWER) -> Vocabulary:
        words: set[str] = set()
        values: set[str] = set()
        for d in docs:
            if not viewer.intersection(d.get("access") or ()):
                continue
            texts = [d.get("title") or "", d.get("description") or "",
                     d.get("organisation_name") or "", *(d.get("country_names") or [])]  # fmt: skip
            for t in texts:
                words |= _words(t)
            for key in _FIELD_DOC_KEYS:
                v = d.get(key)
                for item in [v] if isinstance(v, str) else v or []:
                    values.add(fold(str(item)).replace(" ", "_"))
        return cls(frozenset(words), frozenset(values))

    def any_present(self, text: str) -> bool:
        """True when a free word of ``text`` occurs in the catalogue text, or a
        ``field:value`` value among the catalogue's field values."""
        for _field, value in _FIELD_RE.findall(text):
            if fold(value.strip('"')).replace(" ", "_").replace("-", "_") in self.values:
                return True
        free = " ".join(t for t in _FIELD_RE.sub(" ", text).split() if t not in _OPERATORS)
        return any(w in self.words for w in _words(free))


# -- running --------------------------------------------------------------------------------


def build_backend(
    name: str, docs: Sequence[Mapping[str, Any]] | None = None, url: str | None = None
) -> SearchBackend:
    """A backend of ``name`` holding the documents (whoosh: in memory; postgres: a
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


def run_query(backend: SearchBackend, text: str, k: int = K) -> tuple[list[str], int]:
    """The top ``k`` ids and the total, as the results page would get them."""
    res = backend.search(
        SearchQuery(text=text, viewer_tokens=VIEWER, per_page=k, facets=False, snippets=False)
    )
    return res.ids, res.total


def ranked_ids(backend: SearchBackend, text: str, k: int = K) -> list[str]:
    return run_query(backend, text, k)[0]


def summarise(outcomes: Sequence[QueryOutcome]) -> dict[str, float | int]:
    """Means of a group of query outcomes."""
    present = [o for o in outcomes if o.word_present]
    n = len(outcomes)
    return {
        "queries": n,
        "ndcg@10": statistics.fmean(o.ndcg for o in outcomes) if n else 0.0,
        "recall@10": statistics.fmean(o.recall for o in outcomes) if n else 0.0,
        "zero_rate": sum(o.total == 0 for o in outcomes) / n if n else 0.0,
        "present_queries": len(present),
        "zero_rate_present": (
            sum(o.total == 0 for o in present) / len(present) if present else 0.0
        ),
    }


def evaluate(
    backend: SearchBackend,
    queries: Sequence[JudgedQuery] | None = None,
    docs: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Every figure for ``backend``: overall, ``by_kind``, ``by_category`` (nDCG@10 only)
    and per query (``per_query``: nDCG@10; ``outcomes``: the full records)."""
    queries = list(queries if queries is not None else load_judgements(split="report"))
    vocab = Vocabulary.of(docs if docs is not None else load_documents())
    outcomes: list[QueryOutcome] = []
    for q in queries:
        ids, total = run_query(backend, q.text)
        present = vocab.any_present(q.text)
        outcomes.append(
            QueryOutcome(q.id, ndcg(ids, q.grades), recall(ids, q.grades), total, present)
        )
    by_kind: dict[str, list[QueryOutcome]] = {}
    by_lang: dict[str, list[QueryOutcome]] = {}
    by_cat: dict[str, list[float]] = {}
    for q, o in zip(queries, outcomes, strict=True):
        by_kind.setdefault(q.kind, []).append(o)
        by_lang.setdefault(q.lang, []).append(o)
        for c in q.categories:
            by_cat.setdefault(c, []).append(o.ndcg)
    return {
        **summarise(outcomes),
        "by_kind": {kind: summarise(v) for kind, v in sorted(by_kind.items())},
        "by_language": {
            lang: summarise(by_lang[lang])
            for lang in (*LANGUAGES, *sorted(by_lang))
            if lang in by_lang
        },
        "by_category": {c: statistics.fmean(v) for c, v in sorted(by_cat.items())},
        "per_query": {o.id: o.ndcg for o in outcomes},
        "outcomes": outcomes,
    }


def _rounded(figures: Mapping[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}


def target_gaps(summary: Mapping[str, Any]) -> dict[str, float]:
    """How far each backend is from the targets (positive = short of it)."""
    gaps: dict[str, float] = {}
    for name in (*BACKENDS, "postgres"):
        if name in summary:
            gaps[f"{name}.ndcg@10"] = round(TARGETS["ndcg@10"] - summary[name]["ndcg@10"], 4)
            gaps[f"{name}.zero_rate_present"] = round(
                summary[name]["zero_rate_present"] - TARGETS["zero_rate_present"], 4
            )
    for name in (*BACKENDS, "postgres"):
        langs = summary.get(name, {}).get("by_language", {})
        if "en" in langs:
            for lang, figures in langs.items():
                if lang != "en":
                    short = langs["en"]["ndcg@10"] - figures["ndcg@10"] - LANGUAGE_GAP
                    gaps[f"{name}.{lang}_vs_en"] = round(short, 4)
    if "whoosh" in summary and "postgres" in summary:
        diff = abs(summary["whoosh"]["ndcg@10"] - summary["postgres"]["ndcg@10"])
        gaps["whoosh_postgres_ndcg_diff"] = round(diff - TARGETS["backend_gap"], 4)
    return gaps


def _print_table(name: str, res: Mapping[str, Any]) -> None:
    head = f"{'kind':<16}{'n':>4}{'nDCG@10':>9}{'R@10':>7}{'zero':>7}{'zero|word':>11}"
    print(f"== {name}")
    print(head)
    rows = [*res["by_kind"].items(), *((f"lang={k}", v) for k, v in res["by_language"].items()),
            ("ALL", res)]  # fmt: skip
    for kind, f in rows:
        print(
            f"{kind:<16}{f['queries']:>4}{f['ndcg@10']:>9.3f}{f['recall@10']:>7.3f}"
            f"{f['zero_rate']:>7.3f}{f['zero_rate_present']:>11.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=(*BACKENDS, "postgres", "all"), default="whoosh")
    ap.add_argument("--url", help="PostgreSQL URL for --backend postgres (also with all)")
    ap.add_argument("--split", choices=SPLITS, default="report", help="default: report")
    ap.add_argument("--per-query", action="store_true", help="one line per query too")
    ap.add_argument("--quiet", action="store_true", help="only the JSON line")
    args = ap.parse_args(argv)
    if args.backend == "postgres" and not args.url:
        ap.error("--backend postgres needs --url")
    names: tuple[str, ...] = BACKENDS if args.backend == "all" else (args.backend,)
    if args.backend == "all" and args.url:
        names = (*BACKENDS, "postgres")
    queries = load_judgements(split=args.split)
    by_id = {q.id: q for q in queries}
    docs = load_documents()
    summary: dict[str, Any] = {
        "k": K, "split": args.split, "queries": len(queries), "documents": len(docs),
    }  # fmt: skip
    for name in names:
        backend = build_backend(name, docs, url=args.url)
        try:
            res = evaluate(backend, queries, docs)
        finally:
            dispose(backend)
        if args.per_query and not args.quiet:
            print(f"== {name}: per query (nDCG@10, recall@10, total)")
            for o in res["outcomes"]:
                q = by_id[o.id]
                flag = " ZERO" if o.total == 0 else ""
                print(f"  {o.ndcg:6.3f} {o.recall:6.3f} {o.total:4d}  {q.kind:<15}"
                      f"{q.id:<34} {q.text}{flag}")  # fmt: skip
        if not args.quiet:
            _print_table(name, res)
        summary[name] = {
            **_rounded({k: v for k, v in res.items() if not isinstance(v, dict | list)}),
            "by_kind": {k: _rounded(v) for k, v in res["by_kind"].items()},
            "by_language": {k: _rounded(v) for k, v in res["by_language"].items()},
        }
    summary["targets"] = TARGETS
    summary["gaps"] = target_gaps(summary)
    if not args.quiet:
        print("gaps to targets (positive = short): "
              + ", ".join(f"{k} {v:+.3f}" for k, v in summary["gaps"].items()))  # fmt: skip
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
