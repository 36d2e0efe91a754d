"""Possible overlaps between initiatives for the partners concerned and in the reports (issue
16 point 3): the landscape report and the briefing pack (page and .docx), the organisation
page and "My work", the partners' notification after the commit, and visibility."""

from __future__ import annotations

import io

import docx
import pytest
from sqlalchemy import delete, select

from kb.extensions import db
from kb.initiatives import operations
from kb.models import Notification, Organisation
from kb.models.initiative import Initiative, InitiativeOverlap
from kb.uow import unit_of_work
from tests.test_initiatives import run_import

PAIR = ("National CSIRT capacity for Kenya", "Kenya CERT incident response tooling")


@pytest.fixture
def states(make):
    """The states of tests/data/iati_activities.xml."""
    for iso3 in ("KEN", "SEN", "GHA"):
        make.country(iso3)


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _org(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def _hide_cert() -> None:
    cert = db.session.scalar(
        select(Initiative).where(Initiative.iati_identifier == "XM-TEST-1004-CERT-KE")
    )
    cert.visibility = "secretariat"
    db.session.commit()


def test_reports_list_overlaps_with_reasons_and_verdict(client, states):
    run_import()
    for url in ("/reports/landscape", "/reports/briefing?state=KEN"):
        page = client.get(url).get_data(as_text=True)
        assert all(title in page for title in PAIR), url
        assert "Shared themes:" in page and "To be reviewed" in page
    page = client.get("/reports/briefing?state=SEN").get_data(as_text=True)
    assert PAIR[0] not in page  # Senegal is no beneficiary of the pair
    for url in ("/reports/landscape.docx", "/reports/briefing.docx?state=KEN"):
        text = _docx_text(client.get(url).data)
        assert "Possible overlaps between initiatives (1)" in text, url
        assert f"{PAIR[0]} ↔ {PAIR[1]}" in text or f"{PAIR[1]} ↔ {PAIR[0]}" in text
        assert "In: Kenya" in text and "To be reviewed" in text


def test_hidden_initiative_hides_the_overlap_and_its_count(client, states):
    run_import()
    _hide_cert()
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert PAIR[1] not in page and 'Possible overlaps <span class="muted">(0)' in page
    text = _docx_text(client.get("/reports/briefing.docx?state=KEN").data)
    assert "Possible overlaps between initiatives (0)" in text and PAIR[1] not in text
    org = _org("Donor Agency A")
    assert PAIR[1] not in client.get(f"/organisations/{org.id}").get_data(as_text=True)


def test_partners_see_their_overlaps(client, auth, make, states):
    run_import()
    funder = _org("Donor Agency A")
    page = client.get(f"/organisations/{funder.id}").get_data(as_text=True)
    assert "Possible overlaps" in page and PAIR[1] in page
    make.user("provider", organisation=funder, email="donor@example.org")
    auth.login("donor@example.org")
    page = client.get("/my").get_data(as_text=True)
    assert "Possible overlaps" in page and PAIR[1] in page
    other = make.organisation(name="Unrelated Foundation")
    page = client.get(f"/organisations/{other.id}").get_data(as_text=True)
    assert "Possible overlaps" not in page


def test_partners_are_notified_once_after_the_commit(app, make, states):
    run_import()
    funder, implementer = _org("Donor Agency A"), _org("Telecom Union Academy")
    donor = make.user("provider", organisation=funder, email="donor@example.org")
    academy = make.user("provider", organisation=implementer, email="academy@example.org")
    bystander = make.user("provider", organisation=make.organisation(), email="x@example.org")
    db.session.execute(delete(InitiativeOverlap))
    db.session.commit()
    with unit_of_work(index=False):
        operations.refresh_overlaps()  # the pair is new again: its partners are told
    notes = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert {n.user_id for n in notes} == {donor.id, academy.id}
    assert bystander.id not in {n.user_id for n in notes}
    assert all(n.text.startswith("Possible overlap between initiatives") for n in notes)
    csirt = db.session.scalar(
        select(Initiative).where(Initiative.iati_identifier == "XM-TEST-1001-CSIRT-KE")
    )
    assert {n.link for n in notes} == {f"/initiatives/{csirt.id}"}
    with unit_of_work(index=False):
        operations.refresh_overlaps()  # nothing new: nobody is told again
    assert len(db.session.scalars(select(Notification)).all()) == 2


def test_partner_who_may_not_see_both_is_not_notified(app, make, states):
    run_import()
    donor = make.user("provider", organisation=_org("Donor Agency A"), email="donor@example.org")
    _hide_cert()
    db.session.execute(delete(InitiativeOverlap))
    db.session.commit()
    with unit_of_work(index=False):
        operations.refresh_overlaps()
    assert (
        db.session.scalars(select(Notification).where(Notification.user_id == donor.id)).all() == []
    )
