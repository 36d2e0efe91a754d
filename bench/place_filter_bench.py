"""Time the programme list's ``place`` filter (the eligibility rule in SQL) on a synthetic
catalogue, with and without pruning the codes to those some programme lists.

    python bench/place_filter_bench.py --records 10000

A temporary SQLite database; 10k programmes, 60 % listing one UN group (or ``global``),
60 % listing 1-3 states.  Prints one line per place and mode, then one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, insert, select

from kb import create_app
from kb.catalogue import eligibility, queries
from kb.extensions import db
from kb.models import Country, Organisation, Programme
from kb.seed import seed_countries
from search.places import default_gazetteer

PLACES = ("org:OIC", "org:GCC", "m49:014", "informal:sahel")
GROUPS = [*default_gazetteer().un_groups(), "global"]


def fill(n: int) -> None:
    db.create_all()
    seed_countries()
    org = Organisation(name="Provider", type="civil_society")
    db.session.add(org)
    db.session.commit()
    states = list(db.session.scalars(select(Country.iso3)))
    rnd = random.Random(1)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        k = rnd.random()
        rows.append(
            {
                "title": f"Programme {i}",
                "description": "text",
                "status": "open",
                "visibility": "public",
                "organisation_id": org.id,
                "eligible_regions": [rnd.choice(GROUPS)] if k < 0.6 else [],
                "eligible_countries": rnd.sample(states, rnd.randint(1, 3)) if k >= 0.4 else [],
            }
        )
    db.session.execute(insert(Programme), rows)
    db.session.commit()


def timed(code: str, repeat: int = 7) -> tuple[int, float]:
    query = queries.programme_query(None, queries.Filters(place=code))
    count = select(func.count()).select_from(query.order_by(None).subquery())
    best, n = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = db.session.scalar(count) or 0
        best = min(best, (time.perf_counter() - t) * 1000)
    return n, best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "TESTING": True}
    )
    out: dict[str, Any] = {"records": args.records}
    with app.app_context():
        fill(args.records)
        pruned: Callable[[str], set[str]] = eligibility.listed_codes
        everything = {p.code for p in default_gazetteer().places()} | set(GROUPS)
        for mode, listed in (("pruned", pruned), ("all codes", lambda field: everything)):
            eligibility.listed_codes = listed  # type: ignore[assignment]
            for code in PLACES:
                n, ms = timed(code)
                print(f"{mode:10} {code:16} {n:6} programmes  {ms:7.1f} ms")
                out[f"{mode}:{code}"] = round(ms, 1)
        eligibility.listed_codes = pruned  # type: ignore[assignment]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
