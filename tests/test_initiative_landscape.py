"""Who does what where: initiatives in the landscape report (page and .docx) from stored
counts, never shaped by what the viewer may not see; a state's page (received, ongoing and
planned, open to it) and an organisation's (what it funds and implements)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from docx import Document

from kb.initiatives import operations
from kb.reports import counts
from kb.uow import unit_of_work


def _initiative(sec, title, funders, implementers, states, work, **extra):
    data = {
        "title": title,
        "description": "Capacity building for the national CSIRT and incident response.",
        "funders": [o.id for o in funders],
        "implementers": [o.id for o in implementers],
        "beneficiary_countries": states,
        "work_status": work,
        "themes": ["incident_response"],
        "support_types": ["training"],
    }
    with unit_of_work():  # the commit's job recounts the report cells
        return operations.create_initiative(sec, {**data, **extra.pop("data", {})}, **extra)


def _setup(make):
    for iso3 in ("KEN", "SEN"):
        make.country(iso3)
    sec = make.user("secretariat", email="sec@example.org")
    donor = make.organisation(name="Donor Agency", acronym="DONOR")
    agency = make.organisation(name="Cyber Agency", acronym="CA")
    _initiative(
        sec, "Kenya CSIRT, phase 1", [donor], [agency], ["KEN"], "completed", status="published"
    )
    _initiative(
        sec, "Kenya CSIRT, phase 2", [donor], [agency], ["KEN"], "ongoing", status="published"
    )
    _initiative(
        sec,
        "Senegal cybercrime unit",
        [donor],
        [],
        ["SEN"],
        "planned",
        status="published",
        data={"themes": ["cybercrime"]},
    )
    _initiative(
        sec,
        "Confidential work in Kenya",
        [agency],
        [agency],
        ["KEN"],
        "ongoing",
        status="published",
        data={"visibility": "secretariat"},
    )
    make.programme(agency, themes=["incident_response"])  # an offer by the same organisation
    return sec, donor, agency


def test_counts_by_funder_implementer_beneficiary_and_visibility(app, make):
    sec, donor, agency = _setup(make)
    start, end = date.today() - timedelta(days=30), date.today()
    public = counts.totals(None, start, end)
    assert public[("initiative", "total", "")] == 3
    assert public[("initiative", "funder", str(donor.id))] == 3
    assert public[("initiative", "funder", str(agency.id))] == 0  # its funding is confidential
    assert public[("initiative", "implementer", str(agency.id))] == 2
    assert public[("initiative", "beneficiary", "KEN")] == 2
    assert public[("initiative", "region", "Africa")] == 3
    assert public[("initiative", "theme", "cybercrime")] == 1
    assert public[("initiative", "work_status", "completed")] == 1
    full = counts.totals(sec, start, end)
    assert (
        full[("initiative", "total", "")] == 4 and full[("initiative", "beneficiary", "KEN")] == 3
    )
    # a stored rebuild gives the same figures as the commits' updates
    with unit_of_work():
        counts.rebuild()
    rebuilt = counts.totals(None, start, end)
    assert {k: n for k, n in rebuilt.items() if k[0] == "initiative"} == {
        k: n for k, n in public.items() if k[0] == "initiative"
    }
    assert rebuilt[("programme", "implementer", str(agency.id))] == 1  # offers by provider


def test_landscape_page_and_docx_show_who_does_what_where(app, client, make, auth):
    _setup(make)
    from kb.matching.service import match_service

    with unit_of_work():
        match_service().refresh()  # the programme's counts (factories bypass the write path)
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert "<strong>3</strong> initiatives" in page
    section = page[page.index('id="work"') :]
    assert "Donor Agency (DONOR)" in section and "Kenya" in section
    assert "Funders (initiatives)" in section and "Implementers (programmes: providers)" in section
    assert "Confidential" not in page
    data = client.get("/reports/landscape.docx").get_data()
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "Who does what where: initiatives and offers" in text
    tables = [c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells]
    assert "Donor Agency (DONOR)" in tables and "Cyber Agency (CA)" in tables


def test_state_and_organisation_pages(app, client, make):
    _, donor, agency = _setup(make)
    page = client.get("/countries/KEN").get_data(as_text=True)
    received = page[page.index("Received by Kenya") : page.index("Ongoing and planned in Kenya")]
    ongoing = page[page.index("Ongoing and planned in Kenya") :]
    assert "Kenya CSIRT, phase 1" in received and "phase 2" not in received
    assert "Kenya CSIRT, phase 2" in ongoing and "phase 1" not in ongoing
    assert "Confidential work" not in page
    assert "Open programmes Kenya is eligible for" in page
    org = client.get(f"/organisations/{donor.id}").get_data(as_text=True)
    funds = org[org.index("Initiatives it funds") :]
    assert "Senegal cybercrime unit" in funds and "Kenya CSIRT, phase 1" in funds
    org = client.get(f"/organisations/{agency.id}").get_data(as_text=True)
    assert "Initiatives it implements" in org and "Initiatives it funds" not in org
