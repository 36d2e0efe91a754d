"""The calendar: sessions, events, call deadlines and programme dates; filters; iCalendar
feeds; event pages and the Secretariat's event form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from kb.extensions import db
from kb.models import Call, Event, OewgSession

SOON = date.today() + timedelta(days=20)


@pytest.fixture
def agenda(make):
    make.country("KEN")
    make.country("FJI")
    session = OewgSession(
        name="Global Mechanism, first plenary",
        start_date=SOON,
        end_date=SOON + timedelta(days=4),
        location="New York",
    )
    db.session.add(session)
    db.session.flush()
    db.session.add_all(
        [
            Event(
                category="informal",
                title="Informal meeting on CSIRT cooperation",
                starts_on=SOON + timedelta(days=1),
                ends_on=SOON + timedelta(days=1),
                themes=["incident_response"],
                regions=["m49:002"],  # Africa
                session_id=session.id,
            ),
            Event(
                category="stakeholder",
                title="Pacific stakeholder dialogue",
                starts_on=SOON + timedelta(days=2),
                ends_on=SOON + timedelta(days=2),
                themes=["confidence_building"],
                regions=["m49:009"],  # Oceania
            ),
            Call(
                reference="CX/9",
                title="Views on capacity-building",
                questions=["q"],
                opens_on=date.today(),
                deadline_at=datetime.combine(SOON, datetime.min.time(), tzinfo=UTC),
                status="open",
            ),
            Call(
                reference="CX/DRAFT",
                title="A draft call nobody sees",
                questions=["q"],
                opens_on=date.today(),
                deadline_at=datetime.combine(SOON, datetime.min.time(), tzinfo=UTC),
                status="draft",
            ),
        ]
    )
    db.session.commit()
    make.programme(
        title="Ransomware tabletop exercise",
        support_types=["exercise"],
        start_date=SOON + timedelta(days=3),
        application_deadline=SOON,
        eligible_countries=["FJI"],
    )
    make.programme(title="Confidential training", start_date=SOON, visibility="secretariat")
    return session


def titles(client, query: str = "") -> str:
    response = client.get(f"/calendar?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_calendar_gathers_every_source(client, agenda):
    page = titles(client)
    for title in (
        "Global Mechanism, first plenary",
        "Informal meeting on CSIRT cooperation",
        "Pacific stakeholder dialogue",
        "Views on capacity-building",
        "Ransomware tabletop exercise",
    ):
        assert title in page, title
    assert "A draft call nobody sees" not in page
    assert "Confidential training" not in page


def test_filters_by_theme_region_and_kind(client, agenda):
    page = titles(client, "theme=incident_response")
    assert "Informal meeting on CSIRT cooperation" in page
    assert "Pacific stakeholder dialogue" not in page
    assert "Global Mechanism, first plenary" not in page  # sessions carry no theme
    page = titles(client, "place=m49:009")  # Oceania
    assert "Pacific stakeholder dialogue" in page and "Ransomware tabletop exercise" in page
    assert "Informal meeting on CSIRT cooperation" not in page
    assert "Global Mechanism, first plenary" in page  # of concern to every region
    page = titles(client, "category=deadline")
    assert "Views on capacity-building" in page and "Ransomware tabletop exercise" in page
    assert "Pacific stakeholder dialogue" not in page


def test_bad_filters_are_named(client, agenda):
    for query in (
        "from=tomorrow",
        "theme=nothing",
        "place=atlantis",
        "from=2030-01-01&to=2020-01-01",
    ):
        response = client.get(f"/calendar?{query}")
        assert response.status_code == 400, query
        assert client.get(f"/calendar.ics?{query}").status_code == 400
    assert client.get("/api/v1/calendar?theme=nothing").status_code == 422


def test_ics_feed_parses_and_follows_filters(client, agenda):
    response = client.get("/calendar.ics")
    assert response.mimetype == "text/calendar"
    feed = Calendar.from_ical(response.data)
    events = {str(e.get("summary")): e for e in feed.walk("VEVENT")}
    assert "Global Mechanism, first plenary" in events
    plenary = events["Global Mechanism, first plenary"]
    assert plenary.decoded("dtstart") == SOON
    assert plenary.decoded("dtend") == SOON + timedelta(days=5)  # exclusive end
    assert str(plenary.get("url")).endswith(f"/calendar/sessions/{agenda.id}")
    filtered = Calendar.from_ical(client.get("/calendar.ics?place=m49:009").data)
    names = {str(e.get("summary")) for e in filtered.walk("VEVENT")}
    assert "Informal meeting on CSIRT cooperation" not in names


def test_session_page_links_briefing_events_and_calls(client, agenda):
    call = db.session.query(Call).filter_by(reference="CX/9").one()
    call.session_id = agenda.id
    db.session.commit()
    page = client.get(f"/calendar/sessions/{agenda.id}").get_data(as_text=True)
    assert f"/reports/briefing?session={agenda.id}" in page
    assert "Informal meeting on CSIRT cooperation" in page and "CX/9" in page
    assert client.get("/calendar/sessions/999").status_code == 404


def test_secretariat_adds_events_with_validation(client, auth, make, agenda):
    make.user("secretariat", email="sec@example.org")
    make.user("focal_point", email="ken@example.org")
    auth.login("ken@example.org")
    assert client.get("/calendar/events/new").status_code == 403
    auth.logout()
    auth.login("sec@example.org")
    bad = client.post(
        "/calendar/events/new",
        data={
            "title": "",
            "starts_on": "2027-02-30",
            "timezone": "Mars/Olympus",
            "agenda_url": "javascript:alert(1)",
            "regions": "m49:002 nowhere",
        },
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    for field in ("title", "starts_on", "timezone", "agenda_url", "regions"):
        assert f'id="{field}-err"' in page, field
    good = client.post(
        "/calendar/events/new",
        data={
            "title": "Regional workshop on norms",
            "category": "informal",
            "starts_on": (SOON + timedelta(days=5)).isoformat(),
            "start_time": "10:00",
            "end_time": "12:30",
            "timezone": "Africa/Nairobi",
            "virtual": "1",
            "themes": ["norms_implementation"],
            "regions": "org:AU",
            "agenda_url": "https://example.org/agenda",
        },
    )
    assert good.status_code == 302
    event = db.session.query(Event).filter_by(title="Regional workshop on norms").one()
    page = client.get(f"/calendar/events/{event.id}").get_data(as_text=True)
    assert "10:00" in page and "Africa/Nairobi" in page
    feed = Calendar.from_ical(client.get("/calendar.ics?category=informal").data)
    workshop = next(e for e in feed.walk("VEVENT") if str(e.get("summary")) == event.title)
    start = workshop.decoded("dtstart")
    assert start.hour == 10 and str(start.tzinfo) == "Africa/Nairobi"


def test_calendar_shows_a_new_event_at_once_and_each_viewer_their_own(client, auth, make, agenda):
    """The page's entries are cached per data generation and viewer class: a write shows at
    once, and what the Secretariat sees is never served to anyone else."""
    assert "Late-added dialogue" not in titles(client)
    make.user("secretariat", email="sec@example.org")
    auth.login("sec@example.org")
    assert "Confidential training" in titles(client)
    response = client.post(
        "/calendar/events/new",
        data={"title": "Late-added dialogue", "category": "informal",
              "starts_on": (SOON + timedelta(days=6)).isoformat(), "timezone": "UTC"},
    )  # fmt: skip
    assert response.status_code == 302
    assert "Late-added dialogue" in titles(client)
    auth.logout()
    page = titles(client)
    assert "Late-added dialogue" in page and "Confidential training" not in page


def test_api_calendar_lists_entries(client, agenda):
    body = client.get("/api/v1/calendar").json
    assert "Global Mechanism, first plenary" in {item["title"] for item in body["items"]}
    assert body["total"] == len(body["items"])


def test_api_events_and_sessions(client, auth, make, agenda):
    make.user("secretariat", email="sec@example.org")
    make.user("focal_point", email="ken@example.org")
    listed = client.get("/api/v1/events?from=2000-01-01").json
    assert listed["total"] == len(listed["items"]) >= 1
    first = listed["items"][0]
    one = client.get(f"/api/v1/events/{first['id']}")
    assert one.status_code == 200 and one.json["title"] == first["title"]
    assert client.get("/api/v1/events/999999").status_code == 404
    assert client.get("/api/v1/events?category=nonsense").status_code == 422
    body = {
        "title": "Stakeholder briefing",
        "category": "stakeholder",
        "starts_on": (SOON + timedelta(days=3)).isoformat(),
        "start_time": "15:00",
        "timezone": "America/New_York",
        "documents": ["https://example.org/a.pdf"],
        "regions": ["org:AU"],
    }
    assert client.post("/api/v1/events", json=body).status_code == 401
    auth.login("ken@example.org")
    assert client.post("/api/v1/events", json=body).status_code == 403
    auth.logout()
    auth.login("sec@example.org")
    bad = client.post("/api/v1/events", json={**body, "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and "timezone" in bad.json["errors"]
    created = client.post("/api/v1/events", json=body)
    assert created.status_code == 201, created.json
    assert created.json["documents"] == ["https://example.org/a.pdf"]
    assert created.json["start_time"].startswith("15:00")
    patched = client.patch(f"/api/v1/events/{created.json['id']}", json={"location": "Geneva"})
    assert patched.status_code == 200, patched.json
    assert patched.json["location"] == "Geneva" and patched.json["title"] == body["title"]
    assert patched.json["start_time"].startswith("15:00") and patched.json["regions"] == ["org:AU"]
    sessions = client.get("/api/v1/sessions").json
    session = next(s for s in sessions["items"] if s["name"] == "Global Mechanism, first plenary")
    assert client.get(f"/api/v1/sessions/{session['id']}").json["events"] == session["events"]
    assert client.get("/api/v1/sessions/999999").status_code == 404
