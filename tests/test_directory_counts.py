"""The directory's stored counts (requests per state, programmes per organisation): equal to
what each viewer may see, kept current after each commit, and read by the pages and the API."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, func, select

from kb import access
from kb.catalogue import operations
from kb.directory import counts
from kb.extensions import db
from kb.matching.service import match_service
from kb.models import DirectoryCount, MatchNeed, MatchSuggestion, Programme, Request
from kb.uow import unit_of_work

STATES = ("open", "draft", "closed", "withdrawn")
LEVELS = ("public", "verified", "secretariat")


@pytest.fixture
def catalogue(make):
    """Requests and programmes in every status and visibility, in two states and two
    organisations; the stored counts refreshed."""
    for iso3 in ("KEN", "SEN", "FJI"):
        make.country(iso3)
    orgs = [make.organisation(name="Forensics Institute"), make.organisation(name="CERT Academy")]
    for status in STATES:
        for visibility in LEVELS:
            for n in (0, 1):
                make.request(("KEN", "SEN")[n], status=status, visibility=visibility)
                make.programme(orgs[n], status=status, visibility=visibility)
    with unit_of_work():
        match_service().refresh()
    return orgs


def _viewers(make, orgs):
    return {
        "anonymous": None,
        "member elsewhere": make.user("focal_point", country="FJI"),
        "Kenya's focal point": make.user("focal_point", country="KEN"),
        "first provider": make.user("provider", organisation=orgs[0]),
        "second provider": make.user("provider", organisation=orgs[1]),
        "Secretariat": make.user("secretariat"),
    }


def _live(viewer, model, column):
    """What the catalogue holds now for ``viewer`` (the rule itself, counted in full)."""
    rows = db.session.execute(
        select(column, func.count()).where(access.visible_clause(model, viewer)).group_by(column)
    )
    return {str(key): n for key, n in rows}


def _all_seen(viewers):
    return {
        name: (counts.visible(v, counts.REQUESTS), counts.visible(v, counts.PROGRAMMES))
        for name, v in viewers.items()
    }


def test_stored_counts_are_what_each_viewer_may_see(catalogue, make):
    viewers = _viewers(make, catalogue)
    for name, viewer in viewers.items():
        live_requests = _live(viewer, Request, Request.country_code)
        live_programmes = _live(viewer, Programme, Programme.organisation_id)
        assert counts.visible(viewer, counts.REQUESTS) == live_requests, name
        assert counts.visible(viewer, counts.PROGRAMMES) == live_programmes, name
    # published (open, closed) and public: 2 of the 12 in each state for anyone
    assert counts.visible(None, counts.REQUESTS) == {"KEN": 2, "SEN": 2}
    kenya = counts.visible(viewers["Kenya's focal point"], counts.REQUESTS)
    assert kenya == {"KEN": 12, "SEN": 4}  # all of its own, what the verified see elsewhere
    only = counts.visible(viewers["Kenya's focal point"], counts.REQUESTS, ["SEN"])
    assert only == {"SEN": 4}
    first, second = (str(org.id) for org in catalogue)
    provider = viewers["first provider"]
    assert counts.visible(provider, counts.PROGRAMMES) == {first: 12, second: 4}
    assert counts.visible(provider, counts.PROGRAMMES, [second]) == {second: 4}


def test_a_confidential_record_changes_no_count_another_viewer_sees(catalogue, make):
    viewers = _viewers(make, catalogue)
    before = _all_seen(viewers)
    data = {
        "title": "Confidential forensics need",
        "description": "Our police unit needs a digital forensics laboratory, in confidence.",
        "themes": ["cybercrime"],
        "support_types": ["equipment"],
        "languages": ["en"],
        "visibility": "secretariat",
        "country_code": "KEN",
    }
    kenya, secretariat = viewers["Kenya's focal point"], viewers["Secretariat"]
    with unit_of_work():  # the follow-up job updates the stored counts after the commit
        request = operations.create_request(kenya, data)
    after = _all_seen(viewers)
    for name in viewers:
        if name in ("Kenya's focal point", "Secretariat"):
            assert after[name][0]["KEN"] == before[name][0]["KEN"] + 1, name
            assert after[name][1] == before[name][1], name
        else:
            assert after[name] == before[name], name
    with unit_of_work():  # submitted, published: still confidential
        operations.change_status(kenya, request, "submit")
        operations.change_status(secretariat, request, "publish")
    assert _all_seen(viewers) == after
    with unit_of_work():  # made public: everyone sees one more
        operations.update_record(secretariat, request, {"visibility": "public"}, partial=True)
    public = _all_seen(viewers)
    for name in viewers:
        assert public[name][0]["KEN"] == before[name][0]["KEN"] + 1, name
        assert public[name][1] == before[name][1], name


def test_a_record_moved_or_deleted_leaves_its_old_count(catalogue, make):
    moved = db.session.scalar(
        select(Programme).where(
            Programme.organisation_id == catalogue[0].id,
            Programme.status == "open",
            Programme.visibility == "public",
        )
    )
    moved.organisation_id = catalogue[1].id
    gone = db.session.scalar(select(Request).where(Request.country_code == "SEN").limit(1))
    # the rows stored from it go first (PostgreSQL enforces their foreign keys)
    for stored_from in (MatchSuggestion, MatchNeed):
        db.session.execute(delete(stored_from).where(stored_from.request_id == gone.id))
    db.session.delete(gone)
    db.session.commit()
    match_service().refresh_records([("programme", moved.id), ("request", gone.id)])
    db.session.commit()
    secretariat = make.user("secretariat")
    assert counts.visible(secretariat, counts.PROGRAMMES) == _live(
        secretariat, Programme, Programme.organisation_id
    )
    assert counts.visible(None, counts.PROGRAMMES) == _live(
        None, Programme, Programme.organisation_id
    )
    assert counts.visible(secretariat, counts.REQUESTS) == _live(
        secretariat, Request, Request.country_code
    )
    stored = {
        tuple(row) for row in db.session.execute(select(DirectoryCount.kind, DirectoryCount.key,
                                                        DirectoryCount.level, DirectoryCount.count))
    }  # fmt: skip
    counts.rebuild()
    rebuilt = {
        tuple(row) for row in db.session.execute(select(DirectoryCount.kind, DirectoryCount.key,
                                                        DirectoryCount.level, DirectoryCount.count))
    }  # fmt: skip
    assert stored == rebuilt


def test_pages_and_api_read_the_stored_counts(catalogue, client, auth, make):
    kenya_focal = make.user("focal_point", country="KEN", email="ken@example.org")
    body = client.get("/countries").get_data(as_text=True)
    assert re.search(r'/countries/KEN">Kenya</a> <span class="count">2</span>', body)
    api = client.get("/api/v1/countries/KEN").get_json()
    assert api["visible_requests"] == 2
    orgs = client.get("/api/v1/organisations").get_json()["items"]
    assert [o["visible_programmes"] for o in orgs] == [2, 2]
    auth.login(kenya_focal.email)
    body = client.get("/countries").get_data(as_text=True)
    assert re.search(r'/countries/KEN">Kenya</a> <span class="count">12</span>', body)
    listed = client.get("/api/v1/countries").get_json()["items"]
    assert {c["iso3"]: c["visible_requests"] for c in listed if c["visible_requests"]} == {
        "KEN": 12,
        "SEN": 4,
    }
    place = client.get("/places/group:Africa").get_data(as_text=True)
    assert "All 16 requests from" in place


def test_the_organisations_page_is_paged_and_filtered(app, client, make):
    from kb.directory import routes

    for n in range(7):
        make.organisation(name=f"Académie {n}", acronym=f"AC{n}", type="academia")
    cert = make.organisation(name="National CERT Network", acronym="NCN", type="civil_society")
    make.programme(cert)
    with unit_of_work():
        match_service().refresh()
    old, routes.ORGANISATIONS_PER_PAGE = routes.ORGANISATIONS_PER_PAGE, 3
    try:
        first = client.get("/organisations").get_data(as_text=True)
        assert "8 organisations." in first and "Page 1 of 3" in first
        assert first.count('<tr><td><a href="/organisations/') == 3
        third = client.get("/organisations?page=3").get_data(as_text=True)
        assert "National CERT Network (NCN)" in third
        assert re.search(
            r"National CERT Network \(NCN\)</a></td>\s*<td>[^<]+</td><td>1</td>", third
        )
        found = client.get("/organisations?q=ncn").get_data(as_text=True)
        assert "1 organisation." in found and "National CERT Network" in found
        typed = client.get("/organisations?type=academia&q=acad%C3%A9mie+3").get_data(as_text=True)
        assert "Académie 3" in typed and "Académie 4" not in typed
        none = client.get("/organisations?q=nothing-like-this").get_data(as_text=True)
        assert "No organisations match." in none
    finally:
        routes.ORGANISATIONS_PER_PAGE = old


def test_a_place_page_counts_open_programmes_up_to_a_bound(catalogue, client, make, monkeypatch):
    from kb.places import routes

    body = client.get("/places/group:Africa").get_data(as_text=True)
    assert "All 2 open programmes" in body  # open and public, open to all: one per organisation
    monkeypatch.setattr(routes, "COUNTED", 1)
    make.programme(catalogue[0], title="A third open programme")  # a new generation
    body = client.get("/places/group:Africa").get_data(as_text=True)
    assert "All open programmes (more than 1)" in body
    assert body.count('<li class="card">') == 4 + 3  # the lists themselves are whole


def test_a_country_page_totals_are_the_stored_counts(catalogue, client, auth, make, monkeypatch):
    from kb.directory import routes

    monkeypatch.setattr(routes, "LISTED", 1)
    body = client.get("/countries/KEN").get_data(as_text=True)
    assert "All requests from Kenya (2)" in body
    assert "All open programmes Kenya is eligible for (2)" in body  # open, public, available
    provider = make.user("provider", organisation=catalogue[0], email="first@example.org")
    auth.login(provider.email)
    body = client.get("/countries/KEN").get_data(as_text=True)
    assert "All requests from Kenya (4)" in body  # published, public or verified
    assert "All open programmes Kenya is eligible for (5)" in body  # its 3 open, 2 others'


def test_an_organisation_page_lists_its_programmes_a_page_at_a_time(
    catalogue, client, make, monkeypatch
):
    from kb.directory import routes

    monkeypatch.setattr(routes, "LISTED", 1)
    org = catalogue[0]
    first = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    second = client.get(f"/organisations/{org.id}?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second  # open and closed, public
    assert first.count('<li class="card">') == second.count('<li class="card">') == 1
    titles = [re.search(r'<li class="card">\s*<h3[^>]*><a [^>]*>([^<]+)</a>', b)[1]
              for b in (first, second)]  # fmt: skip
    visible = db.session.scalars(
        select(Programme.title)
        .where(Programme.organisation_id == org.id, access.visible_clause(Programme, None))
        .order_by(Programme.updated_at.desc(), Programme.id.desc())
    ).all()
    assert titles == visible
