"""Calls for views: create and publish, answer (web and Word), tracker, reminders, the
compilation, drafts from answers, and who may read which answer (pages, exports, API)."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import select

from kb.consultations import operations, visibility
from kb.consultations.queries import tracker
from kb.extensions import db
from kb.models import (
    Call,
    CallAnswer,
    CallReminder,
    Event,
    Notification,
    OewgSession,
    Request,
    Revision,
)
from kb.models.types import utcnow
from kb.uow import unit_of_work
from tests.test_i18n import pseudo_app  # noqa: F401  (the pseudo-locale app fixture)

FUTURE = (date.today() + timedelta(days=30)).isoformat()


def call_form(**over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "reference": "CX/2026-01",
        "title": "Views on regional CSIRT cooperation",
        "mandate": "The Secretariat seeks views before the next session.",
        "questions": "What does your CSIRT need most?\nWith whom do you cooperate?",
        "addressed_states": "listed",
        "addressed_countries": "KEN SEN",
        "addressed_org_types": ["academia"],
        "deadline_date": FUTURE,
        "deadline_time": "18:00",
        "deadline_tz": "Europe/Zurich",
        "formats": ["web", "docx"],
        "publish_by_default": "1",
        "accept_late": "1",
        "remind_days": "7",
    }
    data.update(over)
    return data


@pytest.fixture
def people(make):
    secretariat = make.user("secretariat", email="sec@example.org")
    kenya = make.user("focal_point", country="KEN", email="ken@example.org")
    senegal = make.user("focal_point", country="SEN", email="sen@example.org")
    make.country("FJI")
    fiji = make.user("focal_point", country="FJI", email="fji@example.org")
    academia = make.organisation(type="academia", name="Cyber Institute", acronym="CI")
    scholar = make.user("provider", organisation=academia, email="uni@example.org")
    company = make.user("provider", email="co@example.org")  # civil society: not addressed
    return {
        "sec": secretariat,
        "ken": kenya,
        "sen": senegal,
        "fji": fiji,
        "uni": scholar,
        "co": company,
    }


def published_call(client, auth, **over: object) -> int:
    auth.login("sec@example.org")
    response = client.post("/calls/new", data=call_form(**over))
    assert response.status_code == 302, response.get_data(as_text=True)
    call_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/calls/{call_id}/publish").status_code == 302
    auth.logout()
    return call_id


def test_create_validates_every_field_and_names_it(client, auth, people):
    auth.login("sec@example.org")
    bad = call_form(
        reference="",
        questions="",
        addressed_states="listed",
        addressed_countries="ZZZ",
        deadline_date="31/02/2027",
        deadline_tz="Europe/Geneva",
        remind_days="-3",
    )
    response = client.post("/calls/new", data=bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in (
        "reference",
        "questions",
        "addressed_countries",
        "deadline_date",
        "deadline_tz",
        "remind_days",
    ):
        assert f'id="{field}-err"' in page, field
    assert db.session.scalar(select(Call.id)) is None


def test_only_the_secretariat_creates_and_drafts_stay_hidden(client, auth, people):
    auth.login("ken@example.org")
    assert client.post("/calls/new", data=call_form()).status_code == 403
    auth.logout()
    auth.login("sec@example.org")
    response = client.post("/calls/new", data=call_form())
    call_id = int(response.headers["Location"].rsplit("/", 1)[1])
    auth.logout()
    assert client.get(f"/calls/{call_id}").status_code == 404
    assert client.get(f"/api/v1/calls/{call_id}").status_code == 404
    assert client.get("/api/v1/calls").json["total"] == 0


def test_deadline_keeps_its_time_zone(client, auth, people):
    call_id = published_call(client, auth)
    call = db.session.get(Call, call_id)
    assert call.deadline_at.tzinfo is not None
    expected = datetime.fromisoformat(f"{FUTURE}T18:00").replace(
        tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Zurich")
    )
    assert call.deadline_at == expected
    assert operations.deadline_text(call) == f"{FUTURE} 18:00 (Europe/Zurich)"


def test_publishing_notifies_the_addressees_only(client, auth, people):
    published_call(client, auth)
    notified = set(db.session.scalars(select(Notification.user_id)))
    assert notified == {people["ken"].id, people["sen"].id, people["uni"].id}


def test_answer_draft_submit_revise_and_history(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    client.post(f"/calls/{call_id}/answer", data={"answer_1": "Training.", "action": "draft"})
    answer = db.session.scalar(select(CallAnswer))
    assert answer.status == "draft" and answer.answers == ["Training.", ""]
    response = client.post(
        f"/calls/{call_id}/answer",
        data={
            "answer_1": "Malware analysis training.",
            "answer_2": "AU",
            "publishable": "1",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    answer = db.session.get(CallAnswer, answer.id)
    assert answer.status == "submitted" and not answer.late and answer.publishable
    # a submitted answer is revised by submitting again; a draft save is refused
    response = client.post(f"/calls/{call_id}/answer", data={"answer_1": "x", "action": "draft"})
    assert response.status_code == 409
    client.post(
        f"/calls/{call_id}/answer",
        data={"answer_1": "Malware and forensics training.", "answer_2": "AU", "action": "submit"},
    )
    actions = db.session.scalars(
        select(Revision.action).where(Revision.record_kind == "answer").order_by(Revision.id)
    ).all()
    assert actions == ["answer_saved", "answer_submitted", "answer_submitted"]


def test_not_addressed_may_not_answer(client, auth, people):
    call_id = published_call(client, auth)
    for email in ("fji@example.org", "co@example.org", "sec@example.org"):
        auth.login(email)
        response = client.post(
            f"/calls/{call_id}/answer", data={"answer_1": "x", "action": "submit"}
        )
        assert response.status_code == 403, email
        auth.logout()
    assert db.session.scalar(select(CallAnswer.id)) is None


def _move_deadline(call_id: int, days: int) -> None:
    call = db.session.get(Call, call_id)
    call.deadline_at = utcnow() + timedelta(days=days)
    db.session.commit()


def test_late_answers_marked_or_refused(client, auth, people):
    call_id = published_call(client, auth)
    _move_deadline(call_id, -1)
    auth.login("ken@example.org")
    client.post(f"/calls/{call_id}/answer", data={"answer_1": "Late view.", "action": "submit"})
    assert db.session.scalar(select(CallAnswer.late)) is True
    auth.logout()
    call = db.session.get(Call, call_id)
    call.accept_late = False
    db.session.commit()
    auth.login("sen@example.org")
    response = client.post(
        f"/calls/{call_id}/answer", data={"answer_1": "Too late.", "action": "submit"}
    )
    assert response.status_code == 409
    assert "does not accept late answers" in response.get_data(as_text=True)


def _filled_template(client, call_id: int, texts: list[str], publish: str) -> bytes:
    document = Document(io.BytesIO(client.get(f"/calls/{call_id}/template.docx").data))
    table = document.tables[0]
    for row, text in zip(table.rows, texts, strict=False):
        row.cells[1].text = text
    table.rows[-1].cells[1].text = publish
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_answer_is_read_for_review_then_submitted(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    data = _filled_template(client, call_id, ["Forensics lab support.", "EAC partners."], "No")
    response = client.post(
        f"/calls/{call_id}/answer",
        data={"file": (io.BytesIO(data), "answer.docx")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Forensics lab support." in page and "EAC partners." in page
    assert 'name="publishable" value="1" checked' not in page  # "No" was read
    assert db.session.scalar(select(CallAnswer.id)) is None  # nothing saved before review


def test_word_upload_refuses_other_files(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    for payload in (b"not a zip", b"PK\x03\x04broken"):
        response = client.post(
            f"/calls/{call_id}/answer",
            data={"file": (io.BytesIO(payload), "a.docx")},
            content_type="multipart/form-data",
        )
        assert response.status_code in (400, 415)
        assert 'id="file-err"' in response.get_data(as_text=True)


def test_tracker_filters_exports_and_reminders(client, auth, people, make):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    client.post(f"/calls/{call_id}/answer", data={"answer_1": "View.", "action": "submit"})
    auth.logout()
    auth.login("sec@example.org")
    page = client.get(f"/calls/{call_id}/tracker").get_data(as_text=True)
    assert "Kenya" in page and "Senegal" in page and "Cyber Institute" in page
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/calls/{call_id}/tracker?format=csv").data.decode("utf-8-sig"))
        )
    )
    statuses = {row[1]: row[3] for row in rows[1:]}
    assert statuses["KEN"] == "Submitted" and statuses["SEN"] == "Not started"
    only = client.get(f"/calls/{call_id}/tracker?status=not_started&format=csv").data.decode()
    assert "KEN" not in only and "SEN" in only
    assert client.get(f"/calls/{call_id}/tracker?place=nowhere").status_code == 400
    xlsx = client.get(f"/calls/{call_id}/tracker?format=xlsx")
    assert xlsx.data[:2] == b"PK"
    client.post(f"/calls/{call_id}/tracker", data={"addressee": ["SEN", "KEN"]})
    reminders = db.session.scalars(select(CallReminder)).all()
    assert [(r.country_code, r.automatic) for r in reminders] == [("SEN", False)]  # KEN answered
    auth.logout()
    auth.login("ken@example.org")
    assert client.get(f"/calls/{call_id}/tracker").status_code == 403


def test_automatic_reminder_once_within_the_window(client, auth, people, app):
    call_id = published_call(client, auth)
    call = db.session.get(Call, call_id)
    _move_deadline(call_id, 10)
    assert operations.due_for_reminder() == []
    _move_deadline(call_id, 3)
    from kb.jobs.registry import get_job

    assert get_job("calls.remind")() == 3  # SEN, KEN, the institute
    assert get_job("calls.remind")() == 0  # once per addressee
    assert db.session.get(Call, call.id).status == "open"


def test_unpublished_answers_never_reach_others(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    client.post(
        f"/calls/{call_id}/answer",
        data={"answer_1": "Confidential view from Kenya.", "action": "submit"},
    )  # publishable unchecked
    answer_id = db.session.scalar(select(CallAnswer.id))
    assert client.get(f"/calls/{call_id}/answers/{answer_id}").status_code == 200
    auth.logout()
    secret = b"Confidential view from Kenya"
    for email in (None, "sen@example.org", "uni@example.org", "co@example.org"):
        if email:
            auth.login(email)
        assert secret not in client.get(f"/calls/{call_id}/report").data
        assert secret not in client.get(f"/calls/{call_id}/report.docx").data
        assert client.get(f"/calls/{call_id}/answers/{answer_id}").status_code == 404
        assert client.get(f"/api/v1/calls/{call_id}/answers").json["total"] == 0
        assert client.get(f"/calls/{call_id}/tracker").status_code in (302, 403)
        assert secret not in client.get("/search?q=Confidential+Kenya").data
        if email:
            auth.logout()
    auth.login("sec@example.org")
    assert secret in client.get(f"/calls/{call_id}/report").data


def test_published_answers_are_quoted_with_their_source(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    client.post(
        f"/calls/{call_id}/answer",
        data={
            "answer_1": "Kenya needs incident response training.",
            "publishable": "1",
            "action": "submit",
        },
    )
    auth.logout()
    page = client.get(f"/calls/{call_id}/report").get_data(as_text=True)
    assert "Kenya needs incident response training." in page and "Kenya</a>" in page
    assert "Incident response" in page  # grouped by theme


def test_answer_becomes_a_linked_catalogue_draft(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    text = "Our CERT needs a tabletop exercise on ransomware for critical infrastructure operators."
    client.post(f"/calls/{call_id}/answer", data={"answer_1": text, "action": "submit"})
    answer = db.session.scalar(select(CallAnswer))
    response = client.post(f"/calls/{call_id}/answers/{answer.id}/draft", data={"question": "1"})
    assert response.status_code == 302
    request = db.session.scalar(select(Request))
    assert (
        request.country_code == "KEN" and request.status == "draft" and request.description == text
    )
    db.session.expire_all()
    assert db.session.get(CallAnswer, answer.id).drafts == [["request", request.id, 1]]
    comment = db.session.scalar(
        select(Revision.comment).where(Revision.action == "drafted_from_answer")
    )
    assert f"/calls/{call_id}/answers/{answer.id}" in comment
    auth.logout()
    auth.login("sen@example.org")
    response = client.post(f"/calls/{call_id}/answers/{answer.id}/draft", data={"question": "1"})
    assert response.status_code == 404  # Senegal cannot even read the unpublished answer


def test_closed_call_takes_no_answers(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("sec@example.org")
    assert client.get(f"/calls/{call_id}/close").status_code == 200  # asks first
    client.post(f"/calls/{call_id}/close", data={"confirmed": "yes"})
    auth.logout()
    auth.login("ken@example.org")
    response = client.post(f"/calls/{call_id}/answer", data={"answer_1": "x", "action": "submit"})
    assert response.status_code == 409


def test_api_answer_save_and_submit(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    response = client.put(
        f"/api/v1/calls/{call_id}/answer",
        json={"answers": ["Training on cybercrime law.", ""], "submit": True, "publishable": True},
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "submitted"
    bad = client.put(f"/api/v1/calls/{call_id}/answer", json={"answers": "text"})
    assert bad.status_code == 422
    auth.logout()
    listed = client.get(f"/api/v1/calls/{call_id}/answers").json
    assert listed["total"] == 1 and listed["items"][0]["country_code"] == "KEN"


def test_visibility_rule_python_and_sql_agree(app, people):
    """The page predicate and the SQL clause give the same answers on random answers."""
    rng = random.Random(7)
    calls = []
    for n, status in enumerate(("draft", "open", "closed")):
        call = Call(
            reference=f"R-{n}",
            title="t",
            questions=["q"],
            opens_on=date.today(),
            deadline_at=datetime.now(UTC) + timedelta(days=5),
            status=status,
        )
        db.session.add(call)
        calls.append(call)
    db.session.flush()
    org_id = people["uni"].organisation_id
    for _n in range(60):
        owner = rng.choice([("KEN", None), ("SEN", None), (None, org_id)])
        db.session.add(
            CallAnswer(
                call_id=rng.choice(calls).id,
                country_code=owner[0],
                organisation_id=owner[1],
                answers=["x"],
                status=rng.choice(["draft", "submitted"]),
                publishable=rng.random() < 0.5,
                drafts=[],
            )
        )
    db.session.commit()
    viewers = [None, *people.values()]
    answers = db.session.scalars(select(CallAnswer)).all()
    for viewer in viewers:
        from flask_login import AnonymousUserMixin

        who = viewer or AnonymousUserMixin()
        by_sql = set(
            db.session.scalars(select(CallAnswer.id).where(visibility.answers_clause(who)))
        )
        by_python = {a.id for a in answers if visibility.can_read_answer(who, a)}
        assert by_sql == by_python


def test_tracker_counts_addressees(app, people):
    with unit_of_work():
        call = operations.create_call(people["sec"], call_form(addressed_states="all"))
    rows = tracker(call)
    assert {r.addressee.key for r in rows} >= {"KEN", "SEN", "FJI"}
    assert any(r.addressee.key.startswith("org:") for r in rows)


#: The pages of calls and the calendar, as a focal point and as the Secretariat sees them.
CALL_PAGES = {
    "focal": [
        "/calls",
        "/calls/{call}",
        "/calls/{call}/answer",
        "/calls/{call}/answers/{answer}",
        "/calls/{call}/report",
        "/calendar",
        "/calendar/events/{event}",
        "/calendar/sessions/{session}",
    ],
    "sec": [
        "/calls/new",
        "/calls/{call}/edit",
        "/calls/{call}/tracker",
        "/calls/{call}/close",
        "/calendar/events/new",
        "/calendar/events/{event}/edit",
    ],
}


def test_calls_and_calendar_pages_have_no_plain_english(pseudo_app):  # noqa: F811
    """Every page of calls and the calendar, rendered in the pseudo-locale, shows no English
    outside the data (titles, questions, answers, names, time zones)."""
    from tests.factories import PASSWORD, Factory
    from tests.test_i18n import _data_strings, plain_english

    make = Factory()
    secretariat = make.user("secretariat", email="sec@example.org")
    make.user("focal_point", country="KEN", email="ken@example.org")
    make.country("SEN")
    with unit_of_work():
        call = operations.create_call(secretariat, call_form())
        operations.publish_call(secretariat, call)
    client = pseudo_app.test_client()
    client.post("/account/login", data={"email": "ken@example.org", "password": PASSWORD})
    client.post(
        f"/calls/{call.id}/answer",
        data={"answer_1": "Kenya needs CSIRT training.", "publishable": "1", "action": "submit"},
    )
    answer = db.session.scalar(select(CallAnswer))
    data = [
        *_data_strings(),
        call.reference,
        call.title,
        call.mandate,
        *call.questions,
        *(f"{n}. {q}" for n, q in enumerate(call.questions, start=1)),
        "Kenya needs CSIRT training.",
        operations.deadline_text(call),
        "Europe/Zurich",
    ]
    with unit_of_work():
        session = OewgSession(
            name="OEWG 2027-1",
            start_date=date.today() + timedelta(days=40),
            end_date=date.today() + timedelta(days=44),
            location="New York",
        )
        db.session.add(session)
        db.session.flush()
        event = Event(
            category="informal",
            title="Informal meeting on CSIRT cooperation",
            starts_on=date.today() + timedelta(days=41),
            ends_on=date.today() + timedelta(days=41),
            themes=["incident_response"],
            regions=["m49:002"],
            session_id=session.id,
        )
        db.session.add(event)
    data += [session.name, session.location, event.title]
    ids = {"call": call.id, "answer": answer.id, "event": event.id, "session": session.id}
    pages = {who: [url.format(**ids) for url in urls] for who, urls in CALL_PAGES.items()}
    failures = {}
    for who, urls in pages.items():
        if who == "sec":
            client.post("/account/logout")
            client.post("/account/login", data={"email": "sec@example.org", "password": PASSWORD})
        for url in urls:
            response = client.get(f"{url}{'&' if '?' in url else '?'}lang=en")
            assert response.status_code == 200, url
            values = sorted((d for d in data if d), key=len, reverse=True)
            left = plain_english(response.get_data(as_text=True), values)
            if left:
                failures[url] = left
    assert not failures, failures


def test_inbox_lists_calls_awaiting_my_answer(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    page = client.get("/my").get_data(as_text=True)
    assert f"/calls/{call_id}" in page and 'id="calls"' in page
    before = client.get("/my").get_data(as_text=True).count('class="count"')
    client.post(f"/calls/{call_id}/answer", data={"answer_1": "Our view.", "action": "submit"})
    page = client.get("/my").get_data(as_text=True)
    assert 'id="calls"' not in page
    assert page.count('class="count"') <= before
    auth.logout()
    auth.login("fji@example.org")  # not addressed
    assert 'id="calls"' not in client.get("/my").get_data(as_text=True)


def test_api_secretariat_writes_and_publishes_a_call(client, auth, people):
    body = {
        "reference": "API/1",
        "title": "Views by API",
        "questions": ["One?", "Two?"],
        "addressed_states": "all",
        "deadline_date": FUTURE,
        "deadline_tz": "Asia/Bangkok",
    }
    assert client.post("/api/v1/calls", json=body).status_code == 401
    auth.login("ken@example.org")
    assert client.post("/api/v1/calls", json=body).status_code == 403
    auth.logout()
    auth.login("sec@example.org")
    bad = client.post("/api/v1/calls", json={**body, "deadline_tz": "Nowhere/City"})
    assert bad.status_code == 422 and "deadline_tz" in bad.json["errors"]
    created = client.post("/api/v1/calls", json=body)
    assert created.status_code == 201 and created.json["status"] == "draft"
    published = client.post(f"/api/v1/calls/{created.json['id']}/publish")
    assert published.status_code == 200 and published.json["status"] == "open"
    assert client.post(f"/api/v1/calls/{created.json['id']}/publish").status_code == 409


def test_secretariat_drafts_a_programme_for_an_organisation_an_answer_names(client, auth, people):
    call_id = published_call(client, auth)
    auth.login("ken@example.org")
    text = "With the Cyber Institute we run a yearly CSIRT bootcamp for East African analysts."
    client.post(f"/calls/{call_id}/answer", data={"answer_1": text, "action": "submit"})
    answer = db.session.scalar(select(CallAnswer))
    institute = people["uni"].organisation_id
    forbidden = client.post(
        f"/calls/{call_id}/answers/{answer.id}/draft",
        data={"question": "1", "organisation_id": str(institute)},
    )
    assert forbidden.status_code == 403  # the state cannot make drafts for others
    auth.logout()
    auth.login("sec@example.org")
    page = client.get(f"/calls/{call_id}/answers/{answer.id}").get_data(as_text=True)
    assert 'name="organisation_id"' in page
    response = client.post(
        f"/calls/{call_id}/answers/{answer.id}/draft",
        data={"question": "1", "organisation_id": str(institute)},
    )
    assert response.status_code == 302
    from kb.models import Programme

    programme = db.session.scalar(select(Programme))
    assert programme.organisation_id == institute and programme.status == "draft"
    db.session.expire_all()
    assert db.session.get(CallAnswer, answer.id).drafts == [["programme", programme.id, 1]]
    bad = client.post(
        f"/calls/{call_id}/answers/{answer.id}/draft",
        data={"question": "1", "organisation_id": "99999"},
    )
    assert bad.status_code == 422


def test_observer_states_are_addressed_only_when_the_call_asks_them(client, auth, make, people):
    from kb.consultations import addressees as addr
    from kb.seed import seed_observer_states

    seed_observer_states()
    db.session.commit()
    palestine = make.user("focal_point", country="PSE", email="pse@example.org")
    everyone = published_call(client, auth, addressed_states="all", reference="CX/ALL")
    keys = {a.key for a in addr.addressees(db.session.get(Call, everyone))}
    assert "KEN" in keys and not keys & {"PSE", "VAT"}  # "all Member States" is members only
    auth.login("sec@example.org")
    form = client.get("/calls/new").get_data(as_text=True)
    assert "Holy See" in form and "State of Palestine" in form
    auth.logout()
    with_observers = published_call(
        client, auth, addressed_states="all", addressed_observers="1", reference="CX/OBS"
    )
    call = db.session.get(Call, with_observers)
    keys = {a.key for a in addr.addressees(call)}
    assert {"KEN", "PSE", "VAT"} <= keys
    assert any(n.user_id == palestine.id for n in db.session.scalars(select(Notification)))
    only = published_call(
        client, auth, addressed_states="none", addressed_observers="1", reference="CX/ONLY"
    )
    assert {a.key for a in addr.addressees(db.session.get(Call, only))} == {
        "PSE",
        "VAT",
        "org:" + str(people["uni"].organisation_id),
    }
    auth.login("pse@example.org")
    assert client.get(f"/calls/{everyone}/answer").status_code == 403
    answered = client.post(
        f"/calls/{with_observers}/answer", data={"answer_1": "Our views.", "action": "submit"}
    )
    assert answered.status_code == 302
    auth.logout()
    auth.login("sec@example.org")
    rows = {row.addressee.key: row.status for row in tracker(db.session.get(Call, with_observers))}
    assert rows["PSE"] == "submitted" and rows["VAT"] == "not_started"
    api = client.get(f"/api/v1/calls/{with_observers}").json
    assert api["addressed_observers"] is True
    page = client.get(f"/calls/{with_observers}/tracker?lang=fr").get_data(as_text=True)
    assert "État de Palestine" in page and "Saint-Siège" in page
