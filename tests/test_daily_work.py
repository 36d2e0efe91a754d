"""The daily work: an inbox with a count, notifications read when opened, safe actions
(confirmation, reasons), each side changing only its own record, history as sentences."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kb.extensions import db
from kb.models import Match, Notification, Request
from tests.factories import PASSWORD

FUTURE = date.today() + timedelta(days=200)


@pytest.fixture
def pair(make):
    make.country("KEN")
    org = make.organisation(name="Forensics Institute", acronym="FI")
    request = make.request("KEN", title="Forensics laboratory for the cybercrime unit")
    programme = make.programme(org, title="Forensics laboratory set-up", end_date=FUTURE)
    focal = make.user("focal_point", country="KEN", email="focal@example.org")
    provider = make.user("provider", organisation=org, email="provider@example.org")
    return request, programme, focal, provider


def _login(client, user):
    return client.post("/account/login", data={"email": user.email, "password": PASSWORD})


def _propose(app, provider, request, programme):
    c = app.test_client()
    _login(c, provider)
    c.post("/matches/propose", data={"request_id": request.id, "programme_id": programme.id})
    return db.session.scalar(db.select(Match))


def test_my_work_lists_proposals_to_answer_and_counts_them_in_the_header(app, pair):
    request, programme, focal, provider = pair
    match = _propose(app, provider, request, programme)
    client = app.test_client()
    _login(client, focal)
    page = client.get("/my").get_data(as_text=True)
    assert "Matches waiting for you" in page and "accept or decline" in page
    assert f"/matches/{match.id}" in page
    assert 'aria-label="1 waiting for you"' in page
    # The provider who proposed has nothing to answer.
    other = app.test_client()
    _login(other, provider)
    assert "waiting for you" not in other.get("/requests").get_data(as_text=True)


def test_an_open_case_shows_its_next_step(app, pair):
    request, programme, focal, provider = pair
    match = _propose(app, provider, request, programme)
    client = app.test_client()
    _login(client, focal)
    client.post(f"/matches/{match.id}/accept", data={"note": ""})
    page = client.get("/my").get_data(as_text=True)
    assert "Next step: Start implementation." in page


def test_opening_a_notification_target_marks_it_read(app, pair):
    request, programme, focal, provider = pair
    match = _propose(app, provider, request, programme)
    client = app.test_client()
    _login(client, focal)
    assert db.session.scalar(db.select(Notification.read_at)) is None
    client.get(f"/matches/{match.id}")
    db.session.expire_all()
    assert db.session.scalar(db.select(Notification.read_at)) is not None


def test_secretariat_lands_on_its_queue(client, make):
    response = _login(client, make.user("secretariat"))
    assert response.headers["Location"].endswith("/secretariat/queue")


def test_decline_needs_a_reason_shown_to_the_other_side(app, pair):
    request, programme, focal, provider = pair
    match = _propose(app, provider, request, programme)
    client = app.test_client()
    _login(client, focal)
    refused = client.post(f"/matches/{match.id}/decline", data={"note": ""}, follow_redirects=True)
    assert "A reason is required to decline" in refused.get_data(as_text=True) or (
        "Say why you decline" in refused.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Match, match.id).status == "proposed"
    client.post(f"/matches/{match.id}/decline", data={"note": "We chose a regional offer."})
    other = app.test_client()
    _login(other, provider)
    assert "We chose a regional offer." in other.get(f"/matches/{match.id}").get_data(as_text=True)


def test_each_side_changes_only_its_own_record_and_completion_proposes_fulfilment(app, pair):
    request, programme, focal, provider = pair
    match = _propose(app, provider, request, programme)
    state = app.test_client()
    _login(state, focal)
    state.post(f"/matches/{match.id}/accept", data={"note": ""})
    db.session.expire_all()
    assert db.session.get(Request, request.id).status == "matched"  # the state accepted
    prov = app.test_client()
    _login(prov, provider)
    prov.post(f"/matches/{match.id}/start", data={"note": ""})
    db.session.expire_all()
    assert db.session.get(Request, request.id).status == "matched"  # not the provider's to move
    prov.post(f"/matches/{match.id}/complete", data={"note": "Lab accredited, 12 examiners."})
    notes = db.session.scalars(
        db.select(Notification.text).where(Notification.user_id == focal.id)
    ).all()
    assert any("Is “Forensics laboratory for the cybercrime unit” fulfilled?" in t for t in notes)
    case = state.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "fulfilled</button>" in case
    state.post(f"/requests/{request.id}/status/fulfil", data={"comment": ""})
    db.session.expire_all()
    assert db.session.get(Request, request.id).status == "fulfilled"


def test_withdraw_asks_for_confirmation(app, pair):
    request, _programme, focal, _provider = pair
    client = app.test_client()
    _login(client, focal)
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert f'href="/requests/{request.id}/status/withdraw"' in page  # a link, not a button
    unconfirmed = client.post(f"/requests/{request.id}/status/withdraw", data={"comment": ""})
    assert unconfirmed.status_code == 200 and "only the Secretariat can reinstate" in (
        unconfirmed.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Request, request.id).status == "open"
    client.post(f"/requests/{request.id}/status/withdraw", data={"comment": "", "confirmed": "yes"})
    db.session.expire_all()
    assert db.session.get(Request, request.id).status == "withdrawn"


def test_history_reads_as_sentences(app, pair):
    request, _programme, focal, _provider = pair
    client = app.test_client()
    _login(client, focal)
    client.post(f"/requests/{request.id}/status/withdraw", data={"confirmed": "yes"})
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Withdrawn by Kenya (focal@…) on " in page
