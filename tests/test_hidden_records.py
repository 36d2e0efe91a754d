"""Hidden records never shape what others see (issue 11 point 6).

Secretariat-only, verified-only and draft programmes and requests are added next to a
public catalogue; every public figure and list — pages, API, reports — must stay exactly as
it was for an anonymous visitor, and verified-only additions aside, for a verified user.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from kb.matching.service import match_service
from kb.uow import unit_of_work

FUTURE = date.today() + timedelta(days=365)
FORENSICS = (
    "We equip and accredit digital forensics laboratories and train examiners of police "
    "cybercrime units in evidence handling."
)
NEED = (
    "Our police cybercrime unit needs a digital forensics laboratory, equipment and training "
    "for examiners in evidence handling."
)


#: Form tokens and "computed at" times differ on every page view; they are not figures.
CSRF = re.compile(r'name="csrf_token" value="[^"]*"|<time[^>]*>.*?</time>', re.S)


@pytest.fixture
def catalogue(make):
    for iso3 in ("KEN", "SEN"):
        make.country(iso3)
    org = make.organisation(name="Forensics Institute")
    requests = [
        make.request("KEN", title="Digital forensics laboratory for the cybercrime unit",
                     description=NEED, themes=["cybercrime"],
                     support_types=["equipment", "training"]),
        make.request("SEN", title="Incident response team for the ministry",
                     description="We need to set up a CSIRT with trained analysts.",
                     themes=["incident_response"], support_types=["training"]),
        make.request("KEN", title="Election systems hardening",
                     description="Hardening of vote tabulation servers before elections.",
                     themes=["critical_infrastructure"], support_types=["technical_assistance"]),
    ]  # fmt: skip
    programmes = [
        make.programme(org, title="Digital forensics laboratory set-up", description=FORENSICS,
                       themes=["cybercrime"], support_types=["equipment", "training"],
                       eligible_regions=["Africa"], end_date=FUTURE),
        make.programme(org, title="CSIRT foundations course",
                       description="Online course for new incident response teams.",
                       themes=["incident_response"], support_types=["training"]),
    ]  # fmt: skip
    return org, requests, programmes


def _hide_records(make, org) -> None:
    """Close matches to every public request, in every hidden state."""
    for visibility, status in (("secretariat", "open"), ("verified", "open"), ("public", "draft")):
        make.programme(org, title=f"Forensics laboratory ({visibility}, {status})",
                       description=FORENSICS, themes=["cybercrime"],
                       support_types=["equipment", "training"], eligible_countries=["KEN"],
                       visibility=visibility, status=status)  # fmt: skip
        make.programme(org, title=f"Election servers hardening ({visibility}, {status})",
                       description="Hardening of vote tabulation servers before elections.",
                       themes=["critical_infrastructure"], support_types=["technical_assistance"],
                       visibility=visibility, status=status)  # fmt: skip
        make.request("KEN", title=f"Forensics gaps ({visibility}, {status})", description=NEED,
                     themes=["cybercrime"], support_types=["equipment", "training"],
                     visibility=visibility, status=status)  # fmt: skip


def _figures(client, requests, programmes) -> dict[str, object]:
    paths = [
        "/api/v1/matches?per_page=100",
        "/api/v1/matches/unmet",
        *(f"/api/v1/requests/{r.id}/matches" for r in requests),
        *(f"/api/v1/programmes/{p.id}/matches" for p in programmes),
    ]
    pages = [
        "/matches",
        "/reports/landscape",
        "/countries/KEN",
        "/programmes?country=KEN",
        "/programmes?region=Africa",
        *(f"/requests/{r.id}" for r in requests),
        *(f"/programmes/{p.id}" for p in programmes),
    ]
    out: dict[str, object] = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        out[path] = response.get_json()
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        out[path] = CSRF.sub("", response.get_data(as_text=True))
    return out


def _refresh() -> None:
    with unit_of_work():
        match_service().refresh()


def _assert_same(before: dict[str, object], after: dict[str, object]) -> None:
    for key, value in before.items():
        assert after[key] == value, key


def test_hidden_records_change_no_public_figure(catalogue, make, client):
    org, requests, programmes = catalogue
    _refresh()
    before = _figures(client, requests, programmes)
    assert before["/api/v1/matches?per_page=100"]["total"] >= 2
    assert "Election systems hardening" in str(before["/api/v1/matches/unmet"])
    _hide_records(make, org)
    _refresh()
    _assert_same(before, _figures(client, requests, programmes))


def test_secretariat_only_and_drafts_change_nothing_for_verified_users(
    catalogue, make, client, auth
):
    org, requests, programmes = catalogue
    make.user("provider", email="reader@example.org")
    auth.login("reader@example.org")
    client.get("/")  # shows (and clears) the welcome message
    _refresh()
    before = _figures(client, requests, programmes)
    for visibility, status in (("secretariat", "open"), ("public", "draft")):
        make.programme(org, title=f"Forensics laboratory ({visibility}, {status})",
                       description=FORENSICS, themes=["cybercrime"],
                       support_types=["equipment", "training"], eligible_countries=["KEN"],
                       visibility=visibility, status=status)  # fmt: skip
    _refresh()
    _assert_same(before, _figures(client, requests, programmes))


def test_the_secretariat_sees_hidden_programmes_in_matches(catalogue, make, client, auth):
    org, requests, _ = catalogue
    _hide_records(make, org)
    make.user("secretariat", email="sec@example.org")
    auth.login("sec@example.org")
    _refresh()
    titles = [i["record"]["title"] for i in client.get(
        f"/api/v1/requests/{requests[0].id}/matches").get_json()["items"]]  # fmt: skip
    assert "Forensics laboratory (secretariat, open)" in titles


def test_a_hidden_programme_never_moves_a_visible_pairs_rank(catalogue, make, client):
    """Seen on the demo data: a secretariat-only programme turned a public pair's "rank" on
    /api/v1/matches from 2 into 3 for anonymous visitors (the stored rank counts every
    programme); a pair's rank is its place among the pairs the viewer may see."""
    org, requests, _ = catalogue
    make.programme(org, title="Police forensics examiners course", description=FORENSICS,
                   themes=["cybercrime"], support_types=["training"],
                   end_date=FUTURE)  # fmt: skip
    _refresh()

    def ranks() -> dict[tuple[int, int], int]:
        items = client.get("/api/v1/matches?per_page=100").get_json()["items"]
        return {(i["request"]["id"], i["programme"]["id"]): i["rank"] for i in items}

    before = ranks()
    assert sorted(r for (req, _), r in before.items() if req == requests[0].id) == [1, 2]
    _hide_records(make, org)
    _refresh()
    assert ranks() == before
