"""The landscape report reads stored counts: equal to counting the records a viewer may see,
kept current after each commit, and never shaped by records the viewer may not see."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from kb import access
from kb.extensions import db
from kb.history import queue_for_index
from kb.matching.service import match_service
from kb.models import Programme, Request
from kb.reports import counts
from kb.uow import unit_of_work
from tests.factories import days_ago

THEMES = ["cybercrime", "awareness", "incident_response", "critical_infrastructure"]
STATES = [("open", "public"), ("open", "verified"), ("open", "secretariat"), ("draft", "public"),
          ("closed", "public"), ("submitted", "verified")]  # fmt: skip


def _refresh() -> None:
    with unit_of_work():
        match_service().refresh()


def _random_catalogue(make, rng: random.Random) -> None:
    orgs = [make.organisation(type=t) for t in ("academia", "civil_society")]
    for n in range(24):
        status, visibility = rng.choice(STATES)
        common = {
            "themes": rng.sample(THEMES, rng.randint(1, 2)),
            "support_types": ["training"],
            "languages": rng.sample(["en", "fr", "es"], rng.randint(1, 2)),
            "status": status,
            "visibility": visibility,
            "created_at": days_ago(rng.randint(0, 500)),
        }
        if n % 2:
            make.request(rng.choice(["KEN", "FJI", "COL"]), **common)
        else:
            if status == "submitted":
                common["status"] = "draft"
            scope = rng.choice([{}, {"eligible_regions": ["Africa"]},
                                {"eligible_countries": ["FJI"]}])  # fmt: skip
            make.programme(rng.choice(orgs), **common, **scope)


def _expected(viewer, start: date, end: date) -> Counter:
    """Counted the slow way: every record the viewer may see, created in the period."""
    out: Counter = Counter()
    for model, kind in ((Request, "request"), (Programme, "programme")):
        for record in db.session.scalars(select(model)):
            if not access.can_view(viewer, record) or not start <= record.created_at.date() <= end:
                continue
            out[(kind, "total", "")] += 1
            for theme in record.themes:
                out[(kind, "theme", theme)] += 1
            for language in record.languages:
                out[(kind, "language", language)] += 1
            if kind == "programme":
                out[(kind, "org_type", record.organisation.type)] += 1
            else:
                out[(kind, "region", record.country.region)] += 1
    return out


def _comparable(found: Counter) -> Counter:
    return Counter({k: n for k, n in found.items() if k[1] in ("total", "theme", "language",
                    "org_type") or (k[0] == "request" and k[1] == "region")})  # fmt: skip


def test_stored_counts_equal_what_each_viewer_may_see(make):
    rng = random.Random(12)
    _random_catalogue(make, rng)
    _refresh()
    viewers = [
        None,
        make.user("provider"),  # verified reader, owns nothing listed
        make.user("focal_point", country="KEN"),  # owns Kenya's hidden requests
        make.user("secretariat"),
    ]
    start, end = date.today() - timedelta(days=365), date.today()
    for viewer in viewers:
        found = counts.totals(viewer, start, end)
        assert _comparable(found) == _expected(viewer, start, end), viewer
        days = sum(n for (kind, dim, _), n in found.items() if dim == "day")
        assert days == found[("request", "total", "")] + found[("programme", "total", "")]


def test_counts_follow_each_commit_without_a_full_refresh(make, client):
    make.request("KEN", themes=["awareness"])
    _refresh()
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert "<strong>1</strong> requests" in page
    added = make.request("KEN", themes=["cybercrime"])  # factories bypass the write path …
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert "<strong>1</strong> requests" in page and "Figures as of" in page
    with unit_of_work():  # … as an operation's commit does: the job recounts its cells
        queue_for_index("request", added.id)
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert "<strong>2</strong> requests" in page and "Figures as of" not in page
    added.visibility = "secretariat"
    with unit_of_work():
        queue_for_index("request", added.id)
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert "<strong>1</strong> requests" in page


def test_a_hidden_change_shows_no_freshness_note_to_others(make, client):
    make.request("KEN")
    _refresh()
    make.request("KEN", visibility="secretariat")  # changed after the counts, not refreshed
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert "Figures as of" not in page and "<strong>1</strong> requests" in page
