"""The app feeds the engine a state's history (issue 16 point 5) through the stored-data path
of the programmes: published, public, ongoing or completed initiatives only; the stored
suggestions leave out what the state already receives and carry the track-record reason,
worded in the reader's language."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from kb.extensions import db
from kb.i18n import reason_text
from kb.matching.service import match_service
from kb.models import MatchSuggestion
from kb.models.initiative import Initiative, InitiativePartner
from kb.uow import unit_of_work

FUTURE = date.today() + timedelta(days=365)
CERT = {
    "themes": ["incident_response"],
    "support_types": ["technical_assistance"],
    "end_date": FUTURE,
}


def _initiative(state: str, org_id: int, **kw) -> Initiative:
    values = {
        "title": f"CERT work in {state}",
        "status": "published",
        "visibility": "public",
        "work_status": "completed",
        "beneficiary_countries": [state],
        "themes": ["incident_response"],
        "support_types": ["technical_assistance"],
        **kw,
    }
    initiative = Initiative(**values)
    initiative.partners.append(InitiativePartner(organisation_id=org_id, role="implementer"))
    db.session.add(initiative)
    return initiative


def _suggestions(request_id: int) -> dict[int, MatchSuggestion]:
    rows = db.session.scalars(
        select(MatchSuggestion).where(
            MatchSuggestion.side == "request", MatchSuggestion.request_id == request_id
        )
    )
    return {row.programme_id: row for row in rows}


def test_stored_matches_learn_from_history(app, make):
    make.country("GHA")
    builders = make.organisation(name="CERT Builders")
    partners = make.organisation(name="Response Partners")
    received = make.programme(
        builders,
        title="National CERT set-up support",
        description="Technical assistance to set up national incident response teams.",
        **CERT,
    )
    boosted = make.programme(
        partners,
        title="National CERT establishment help",
        description="Technical assistance to establish national incident response teams.",
        **CERT,
    )
    request = make.request(
        "KEN",
        title="Support to set up the national CERT",
        description="We need technical assistance to set up our national incident response team.",
        **{k: v for k, v in CERT.items() if k != "end_date"},
    )
    with unit_of_work():
        match_service().refresh()
    before = {pid: row.score for pid, row in _suggestions(request.id).items()}
    assert {received.id, boosted.id} <= set(before)

    _initiative("KEN", builders.id)  # Kenya already receives the builders' CERT work
    _initiative("GHA", partners.id, work_status="ongoing")  # a track record in Africa
    _initiative("KEN", partners.id, visibility="secretariat")  # hidden: changes nothing
    _initiative("KEN", partners.id, work_status="planned")  # a plan: changes nothing
    db.session.commit()
    with unit_of_work():
        match_service().refresh()
    after = _suggestions(request.id)
    assert received.id not in after and boosted.id in after
    assert before[boosted.id] < after[boosted.id].score < before[boosted.id] + 0.1
    reason = next(r for r in after[boosted.id].reasons if r["kind"] == "track_record")
    assert reason["items"] == ["Africa", "incident_response"]
    with app.test_request_context("/"):
        with force_locale("fr"):
            assert reason_text(reason).startswith("A déjà mené des activités relatives à")
        with force_locale("en"):
            english = reason_text(reason)
    assert english == "Has delivered work on Incident response (CERT/CSIRT) in Africa"


def test_an_initiative_change_relists_only_the_requests_it_can_move(app, make):
    """An initiative's change refreshes the stored matches of its beneficiary states' requests
    and of their regional groups' (track records), before and after the change, and no
    others; the engine learns the new history without refitting the programmes."""
    from kb.initiatives import operations

    for iso3 in ("KEN", "GHA", "DEU", "COL"):
        make.country(iso3)
    sec = make.user("secretariat", email="sec@example.org")
    builders = make.organisation(name="CERT Builders")
    received = make.programme(
        builders,
        title="National CERT set-up support",
        description="Technical assistance to set up national incident response teams.",
        **CERT,
    )
    text = {k: v for k, v in CERT.items() if k != "end_date"}
    requests = {
        iso3: make.request(
            iso3,
            title="Support to set up the national CERT",
            description="We need technical assistance to set up our national incident response.",
            **text,
        )
        for iso3 in ("KEN", "GHA", "DEU", "COL")
    }
    with unit_of_work():
        match_service().refresh()
    engine = match_service().engine()
    rows = {iso3: _suggestions(r.id) for iso3, r in requests.items()}
    assert all(received.id in found for found in rows.values())
    stamps = {iso3: found[received.id].computed_at for iso3, found in rows.items()}

    data = {
        "title": "CERT set-up in Kenya",
        "description": "Technical assistance to set up the national incident response team.",
        "funders": [],
        "implementers": [builders.id],
        "beneficiary_countries": ["KEN"],
        "work_status": "completed",
        "themes": ["incident_response"],
        "support_types": ["technical_assistance"],
    }
    with unit_of_work():  # its follow-up jobs run after the commit
        initiative = operations.create_initiative(sec, data, status="published")
    assert match_service().engine() is engine  # no refit: only the history changed
    after = {iso3: _suggestions(r.id) for iso3, r in requests.items()}
    assert received.id not in after["KEN"]  # Kenya already receives it
    assert after["GHA"][received.id].computed_at > stamps["GHA"]  # same group: relisted
    for iso3 in ("DEU", "COL"):  # other groups: their rows were not touched
        assert after[iso3][received.id].computed_at == stamps[iso3]

    # Moving the work to Colombia: Kenya (before) and Colombia (after) are relisted.
    with unit_of_work():
        operations.update_initiative(
            sec, initiative, {**operations.as_input(initiative), "beneficiary_countries": ["COL"]}
        )
    final = {iso3: _suggestions(r.id) for iso3, r in requests.items()}
    assert received.id in final["KEN"] and received.id not in final["COL"]
    assert final["DEU"][received.id].computed_at == stamps["DEU"]
