"""Benchmark the matching engine against a scikit-learn TF-IDF baseline on synthetic data.

    python bench/match_bench.py --requests 10000 --programmes 50000

Texts are spans of the seed descriptions and titles (``seed_data/*.json``) in English,
French and Spanish; codes, languages, eligibility, status and dates are drawn at random.
Measures fit time, one-request top-10 latency (p50/p95 over 200 requests), ``match_all``
for every request, peak RSS, and the baseline (TF-IDF + ``linear_kernel``, top 10 for
all requests in chunks of 500, no rules).  The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.matching import MatchEngine  # noqa: E402
from search.matching.codes import REGIONS, SUPPORT_TYPES, THEMES  # noqa: E402
from search.matching.seed_loader import (  # noqa: E402
    country_regions,
    load_programmes,
    load_requests,
)

TODAY = date(2026, 11, 29)
LANG_MIX = (("en", 0.75), ("fr", 0.15), ("es", 0.10))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Corpus:
    """Word sequences of the seed texts, per language, to cut random spans from."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.bodies: dict[str, list[list[str]]] = {"en": [], "fr": [], "es": []}
        self.titles: dict[str, list[list[str]]] = {"en": [], "fr": [], "es": []}
        for r in [*load_requests(), *load_programmes()]:
            lang = r["text_language"] if r["text_language"] in self.bodies else "en"
            self.bodies[lang].append(r["description"].split())
            self.titles[lang].append(r["title"].split())

    def span(self, pool: list[list[str]], lo: int, hi: int) -> str:
        words = self.rng.choice(pool)
        n = min(len(words), self.rng.randint(lo, hi))
        start = self.rng.randint(0, len(words) - n)
        return " ".join(words[start : start + n])

    def text(self, lang: str) -> tuple[str, str]:
        title = self.span(self.titles[lang], 4, 9)
        body = " ".join(self.span(self.bodies[lang], 12, 30) for _ in range(3))
        return title, body


def pick_lang(rng: random.Random) -> str:
    return rng.choices([c for c, _ in LANG_MIX], [w for _, w in LANG_MIX])[0]


def iso(d: date) -> str:
    return d.isoformat()


def make_programmes(
    n: int, corpus: Corpus, countries: list[str], rng: random.Random, general_share: float = 0.0
) -> list:
    """``general_share`` of them (every k-th, without drawing: the other fields stay as
    they were) are standing general offers (docs/MATCHING.md, "General offers")."""
    out: list[dict[str, Any]] = []
    every = round(1 / general_share) if general_share > 0 else 0
    for i in range(n):
        lang = pick_lang(rng)
        title, body = corpus.text(lang)
        roll = rng.random()
        regions = rng.sample(REGIONS, rng.randint(1, 3)) if 0.4 <= roll < 0.8 else []
        chosen = rng.sample(countries, rng.randint(3, 15)) if roll >= 0.8 else []
        start = TODAY - timedelta(days=rng.randint(0, 900))
        out.append(
            {
                "id": f"programme:{i}",
                "title": title,
                "description": body,
                "text_language": lang,
                "themes": rng.sample(list(THEMES), rng.randint(1, 3)),
                "support_types": rng.sample(list(SUPPORT_TYPES), rng.randint(1, 3)),
                "languages": sorted({lang, *rng.sample(["en", "fr", "es", "ar", "ru", "pt"], 2)}),
                "eligible_regions": regions,
                "eligible_countries": chosen,
                "delivery_mode": rng.choice(["in_person", "online", "hybrid"]),
                "general_offer": bool(every) and i % every == 0,
                "organisation_name": f"Org {i % 700}",
                "organisation_type": "international_organisation",
                "status": rng.choices(["open", "closed", "draft"], [0.8, 0.15, 0.05])[0],
                "start_date": iso(start),
                "end_date": iso(start + timedelta(days=rng.randint(200, 1500))),
                "application_deadline": None,
                "created_at": iso(start),
                "updated_at": iso(TODAY - timedelta(days=rng.randint(0, 700))),
            }
        )
    return out


def make_requests(n: int, corpus: Corpus, regions: dict[str, str], rng: random.Random) -> list:
    out: list[dict[str, Any]] = []
    countries = sorted(regions)
    for i in range(n):
        lang = pick_lang(rng)
        title, body = corpus.text(lang)
        country = rng.choice(countries)
        out.append(
            {
                "id": f"request:{i}",
                "title": title,
                "description": body,
                "text_language": lang,
                "themes": rng.sample(list(THEMES), rng.randint(0, 3)),
                "support_types": rng.sample(list(SUPPORT_TYPES), rng.randint(0, 2)),
                "languages": [lang],
                "country": country,
                "region": regions[country],
                "status": "open",
                "urgency": "medium",
                "created_at": iso(TODAY - timedelta(days=rng.randint(0, 500))),
                "updated_at": iso(TODAY - timedelta(days=rng.randint(0, 300))),
            }
        )
    return out


def baseline(programmes: list, requests: list, k: int = 10, chunk: int = 500) -> dict[str, float]:
    """scikit-learn TF-IDF + linear_kernel, top k for every request, no rules."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    t0 = time.perf_counter()
    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform(f"{p['title']} {p['description']}" for p in programmes)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    queries = vectorizer.transform(f"{r['title']} {r['description']}" for r in requests)
    for start in range(0, queries.shape[0], chunk):
        sims = linear_kernel(queries[start : start + chunk], matrix)
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        np.take_along_axis(sims, top, axis=1).argsort(axis=1)
    return {"baseline_fit_s": fit_s, "baseline_all_pairs_s": time.perf_counter() - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--programmes", type=int, default=50_000)
    parser.add_argument("--single", type=int, default=200, help="requests timed one by one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--general-share",
        type=float,
        default=0.02,
        help="share of programmes that are standing general offers (0: none)",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    regions = country_regions()
    corpus = Corpus(rng)
    programmes = make_programmes(args.programmes, corpus, sorted(regions), rng, args.general_share)
    requests = make_requests(args.requests, corpus, regions, rng)
    out: dict[str, Any] = {
        "requests": args.requests,
        "programmes": args.programmes,
        "general_share": args.general_share,
    }
    out["data_rss_mb"] = round(rss_mb(), 1)

    t0 = time.perf_counter()
    engine = MatchEngine().fit(programmes)
    out["fit_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    engine.prepare(TODAY)  # per-region views for the day (else built on first use)
    out["prepare_s"] = round(time.perf_counter() - t0, 2)

    times = []
    for r in rng.sample(requests, min(args.single, len(requests))):
        t0 = time.perf_counter()
        engine.match_request(r, 10, today=TODAY)
        times.append((time.perf_counter() - t0) * 1000)
    out["one_p50_ms"] = round(statistics.median(times), 2)
    out["one_p95_ms"] = round(float(np.percentile(times, 95)), 2)

    t0 = time.perf_counter()
    result = engine.match_all(requests, 10, today=TODAY)
    out["all_pairs_s"] = round(time.perf_counter() - t0, 2)
    out["matches"] = sum(len(v) for v in result.values())
    out["peak_rss_mb"] = round(rss_mb(), 1)
    del result

    base = baseline(programmes, requests)
    out.update({k: round(v, 2) for k, v in base.items()})
    out["all_pairs_vs_baseline"] = round(
        out["all_pairs_s"] / max(out["baseline_all_pairs_s"], 1e-9), 2
    )
    out["peak_rss_with_baseline_mb"] = round(rss_mb(), 1)

    print(f"{'measure':28} value")
    for k, v in out.items():
        print(f"{k:28} {v}")
    print("targets: one_p95_ms <= 50, all_pairs_s <= 60")
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
