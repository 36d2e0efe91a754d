"""Benchmark the saved-search evaluation that follows a commit (``alerts.evaluate``).

    python bench/alerts_bench.py --searches 2000 --records 1 --records 20

Creates ``--users`` focal points and providers with ``--searches`` saved searches between them
(a third each: filtered request lists, programme lists, search-page queries, plus one offered
alert per user), in a fresh SQLite database, then times :func:`kb.alerts.operations.evaluate`
for a batch of newly published programmes and requests (``--records``, repeatable). The
saved searches' words and codes are drawn from the seed data. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.datastructures import MultiDict  # noqa: E402

WORDS = [
    "forensics",
    "training",
    "cybercrime",
    "strategy",
    "CERT",
    "incident",
    "response",
    "law",
    "diplomacy",
    "awareness",
    "standards",
    "gender",
    "data",
    "protection",
    "infrastructure",
    "exercise",
]
THEMES = ["cybercrime", "incident_response", "national_strategy", "awareness", "gender"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--searches", type=int, default=2000)
    parser.add_argument("--records", type=int, action="append")
    args = parser.parse_args()
    batches = args.records or [1, 20]
    rng = random.Random(7)

    from kb import create_app
    from kb.alerts import operations as alerts
    from kb.errors import Conflict
    from kb.extensions import db
    from kb.models import AlertHit, Country, Notification, Organisation, Programme, Request, User
    from kb.models.types import utcnow

    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "INSTANCE_PATH": folder,
            "SEARCH_BACKEND": "memory",
        }
    )
    with app.app_context():
        db.create_all()
        for iso3, region in (("KEN", "Africa"), ("SEN", "Africa"), ("FJI", "Asia-Pacific")):
            db.session.add(Country(iso3=iso3, name=iso3, region=region))
        org = Organisation(name="Bench org", acronym="BO", type="civil_society")
        db.session.add(org)
        db.session.flush()
        users = []
        for n in range(args.users):
            provider = n % 2 == 1
            user = User(
                email=f"u{n}@example.org",
                name=f"U{n}",
                password_hash="x",
                status="active",
                role="provider" if provider else "focal_point",
                country_code=None if provider else rng.choice(["KEN", "SEN", "FJI"]),
                organisation_id=org.id if provider else None,
                represents="",
                session_token=f"t{n}",
            )
            db.session.add(user)
            users.append(user)
        db.session.add(
            Request(
                title="Existing need",
                description="x",
                country_code="SEN",
                themes=["cybercrime"],
                status="open",
                visibility="public",
            )
        )
        db.session.add(
            Programme(
                title="Existing offer",
                description="x",
                organisation_id=org.id,
                themes=["incident_response"],
                status="open",
                visibility="public",
            )
        )
        db.session.commit()
        for n in range(args.searches):
            user = users[n % len(users)]
            kind = ("requests", "programmes", "search")[n % 3]
            if kind == "search":
                query = {"q": " ".join(rng.sample(WORDS, rng.choice([1, 2])))}
            else:
                query = {"theme": rng.choice(THEMES), "language": rng.choice(["en", "fr", ""])}
            try:
                alerts.save_search(user, kind, MultiDict(query))
            except Conflict:
                continue  # this user saved the same search already
        for user in users:
            offered = alerts.offer_for(user)
            if offered:
                alerts.accept_offer(user, offered, "daily")
        db.session.commit()
        from kb.models import SavedSearch

        saved = db.session.query(SavedSearch).count()
        results = {"users": len(users), "saved_searches": saved, "batches": []}
        for size in batches:
            records = []
            for n in range(size):
                model = Programme if n % 2 == 0 else Request
                words = " ".join(rng.sample(WORDS, 4))
                extra = (
                    {"organisation_id": org.id}
                    if model is Programme
                    else {"country_code": rng.choice(["KEN", "SEN", "FJI"])}
                )
                record = model(
                    title=f"New {words}",
                    description=f"About {words}.",
                    themes=rng.sample(THEMES, 2),
                    status="open",
                    visibility="public",
                    published_at=utcnow(),
                    **extra,
                )
                db.session.add(record)
                records.append(record)
            db.session.commit()
            refs = [(r.kind, r.id) for r in records]
            start = time.perf_counter()
            counts = alerts.evaluate(refs)
            db.session.commit()
            seconds = time.perf_counter() - start
            results["batches"].append({"records": size, "seconds": round(seconds, 3), **counts})
            print(f"{size} record(s): {seconds:.3f} s, {counts}", file=sys.stderr)
        results["hits_total"] = db.session.query(AlertHit).count()
        results["notifications"] = db.session.query(Notification).count()
        print(json.dumps(results))


if __name__ == "__main__":
    main()
