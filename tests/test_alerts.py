"""Saved searches and alerts: saving from pages, matching after the commit, visibility,
instant e-mails and digests, unsubscribe links, offered alerts and bad input."""

from __future__ import annotations

from email import message_from_string
from email.policy import default

import pytest
from sqlalchemy import func, select

from kb.alerts import operations as alerts
from kb.catalogue.operations import apply_transition
from kb.extensions import db
from kb.models import AlertHit, Notification, SavedSearch, User
from kb.uow import unit_of_work
from tests.factories import PASSWORD, days_ago
from tests.smtp_sink import SmtpSink, wait_for


@pytest.fixture
def sink(app):
    sink = SmtpSink()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port)
    yield sink
    sink.close()


def _login(client, user: User) -> None:
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def _save(client, kind: str, query: str, frequency: str = "app", next_url: str = "/"):
    return client.post(
        "/alerts/save",
        data={"kind": kind, "query": query, "frequency": frequency, "next": next_url},
    )


def _publish(record) -> None:
    """The Secretariat publishes a submitted record (the alerts job runs after the commit)."""
    with unit_of_work():
        apply_transition(None, record, "publish")


def _notes(user: User) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def _hits() -> int:
    return db.session.scalar(select(func.count()).select_from(AlertHit)) or 0


def _message(raw: str):
    return message_from_string(raw, policy=default)


# --- saving from the pages --------------------------------------------------------------


def test_save_a_filtered_list_from_its_page_and_be_alerted_of_a_new_match(client, make):
    focal = make.user("focal_point", country="SEN")
    _login(client, focal)
    page = client.get("/programmes?theme=cybercrime&page=1").get_data(as_text=True)
    assert "Save this search" in page
    response = _save(client, "programmes", "theme=cybercrime&page=2&sort=title", next_url="/x")
    assert response.status_code == 302 and response.headers["Location"].endswith("/x")
    saved = db.session.scalars(select(SavedSearch)).one()
    assert (saved.kind, saved.params, saved.frequency) == (
        "programmes",
        {"theme": ["cybercrime"]},
        "app",
    )
    assert saved.name == "Programmes: Cybercrime"
    page = client.get("/programmes?theme=cybercrime").get_data(as_text=True)
    assert "Save this search" not in page and f"/alerts/{saved.id}" in page

    match = make.programme(title="Forensics for police", themes=["cybercrime"], status="submitted")
    other = make.programme(title="Awareness week", themes=["awareness"], status="submitted")
    _publish(match)
    _publish(other)
    (note,) = _notes(focal)
    assert "Forensics for police" in note.text and note.link == f"/programmes/{match.id}"
    assert _hits() == 1
    # seen in the inbox and on the saved search's page
    my = client.get("/my").get_data(as_text=True)
    assert "Programmes: Cybercrime" in my and "1 new match in the last 7 days" in my
    detail = client.get(f"/alerts/{saved.id}").get_data(as_text=True)
    assert "Forensics for police" in detail and "Awareness week" not in detail


def test_records_published_before_the_search_was_saved_do_not_alert(client, make):
    make.programme(title="Older forensics", themes=["cybercrime"], published_at=days_ago(1))
    focal = make.user("focal_point", country="SEN")
    _login(client, focal)
    _save(client, "programmes", "theme=cybercrime")
    with unit_of_work():
        counts = alerts.evaluate(since=days_ago(2))
    assert counts == {"hits": 0, "emails": 0} and _notes(focal) == []


def test_a_search_page_query_alerts_only_on_records_with_every_word(client, make):
    focal = make.user("focal_point", country="SEN")
    _login(client, focal)
    assert "Save this search" in client.get("/search?q=microscope+laboratory").get_data(
        as_text=True
    )
    _save(client, "search", "q=microscope+laboratory&kind=programme&page=3")
    saved = db.session.scalars(select(SavedSearch)).one()
    assert saved.params == {"kind": ["programme"], "q": ["microscope laboratory"]}
    both = make.programme(
        title="Laboratory microscope donation",
        description="Equipment and training.",
        status="submitted",
    )
    one_word = make.programme(
        title="Laboratory renovation", description="Courtroom evidence.", status="submitted"
    )
    a_request = make.request(
        country="KEN",
        title="Microscope laboratory wanted",
        description="We need one.",
        status="submitted",
    )
    for record in (both, one_word, a_request):
        _publish(record)
    (note,) = _notes(focal)
    assert "Laboratory microscope donation" in note.text


def test_the_search_engine_bridges_acronyms_in_alerts_as_on_the_page(client, make):
    """``CERT`` finds "CSIRT" on the search page: an alert for ``CERT`` does too."""
    focal = make.user("focal_point", country="SEN")
    _login(client, focal)
    _save(client, "search", "q=CERT")
    record = make.programme(
        title="CSIRT maturity coaching", description="Peer review of teams.", status="submitted"
    )
    _publish(record)
    (note,) = _notes(focal)
    assert "CSIRT maturity coaching" in note.text


# --- visibility -------------------------------------------------------------------------


def test_a_hidden_record_never_alerts_someone_who_may_not_see_it(client, make, sink):
    focal = make.user("focal_point", country="SEN")
    secretariat = make.user("secretariat")
    for user in (focal, secretariat):
        with unit_of_work():
            alerts.save_search(user, "search", _args("q=forensics"), frequency="instant")
            alerts.save_search(user, "programmes", _args("theme=cybercrime"), frequency="daily")
    hidden = make.programme(
        title="Confidential forensics support",
        themes=["cybercrime"],
        visibility="secretariat",
        status="submitted",
    )
    _publish(hidden)
    assert _notes(focal) == []
    assert len(_notes(secretariat)) == 2  # the Secretariat may see it
    messages = wait_for(sink, 1)
    assert [_message(m)["To"] for m in messages] == [secretariat.email]
    assert all("Confidential forensics" not in m for m in messages if focal.email in m)
    # not in the focal point's digest either, nor on its pages
    with unit_of_work():
        counts = alerts.send_digests("daily")
    assert counts["emails"] == 1  # the Secretariat's only
    assert len(wait_for(sink, 2)) == 2
    assert all(_message(m)["To"] == secretariat.email for m in sink.messages)


def test_a_record_hidden_after_it_matched_is_left_out_of_the_digest(make, sink):
    focal = make.user("focal_point", country="SEN")
    with unit_of_work():
        alerts.save_search(focal, "programmes", _args("theme=cybercrime"), frequency="daily")
    shown = make.programme(title="Open forensics course", themes=["cybercrime"], status="submitted")
    later_hidden = make.programme(
        title="Soon confidential course", themes=["cybercrime"], status="submitted"
    )
    _publish(shown)
    _publish(later_hidden)
    assert len(_notes(focal)) == 2
    later_hidden.visibility = "secretariat"
    db.session.commit()
    with unit_of_work():
        alerts.send_digests("daily")
    (raw,) = wait_for(sink)
    body = _message(raw).get_content()
    assert "Open forensics course" in body and "Soon confidential course" not in body
    detail_hits = alerts.recent_hits(db.session.scalars(select(SavedSearch)).one(), focal)
    assert [r.title for _h, r in detail_hits] == ["Open forensics course"]


def test_a_verified_record_alerts_approved_users_but_not_a_disabled_account(make):
    active = make.user("provider")
    disabled = make.user("provider", status="active")
    for user in (active, disabled):
        with unit_of_work():
            alerts.save_search(user, "requests", _args("theme=cybercrime"))
    disabled.status = "disabled"
    db.session.commit()
    record = make.request(
        country="KEN", themes=["cybercrime"], visibility="verified", status="submitted"
    )
    _publish(record)
    assert len(_notes(active)) == 1 and _notes(disabled) == []


# --- e-mails: at once, digests, unsubscribe ------------------------------------------------


def test_instant_email_has_a_one_click_unsubscribe(app, client, make, sink):
    provider = make.user("provider")
    with unit_of_work():
        saved = alerts.save_search(
            provider,
            "requests",
            _args("theme=cybercrime"),
            name="Cybercrime needs",
            frequency="instant",
        )
    record = make.request(
        country="KEN", title="Cybercrime unit", themes=["cybercrime"], status="submitted"
    )
    _publish(record)
    (raw,) = wait_for(sink)
    message = _message(raw)
    assert message["To"] == provider.email
    assert "Cybercrime needs" in message["Subject"]
    body = message.get_content()
    assert f"/requests/{record.id}" in body and "Cybercrime unit" in body
    header = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header in body
    path = "/" + header.split("://", 1)[1].split("/", 1)[1]
    # opening the link (a mail scanner does) changes nothing; one click on its button does
    page = client.get(path)
    assert page.status_code == 200 and "Cybercrime needs" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SavedSearch, saved.id).frequency == "instant"
    # a mail program's one-click POST (RFC 8058), not signed in, no CSRF token
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.get(SavedSearch, saved.id).frequency == "app"
    # the next match is still notified in the app, with no e-mail
    another = make.request(country="SEN", themes=["cybercrime"], status="submitted")
    _publish(another)
    assert len(_notes(provider)) == 2 and len(wait_for(sink, 2, seconds=0.5)) == 1


def test_unsubscribe_links_cannot_be_forged_or_reused_for_someone_else(client, make):
    a = make.user("provider")
    b = make.user("provider")
    with unit_of_work():
        mine = alerts.save_search(a, "requests", _args(""), frequency="daily")
        theirs = alerts.save_search(b, "requests", _args(""), frequency="daily")
    from kb.alerts.emails import unsubscribe_token

    token = unsubscribe_token(a, [mine])
    assert client.post(f"/alerts/unsubscribe/{token}x").status_code == 404
    assert client.get("/alerts/unsubscribe/not-a-token").status_code == 404
    assert "not valid" in client.get("/alerts/unsubscribe/%00").get_data(as_text=True)
    # a's token naming b's search does nothing to b's search
    forged = unsubscribe_token(a, [theirs])
    assert client.post(f"/alerts/unsubscribe/{forged}").status_code == 200
    db.session.expire_all()
    assert db.session.get(SavedSearch, theirs.id).frequency == "daily"
    assert client.post(f"/alerts/unsubscribe/{token}").status_code == 200
    db.session.expire_all()
    assert db.session.get(SavedSearch, mine.id).frequency == "app"


def test_digests_group_matches_by_person_and_search_and_send_once(make, sink):
    focal = make.user("focal_point", country="SEN")
    other = make.user("focal_point", country="FJI")
    with unit_of_work():
        cyber = alerts.save_search(
            focal, "programmes", _args("theme=cybercrime"), frequency="daily"
        )
        training = alerts.save_search(
            focal, "programmes", _args("support_type=training"), frequency="daily"
        )
        alerts.save_search(focal, "search", _args("q=awareness"), frequency="weekly")
        alerts.save_search(other, "programmes", _args(""), frequency="daily")
    first = make.programme(
        title="Cybercrime course",
        themes=["cybercrime"],
        support_types=["funding"],
        status="submitted",
    )
    second = make.programme(
        title="Analyst training",
        themes=["technical_skills"],
        support_types=["training"],
        status="submitted",
    )
    third = make.programme(
        title="Awareness campaign kit",
        themes=["awareness"],
        support_types=["equipment"],
        status="submitted",
    )
    for record in (first, second, third):
        _publish(record)
    with unit_of_work():
        counts = alerts.send_digests("daily")
    assert counts == {"emails": 2, "records": 5}  # focal: 2 searches, 2 records; other: 3
    messages = {(_message(m)["To"]): _message(m) for m in wait_for(sink, 2)}
    mine = messages[focal.email]
    assert "daily digest: 2 new matches" in mine["Subject"]
    body = mine.get_content()
    assert body.index(f"== {cyber.name} ==") < body.index("Cybercrime course")
    assert body.index(f"== {training.name} ==") < body.index("Analyst training")
    assert "Awareness campaign kit" not in body  # weekly, not in the daily digest
    assert body.count("/alerts/unsubscribe/") == 3  # one per search, one for the digest
    with unit_of_work():
        assert alerts.send_digests("daily") == {"emails": 0, "records": 0}
    with unit_of_work():
        assert alerts.send_digests("weekly") == {"emails": 1, "records": 1}
    weekly = _message(wait_for(sink, 3)[-1])
    assert "weekly digest: 1 new match" in weekly["Subject"]
    assert "Awareness campaign kit" in weekly.get_content()


def test_switching_a_digest_to_in_app_only_drops_the_waiting_emails(make, sink):
    focal = make.user("focal_point", country="SEN")
    with unit_of_work():
        saved = alerts.save_search(focal, "programmes", _args(""), frequency="daily")
    _publish(make.programme(status="submitted"))
    with unit_of_work():
        alerts.update_search(saved, "Everything new", "app")
    with unit_of_work():
        assert alerts.send_digests("daily")["emails"] == 0
    with unit_of_work():
        alerts.update_search(saved, "Everything new", "daily")
        assert alerts.send_digests("daily")["emails"] == 0


def test_send_digests_command(runner, make, sink):
    focal = make.user("focal_point", country="SEN")
    with unit_of_work():
        alerts.save_search(focal, "programmes", _args(""), frequency="weekly")
    _publish(make.programme(status="submitted"))
    result = runner.invoke(args=["kb", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "daily: 0 digest" in result.output and "weekly: 1 digest" in result.output
    assert len(wait_for(sink)) == 1


def test_the_evaluation_is_safe_to_run_twice_and_catches_up(runner, make):
    focal = make.user("focal_point", country="SEN")
    with unit_of_work():
        alerts.save_search(focal, "programmes", _args(""))
    _publish(make.programme(status="submitted"))
    assert _hits() == 1
    result = runner.invoke(args=["kb", "alerts-catch-up", "--hours", "2"])
    assert result.exit_code == 0 and "0 new match" in result.output
    assert _hits() == 1 and len(_notes(focal)) == 1


def test_alert_notifications_and_emails_are_in_the_recipients_language(make, sink):
    focal = make.user("focal_point", country="SEN")
    focal.locale = "fr"
    db.session.commit()
    with unit_of_work():
        alerts.save_search(focal, "programmes", _args(""), name="Tout", frequency="instant")
    _publish(make.programme(title="Cours de criminalistique", status="submitted"))
    (note,) = _notes(focal)
    assert note.text.startswith("Nouvelle correspondance")
    (raw,) = wait_for(sink)
    assert "correspondance" in _message(raw)["Subject"]


# --- offered alerts ------------------------------------------------------------------------


def test_a_focal_point_is_offered_programmes_its_state_is_eligible_for(client, make):
    make.request(country="SEN", themes=["cybercrime"])
    focal = make.user("focal_point", country="SEN")
    _login(client, focal)
    page = client.get("/my").get_data(as_text=True)
    assert "Set this alert" in page
    response = client.post(
        "/alerts/offer", data={"kind": "state_programmes", "frequency": "daily", "next": "/my"}
    )
    assert response.status_code == 302
    assert "Set this alert" not in client.get("/my").get_data(as_text=True)
    saved = db.session.scalars(select(SavedSearch)).one()
    assert saved.kind == "state_programmes" and saved.params == {"country": ["SEN"]}
    africa = make.programme(
        title="For Africa", themes=["cybercrime"], eligible_regions=["Africa"], status="submitted"
    )
    fiji = make.programme(
        title="Only Fiji", themes=["cybercrime"], eligible_countries=["FJI"], status="submitted"
    )
    theme = make.programme(title="Other theme", themes=["gender"], status="submitted")
    for record in (africa, fiji, theme):
        _publish(record)
    (note,) = _notes(focal)
    assert "For Africa" in note.text
    # the offer is also on the state's request pages, not on others'
    assert client.post("/alerts/offer", data={"kind": "org_requests"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SavedSearch)) == 1


def test_a_provider_is_offered_requests_its_programmes_could_serve(client, make):
    provider = make.user("provider")
    make.programme(
        organisation=provider.organisation,
        themes=["incident_response"],
        eligible_regions=["Africa"],
    )
    _login(client, provider)
    client.post("/alerts/offer", data={"kind": "org_requests", "frequency": "app", "next": "/my"})
    saved = db.session.scalars(select(SavedSearch)).one()
    assert saved.kind == "org_requests"
    served = make.request(
        country="SEN", title="CSIRT for Senegal", themes=["incident_response"], status="submitted"
    )
    too_far = make.request(
        country="COL", title="CSIRT for Colombia", themes=["incident_response"], status="submitted"
    )
    off_theme = make.request(
        country="KEN", title="Gender study", themes=["gender"], status="submitted"
    )
    for record in (served, too_far, off_theme):
        _publish(record)
    (note,) = _notes(provider)
    assert "CSIRT for Senegal" in note.text


# --- managing, and bad input -------------------------------------------------------------------


def _args(query: str):
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    return MultiDict(parse_qsl(query))


def test_manage_rename_change_frequency_and_delete(client, make):
    make.country("KEN")
    focal = make.user("focal_point", country="SEN")
    _login(client, focal)
    _save(client, "requests", "theme=cybercrime&country=KEN")
    saved = db.session.scalars(select(SavedSearch)).one()
    page = client.get("/alerts").get_data(as_text=True)
    assert saved.name in page and "Theme: Cybercrime" in page and "State: Kenya" in page
    response = client.post(
        f"/alerts/{saved.id}",
        data={f"s{saved.id}-name": "Kenya cybercrime", f"s{saved.id}-frequency": "weekly"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(SavedSearch, saved.id)
    assert (saved.name, saved.frequency) == ("Kenya cybercrime", "weekly")
    assert client.post(f"/alerts/{saved.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SavedSearch)) == 0


def test_bad_input_gets_a_clear_message_never_a_500(client, make):
    focal = make.user("focal_point", country="SEN")
    intruder = make.user("focal_point", country="KEN")
    assert client.get("/alerts").status_code == 302  # sign in first
    assert _save(client, "requests", "").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SavedSearch)) == 0
    _login(client, focal)
    bad_kind = _save(client, "users", "x=1")
    assert bad_kind.status_code == 302
    assert "Unknown kind of search" in client.get("/").get_data(as_text=True)
    bad_frequency = _save(client, "requests", "", frequency="hourly")
    assert bad_frequency.status_code == 302
    assert "Choose how often" in client.get("/").get_data(as_text=True)
    garbage = "%ZZ&theme=%00&q=" + "x" * 5000 + "&" + "&".join(f"a{i}=1" for i in range(300))
    assert _save(client, "search", garbage).status_code == 302
    assert _save(client, "search", garbage).status_code == 302
    assert "already saved" in client.get("/").get_data(as_text=True)
    saved = db.session.scalars(select(SavedSearch)).one()
    assert len(saved.params["q"][0]) == 200
    long = client.post(
        f"/alerts/{saved.id}",
        data={f"s{saved.id}-name": "n" * 500, f"s{saved.id}-frequency": "daily"},
    )
    assert long.status_code == 200 and f'id="s{saved.id}-name-err"' in long.get_data(as_text=True)
    empty = client.post(
        f"/alerts/{saved.id}", data={f"s{saved.id}-name": " ", f"s{saved.id}-frequency": "daily"}
    )
    assert empty.status_code == 200 and f'id="s{saved.id}-name-err"' in empty.get_data(as_text=True)
    assert client.post("/alerts/offer", data={"kind": "users"}).status_code == 302
    # someone else's saved search is not found, whatever the method
    client.post("/account/logout")
    _login(client, intruder)
    assert client.get(f"/alerts/{saved.id}").status_code == 404
    assert client.post(f"/alerts/{saved.id}/delete").status_code == 404
    assert client.get("/alerts/999999").status_code == 404


def test_a_person_keeps_at_most_fifty_saved_searches(make):
    focal = make.user("focal_point", country="SEN")
    with unit_of_work():
        for n in range(alerts.MAX_PER_USER):
            alerts.save_search(focal, "search", _args(f"q=word{n}"))
    from kb.errors import Conflict

    with pytest.raises(Conflict), unit_of_work():
        alerts.save_search(focal, "search", _args("q=one+more"))


def test_records_published_by_a_bulk_import_alert_too(make):
    from kb.transfer.importer import run_import
    from tests.test_transfer_import import csv_rows, request_row

    make.country("KEN")
    provider = make.user("provider")
    with unit_of_work():
        alerts.save_search(provider, "requests", _args("theme=incident_response"))
    rows = [request_row("r-1"), request_row("r-2", status="draft")]
    report = run_import(csv_rows(rows), "requests")
    assert report.created == 2
    (note,) = _notes(provider)  # the open one only: a draft is not published
    assert "Incident response training r-1" in note.text


def test_a_large_batch_gives_one_notification_and_a_bounded_email(make, sink):
    from kb.alerts.emails import MAX_LISTED

    provider = make.user("provider")
    with unit_of_work():
        saved = alerts.save_search(provider, "requests", _args(""), frequency="instant")
    records = [make.request(country="KEN", status="submitted") for _ in range(MAX_LISTED + 3)]
    with unit_of_work():
        for record in records:
            apply_transition(None, record, "publish")
    (note,) = _notes(provider)
    assert note.text.startswith(f"{MAX_LISTED + 3} new matches") and note.link == (
        f"/alerts/{saved.id}"
    )
    (raw,) = wait_for(sink)
    body = _message(raw).get_content()
    assert body.count("/requests/") == MAX_LISTED and "… and 3 more: http" in body


def test_the_offer_is_on_the_owners_record_pages(client, make):
    request = make.request(country="SEN", themes=["cybercrime"])
    other = make.request(country="KEN", themes=["cybercrime"])
    focal = make.user("focal_point", country="SEN")
    _login(client, focal)
    assert "Set this alert" in client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Set this alert" not in client.get(f"/requests/{other.id}").get_data(as_text=True)
    provider = make.user("provider")
    programme = make.programme(organisation=provider.organisation)
    client.post("/account/logout")
    _login(client, provider)
    assert "Set this alert" in client.get(f"/programmes/{programme.id}").get_data(as_text=True)


# --- the API ------------------------------------------------------------------------------


def test_api_saved_searches_are_the_callers_own(client, make):
    focal = make.user("focal_point", country="SEN")
    other = make.user("focal_point", country="KEN")
    body = {"kind": "programmes", "params": {"theme": ["cybercrime"], "page": ["2"]}}
    assert client.get("/api/v1/saved-searches").status_code == 401
    assert client.post("/api/v1/saved-searches", json=body).status_code == 401
    _login(client, focal)
    created = client.post("/api/v1/saved-searches", json=body)
    assert created.status_code == 201, created.json
    item = created.json
    assert item["params"] == {"theme": ["cybercrime"]} and item["frequency"] == "app"
    assert item["name"] == "Programmes: Cybercrime"
    assert item["links"]["results"].endswith("/programmes?theme=cybercrime")
    assert client.post("/api/v1/saved-searches", json=body).status_code == 409
    bad = client.post("/api/v1/saved-searches", json={"kind": "nonsense", "frequency": "hourly"})
    assert bad.status_code == 422 and {"kind", "frequency"} <= set(bad.json["errors"])
    listed = client.get("/api/v1/saved-searches").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == item["id"]
    path = f"/api/v1/saved-searches/{item['id']}"
    patched = client.patch(path, json={"frequency": "daily", "name": "  Cybercrime offers "})
    assert patched.status_code == 200
    assert (patched.json["name"], patched.json["frequency"]) == ("Cybercrime offers", "daily")
    assert client.patch(path, json={"frequency": "hourly"}).status_code == 422
    match = make.programme(title="Forensics for police", themes=["cybercrime"], status="submitted")
    _publish(match)
    assert client.get(path).json["new_last_7_days"] == 1
    client.post("/account/logout")
    _login(client, other)  # someone else's saved search does not exist for them
    assert client.get(path).status_code == 404
    assert client.post(path + "/delete").status_code == 404
    assert client.get("/api/v1/saved-searches").json["total"] == 0
    client.post("/account/logout")
    _login(client, focal)
    assert client.post(path + "/delete").status_code == 204
    assert client.get(path).status_code == 404
