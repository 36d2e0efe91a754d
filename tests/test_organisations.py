"""Organisations: added and edited by the Secretariat only, with history and reindexing."""

from __future__ import annotations

from kb.extensions import db
from kb.models import Organisation, Revision
from kb.searching.service import search_service
from search import SearchQuery

FORM = {
    "name": "Pacific CERT Network",
    "acronym": "PaCSON",
    "type": "technical_community",
    "country_code": "",
    "website": "https://pacson.example",
    "description": "CERTs of the Pacific.",
}


def test_secretariat_adds_and_edits_with_history(client, auth, make):
    auth.login(make.user("secretariat").email)
    assert client.post("/organisations/new", data=FORM).status_code == 302
    org = db.session.scalar(db.select(Organisation).where(Organisation.acronym == "PaCSON"))
    edited = client.post(
        f"/organisations/{org.id}/edit", data={**FORM, "name": "Pacific CSIRT Network"}
    )
    assert edited.status_code == 302
    page = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert "Pacific CSIRT Network" in page and "<h2>History</h2>" in page
    actions = db.session.scalars(
        db.select(Revision.action).where(Revision.record_kind == "organisation")
    ).all()
    assert sorted(actions) == ["created", "edited"]


def test_errors_name_the_field_and_duplicates_are_refused(client, auth, make):
    make.organisation(name="Existing Org")
    auth.login(make.user("secretariat").email)
    body = client.post("/organisations/new", data={**FORM, "name": "existing org"}).get_data(
        as_text=True
    )
    assert 'id="name-err"' in body and "exists" in body
    body = client.post("/organisations/new", data={**FORM, "website": "not a url"}).get_data(
        as_text=True
    )
    assert 'id="website-err"' in body
    assert db.session.query(Organisation).count() == 1


def test_others_may_not_manage_organisations(client, auth, make):
    org = make.organisation()
    assert client.get("/organisations/new").status_code == 302  # login first
    auth.login(make.user("provider", organisation=org).email)
    assert client.get("/organisations/new").status_code == 403
    assert client.post(f"/organisations/{org.id}/edit", data=FORM).status_code == 403
    assert "<h2>History</h2>" not in client.get(f"/organisations/{org.id}").get_data(as_text=True)


def test_renaming_reindexes_its_programmes(client, auth, make):
    org = make.organisation(name="Old Name Institute", type="academia")
    make.programme(org, title="Forensics bootcamp")
    search_service().reindex()
    auth.login(make.user("secretariat").email)
    client.post(
        f"/organisations/{org.id}/edit",
        data={**FORM, "name": "Zebrafinch Institute", "type": "academia"},
    )
    result = search_service().search(
        SearchQuery(text="zebrafinch", viewer_tokens=frozenset({"public"}))
    )
    assert [h.title for h in result.hits] == ["Forensics bootcamp"]


def test_an_unlisted_organisation_is_added_from_the_queue_then_the_account_approved(
    client, auth, make
):
    waiting = make.user(None, status="pending", email="new@pacson.example")
    waiting.represents = "Pacific CERT Network"
    db.session.commit()
    auth.login(make.user("secretariat").email)
    queue = client.get("/secretariat/queue").get_data(as_text=True)
    link = "/organisations/new?name=Pacific+CERT+Network&amp;back=queue"
    assert link in queue
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Pacific CERT Network"' in form and 'href="/secretariat/queue">Cancel' in form
    added = client.post("/organisations/new?back=queue", data=FORM)
    assert added.status_code == 302 and added.headers["Location"].endswith("/secretariat/queue")
    org = db.session.scalar(db.select(Organisation).where(Organisation.acronym == "PaCSON"))
    queue = client.get("/secretariat/queue").get_data(as_text=True)
    assert "PaCSON" in queue and "you can now approve the account" in queue
    approved = client.post(
        f"/secretariat/accounts/{waiting.id}/approve",
        data={"role": "provider", "country_code": "", "organisation_id": str(org.id)},
    )
    assert approved.status_code == 302
    db.session.refresh(waiting)
    assert (waiting.status, waiting.organisation_id) == ("active", org.id)


def test_history_is_in_the_page_not_its_title_and_shows_comments(
    client, auth, make, runner, tmp_path
):
    from kb.transfer.formats import write

    path = tmp_path / "organisations.csv"
    rows = [{"key": "pac", "name": "Pacific CERT Network", "type": "technical_community"}]
    path.write_bytes(write(rows, "organisations", "csv"))
    assert runner.invoke(args=["kb", "import", str(path)]).exit_code == 0
    org = db.session.scalar(db.select(Organisation).where(Organisation.external_key == "pac"))
    auth.login(make.user("secretariat").email)
    page = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    title = page[page.index("<title>") : page.index("</title>")]
    assert title == "<title>Pacific CERT Network · Capacity Exchange"
    assert page.count("<h2>History</h2>") == 1
    assert "Imported from the command line (organisations.csv)" in page
