"""Matching in the app: pages, the workflow, notifications (in-app and email), currency."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from email import message_from_string
from email.policy import default

import pytest

from kb.extensions import db
from kb.history import revisions_for
from kb.matching.service import match_service
from kb.models import Match, MatchSuggestion, Notification, Request
from kb.uow import unit_of_work
from tests.smtp_sink import SmtpSink

FUTURE = date.today() + timedelta(days=365)


@pytest.fixture
def pair(make):
    """A Kenyan request and a fitting open programme, with their owners."""
    make.country("KEN")
    org = make.organisation(name="Forensics Institute")
    request = make.request(
        "KEN",
        title="Digital forensics laboratory for the cybercrime unit",
        description="Our police cybercrime unit needs a digital forensics laboratory, "
        "equipment and training for examiners in evidence handling.",
        themes=["cybercrime"],
        support_types=["equipment", "training"],
    )
    programme = make.programme(
        org,
        title="Digital forensics laboratory set-up for law enforcement",
        description="We equip and accredit digital forensics laboratories and train examiners "
        "of police cybercrime units in evidence handling.",
        themes=["cybercrime"],
        support_types=["equipment", "training"],
        eligible_regions=["Africa"],
        end_date=FUTURE,
    )
    focal = make.user("focal_point", country="KEN", email="focal@example.org")
    provider = make.user("provider", organisation=org, email="provider@example.org")
    with unit_of_work():  # what `flask match refresh` does; pages read the stored rows
        match_service().refresh()
    return request, programme, focal, provider


def test_request_page_shows_explained_matches(pair, client):
    request, programme, *_ = pair
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Programmes that could meet this request" in body
    assert programme.title in body
    assert "Themes: Cybercrime" in body and "Eligible: Africa" in body
    body = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert "Requests this programme could serve" in body and request.title in body


def test_matches_never_include_what_the_viewer_may_not_see(pair, make, client):
    request, programme, *_ = pair
    hidden = make.programme(
        programme.organisation,
        title="Confidential forensics laboratory programme",
        description=programme.description,
        themes=["cybercrime"],
        support_types=["equipment"],
        visibility="secretariat",
    )
    secret_request = make.request(
        "KEN",
        title="Secret forensics laboratory gaps",
        description=request.description,
        themes=["cybercrime"],
        visibility="secretariat",
    )
    with unit_of_work():
        match_service().refresh()
    for path in (f"/requests/{request.id}", f"/programmes/{programme.id}", "/matches"):
        body = client.get(path).get_data(as_text=True)
        assert hidden.title not in body and secret_request.title not in body, path
    assert client.get(f"/requests/{secret_request.id}").status_code == 404


def test_ineligible_and_closed_programmes_are_never_suggested(pair, make, client):
    request, programme, *_ = pair
    org = programme.organisation
    make.programme(org, title="Asia only forensics lab", description=programme.description,
                   themes=["cybercrime"], eligible_regions=["Asia-Pacific"])  # fmt: skip
    make.programme(org, title="Closed forensics lab", description=programme.description,
                   themes=["cybercrime"], status="closed")  # fmt: skip
    make.programme(org, title="Expired forensics lab", description=programme.description,
                   themes=["cybercrime"], end_date=date(2020, 1, 1))  # fmt: skip
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    for title in ("Asia only forensics lab", "Closed forensics lab", "Expired forensics lab"):
        assert title not in body


def test_workflow_provider_proposes_state_accepts_then_completes(pair, app, client, auth):
    request, programme, focal, provider = pair
    auth.login(provider.email)
    page = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert "Offer this programme" in page and f'name="request_id" value="{request.id}"' in page
    response = client.post(
        "/matches/propose",
        data={"request_id": request.id, "programme_id": programme.id, "message": "We can help."},
    )
    assert response.status_code == 302
    match = db.session.scalar(db.select(Match))
    assert match.status == "proposed" and match.proposed_by_side == "provider"
    # the provider cannot accept its own proposal
    assert client.post(f"/matches/{match.id}/accept").status_code == 403
    auth.logout()

    auth.login(focal.email)
    home = client.get("/").get_data(as_text=True)
    assert 'aria-label="1 unread"' in home
    notes = client.get("/notifications").get_data(as_text=True)
    assert "offers" in notes and programme.title in notes
    assert (
        client.post(f"/matches/{match.id}/accept", data={"note": "Yes please"}).status_code == 302
    )
    db.session.expire_all()
    assert match.status == "accepted"
    assert db.session.get(Request, request.id).status == "matched"  # the request moves along
    client.post(f"/matches/{match.id}/start")
    missing = client.post(f"/matches/{match.id}/complete", follow_redirects=True)
    assert "outcome" in missing.get_data(as_text=True).lower()
    client.post(f"/matches/{match.id}/complete", data={"note": "Lab accredited, 12 trained."})
    db.session.expire_all()
    assert match.status == "completed" and match.outcome_note == "Lab accredited, 12 trained."
    actions = [r.action for r in reversed(revisions_for(match))]
    assert actions == ["proposed", "accept", "start", "complete"]
    provider_notes = db.session.scalars(
        db.select(Notification).where(Notification.user_id == provider.id)
    ).all()
    assert len(provider_notes) == 3  # accepted, started, completed


def test_declined_pairs_stop_being_suggested(pair, client, auth):
    request, programme, focal, provider = pair
    auth.login(focal.email)
    client.post("/matches/propose", data={"request_id": request.id, "programme_id": programme.id})
    auth.logout()
    match = db.session.scalar(db.select(Match))
    auth.login(provider.email)
    client.post(f"/matches/{match.id}/decline", data={"note": "Not this year"})
    auth.logout()
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert programme.title not in body
    suggested = db.session.scalars(
        db.select(MatchSuggestion.programme_id).where(MatchSuggestion.request_id == request.id)
    ).all()
    assert programme.id not in suggested


def test_match_cases_are_private_to_both_sides_and_secretariat(pair, make, client, auth):
    request, programme, focal, _provider = pair
    auth.login(focal.email)
    client.post("/matches/propose", data={"request_id": request.id, "programme_id": programme.id})
    match = db.session.scalar(db.select(Match))
    auth.logout()
    outsider = make.user("provider")
    auth.login(outsider.email)
    assert client.get(f"/matches/{match.id}").status_code == 404
    assert request.title not in client.get("/matches/cases").get_data(as_text=True)
    assert client.post(f"/matches/{match.id}/accept").status_code == 404
    auth.logout()
    auth.login(make.user("secretariat").email)
    assert request.title in client.get("/matches/cases").get_data(as_text=True)
    assert client.get(f"/matches/{match.id}").status_code == 200
    auth.logout()
    assert client.get(f"/matches/{match.id}").status_code == 302  # login required


def test_new_programme_appears_in_suggestions_without_a_manual_step(pair, make):
    request, programme, _focal, provider = pair
    from kb.catalogue import operations

    data = {
        "organisation_id": programme.organisation_id,
        "title": "Mobile forensics laboratory kits for police cybercrime units",
        "description": "Forensics laboratory equipment and examiner training for police "
        "cybercrime units, including evidence handling.",
        "themes": ["cybercrime"],
        "support_types": ["equipment", "training"],
        "languages": ["en"],
        "eligible_regions": ["Africa"],
    }
    secretariat = make.user("secretariat")
    with unit_of_work():
        new = operations.create_programme(provider, data)
        operations.change_status(provider, new, "submit")
        operations.change_status(secretariat, new, "publish")
    suggested = db.session.scalars(
        db.select(MatchSuggestion.programme_id).where(MatchSuggestion.request_id == request.id)
    ).all()
    assert new.id in suggested


def test_overview_page_filters_and_tables(pair, client):
    with unit_of_work():
        match_service().refresh()
    body = client.get("/matches?region=Africa&theme=cybercrime").get_data(as_text=True)
    assert "Best open pairs" in body and pair[1].title in body
    assert "Supply and demand" in body and "<svg" in body
    odd = client.get("/matches?since=not-a-date&region=Mars&country=XXX")
    assert odd.status_code == 200


def test_refresh_command(pair, runner):
    result = runner.invoke(args=["match", "refresh"])
    assert result.exit_code == 0 and "Suggestions refreshed for 1 request(s)" in result.output
    again = runner.invoke(args=["match", "refresh", "--if-empty"])
    assert "already computed" in again.output


def test_email_is_sent_when_smtp_is_configured(pair, app, client, auth):
    sink = SmtpSink()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port)
    try:
        request, programme, _focal, provider = pair
        auth.login(provider.email)
        client.post(
            "/matches/propose", data={"request_id": request.id, "programme_id": programme.id}
        )
        for _ in range(50):
            if sink.messages:
                break
            threading.Event().wait(0.05)
        assert len(sink.messages) == 1
        message = message_from_string(sink.messages[0], policy=default)
        assert message["To"] == "focal@example.org"
        body = message.get_content()
        assert (
            programme.title in body and f"/matches/{db.session.scalar(db.select(Match.id))}" in body
        )
    finally:
        sink.close()


def test_notifications_and_emails_speak_the_recipients_language(pair, app, client, auth):
    """The provider works in English; the Kenyan focal point chose French, another Russian."""
    sink = SmtpSink()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port)
    try:
        request, programme, focal, provider = pair
        focal.locale = "fr"
        db.session.commit()
        auth.login(provider.email)
        client.post(
            "/matches/propose?lang=en",
            data={"request_id": request.id, "programme_id": programme.id},
        )
        for _ in range(50):
            if sink.messages:
                break
            threading.Event().wait(0.05)
        message = message_from_string(sink.messages[0], policy=default)
        who = programme.organisation.display_name
        assert message["Subject"].startswith(f"Échange de capacités : {who} propose « ")
        body = message.get_content()
        assert f"« {programme.title} » pour votre demande « {request.title} »" in body
        assert "Vous recevez ce courriel" in body
        note = db.session.scalar(db.select(Notification).where(Notification.user_id == focal.id))
        assert note.text.startswith(f"{who} propose « ")
        # the focal point (French) accepts; the provider reads Russian (their profile)
        provider_user = db.session.merge(provider)
        provider_user.locale = "ru"
        db.session.commit()
        auth.logout()
        auth.login(focal.email)
        match_id = db.session.scalar(db.select(Match.id))
        client.post(f"/matches/{match_id}/accept", data={"note": "Merci"})
        told = db.session.scalar(db.select(Notification).where(Notification.user_id == provider.id))
        assert told.text == f"Соответствие «{programme.title}» ↔ «{request.title}» принято."
    finally:
        sink.close()
