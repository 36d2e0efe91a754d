"""Initiatives in search: indexed after each commit, facets by funder, implementer and
beneficiary state on the page, the JSON and the API, visibility as for the pages (drafts for
their partners only, confidential for the Secretariat), the budget never in the index."""

from __future__ import annotations

from kb.initiatives import operations
from kb.uow import unit_of_work


def _setup(make):
    for iso3 in ("KEN", "SEN"):
        make.country(iso3)
    sec = make.user("secretariat", email="sec@example.org")
    donor = make.organisation(name="Donor Agency", acronym="DONOR")
    agency = make.organisation(name="Cyber Agency", acronym="CA")
    provider = make.user("provider", organisation=agency, email="agency@example.org")

    def add(actor, title, states, **extra):
        data = {
            "title": title,
            "description": "Tooling and training for the national CSIRT (incident response).",
            "funders": [donor.id],
            "implementers": [agency.id],
            "beneficiary_countries": states,
            "themes": ["incident_response"],
            "support_types": ["training"],
            "budget_amount": "777777",
            "budget_currency": "USD",
            **extra.pop("data", {}),
        }
        with unit_of_work():  # the commit queues the document; the drain job indexes it
            return operations.create_initiative(actor, data, **extra)

    public = add(sec, "Kenya CSIRT tooling", ["KEN"], status="published")
    add(sec, "Senegal CSIRT secret", ["SEN"], status="published",
        data={"visibility": "secretariat", "implementers": []})  # fmt: skip
    draft = add(provider, "Kenya CSIRT draft by the agency", ["KEN"])
    return public, draft, donor, agency


def test_search_finds_initiatives_with_facets_and_visibility(app, client, make, auth):
    public, draft, donor, _agency = _setup(make)
    data = client.get("/search.json?q=CSIRT&kind=initiative").get_json()
    assert [h["id"] for h in data["hits"]] == [f"initiative:{public.id}"]
    assert data["hits"][0]["url"].endswith(f"/initiatives/{public.id}")
    assert dict(data["facets"]["funders"]) == {str(donor.id): 1}
    assert dict(data["facets"]["beneficiaries"]) == {"KEN": 1}
    page = client.get(f"/search?q=CSIRT&funder={donor.id}").get_data(as_text=True)
    assert "Kenya CSIRT tooling" in page and "Donor Agency (DONOR)" in page
    # the Place menu names every member state; nothing else may name the secret one's state
    before, _select, after = page.partition('<select id="place"')
    menu, _end, rest = after.partition("</select>")
    assert "Senegal" in menu and "Senegal" not in before + rest and "777" not in page
    api = client.get("/api/v1/search?q=CSIRT&kind=initiative").get_json()
    assert api["hits"][0]["html_url"].endswith(f"/initiatives/{public.id}")
    assert api["hits"][0]["url"].endswith(f"/api/v1/initiatives/{public.id}")

    auth.login("agency@example.org")  # a partner sees its draft
    ids = {h["id"] for h in client.get("/search.json?q=CSIRT").get_json()["hits"]}
    assert f"initiative:{draft.id}" in ids and len([i for i in ids if "initiative" in i]) == 2
    auth.logout()
    auth.login("sec@example.org")
    data = client.get("/search.json?q=CSIRT&beneficiary=SEN").get_json()
    assert [h["title"] for h in data["hits"]] == ["Senegal CSIRT secret"]


def test_a_withdrawn_initiative_leaves_the_results(app, client, make):
    public, _draft, _donor, _agency = _setup(make)
    from sqlalchemy import select

    from kb.extensions import db
    from kb.models import User

    secretariat = db.session.scalar(select(User).where(User.email == "sec@example.org"))
    with unit_of_work():
        operations.change_status(secretariat, public, "withdraw", "duplicate")
    data = client.get("/search.json?q=CSIRT&kind=initiative").get_json()
    assert data["hits"] == []
