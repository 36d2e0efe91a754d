"""Bulk import: validation by the catalogue's schemas, all-or-nothing, idempotent, duplicates."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from sqlalchemy import func, select

from kb.extensions import db
from kb.models import ImportUpload, JobRecord, Organisation, Programme, Request, Revision
from kb.transfer.formats import parse, write
from kb.transfer.importer import run_import
from kb.transfer.reading import read_file

DESCRIPTION = "Our national CERT needs training for analysts in malware triage."


def request_row(key: str, **kw: object) -> dict[str, object]:
    return {
        "key": key,
        "country": "KEN",
        "title": f"Incident response training {key}",
        "description": DESCRIPTION,
        "themes": ["incident_response"],
        "support_types": ["training"],
        "languages": ["en", "fr"],
        "visibility": "public",
        "status": "open",
        **kw,
    }


def csv_rows(rows: list[dict[str, object]], kind: str = "requests") -> list[tuple[int, dict]]:
    return read_file(write(rows, kind, "csv"), kind)[1]


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_csv_import_creates_then_is_idempotent_then_updates(make) -> None:
    make.country("KEN")
    rows = [request_row("r-1"), request_row("r-2", title="Cybercrime legislation review")]
    report = run_import(csv_rows(rows), "requests")
    assert report.ok and (report.created, report.updated, report.unchanged) == (2, 0, 0)
    record = db.session.scalar(select(Request).where(Request.external_key == "r-1"))
    assert record.languages == ["en", "fr"] and record.status == "open"
    assert record.published_at is not None

    again = run_import(csv_rows(rows), "requests")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count(Request) == 2

    rows[0]["urgency"] = "high"
    changed = run_import(csv_rows(rows), "requests")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    db.session.expire_all()
    actions = db.session.scalars(
        select(Revision.action).where(Revision.record_id == record.id).order_by(Revision.id)
    ).all()
    assert actions == ["imported", "edited"]


def test_one_bad_row_writes_nothing_and_every_bad_row_is_listed(make) -> None:
    make.country("KEN")
    rows = [
        request_row("ok-1"),
        request_row("bad-1", themes=["not_a_theme"]),
        request_row("ok-2", title="Cyber diplomacy course"),
        request_row("bad-2", title="", country="XXX"),
        request_row("ok-1", title="Same key again, another row"),
    ]
    report = run_import(csv_rows(rows), "requests")
    assert not report.ok and count(Request) == 0 and count(Revision) == 0
    found = {(i.row, i.field) for i in report.errors}
    assert found == {(3, "themes"), (5, "title"), (5, "country"), (6, "key")}
    assert "nothing written" in report.summary()


def test_dry_run_reports_but_writes_nothing(make) -> None:
    make.country("KEN")
    report = run_import(csv_rows([request_row("d-1")]), "requests", dry_run=True)
    assert report.ok and report.created == 1 and count(Request) == 0


def test_probable_duplicates_are_warnings(make) -> None:
    make.request("KEN", title="National CERT training for analysts")
    rows = [
        request_row("n-1", title="National CERT training for analysts."),
        request_row("n-2", title="Critical infrastructure protection plan"),
        request_row("n-3", title="Critical infrastructure protection plans"),
    ]
    report = run_import(csv_rows(rows), "requests")
    assert report.ok and report.created == 3
    assert [i.row for i in report.duplicates] == [2, 3]  # one warning per group
    assert report.duplicates[0].message.startswith("Same as request ")
    assert report.duplicates[1].message.startswith("On 2 rows (3, 4): ")
    assert report.duplicate_headline == (
        "2 titles appear more than once or match existing records: "
        "“National CERT training for analysts.”, “Critical infrastructure protection plan”"
    )


def test_many_copies_of_a_title_give_one_grouped_warning() -> None:
    """Blocked by a normalised key: 400 near-identical titles are one warning, not 79,800."""
    from tests.factories import Factory

    Factory().country("KEN")
    rows = [request_row(f"c-{i}", title=f"Incident response training ({i})") for i in range(400)]
    report = run_import(csv_rows(rows), "requests", dry_run=True)
    assert report.ok and len(report.duplicates) == 1
    assert report.duplicates[0].message.startswith("On 400 rows (2, 3, 4, ")
    assert report.duplicate_headline.startswith("1 title appears more than once")


def test_organisations_and_programmes_by_key(make) -> None:
    make.country("KEN")
    orgs = [{"key": "org-a", "name": "Alpha Institute", "type": "academia", "country": "KEN"}]
    data = json.dumps({"kind": "organisations", "records": orgs}).encode()
    kind, rows = read_file(data)
    assert kind == "organisations" and run_import(rows, kind).created == 1
    programme = {
        "key": "p-1",
        "organisation": "org-a",
        "title": "CSIRT basics programme",
        "description": "A programme that trains incident responders across regions.",
        "themes": ["incident_response"],
        "support_types": ["training"],
        "languages": ["en"],
        "eligible_regions": ["Africa"],
        "start_date": "2026-01-01",
        "end_date": "2026-06-30",
        "status": "open",
    }
    bad = {**programme, "key": "p-2", "organisation": "nobody", "end_date": "2025-01-01"}
    kind, rows = read_file(write([programme, bad], "programmes", "xlsx"))
    report = run_import(rows, kind)
    assert {(i.row, i.field) for i in report.errors} == {(3, "organisation"), (3, "end_date")}
    kind, rows = read_file(write([programme], "programmes", "xlsx"))
    assert run_import(rows, kind).created == 1
    saved = db.session.scalar(select(Programme))
    org = db.session.scalar(select(Organisation))
    assert saved.organisation_id == org.id and saved.eligible_regions == ["Africa"]


def test_states_may_be_named_instead_of_coded(make) -> None:
    """A spreadsheet kept by people names states ("Kenya", "Côte d'Ivoire"): the same as codes."""
    for iso3 in ("KEN", "CIV", "GHA"):
        make.country(iso3)
    rows = [request_row("n-1", country="Kenya"), request_row("n-2", country="Narnia")]
    report = run_import(csv_rows(rows), "requests")
    assert [(i.row, i.field) for i in report.errors] == [(3, "country")]
    report = run_import(csv_rows(rows[:1]), "requests")
    assert report.ok and db.session.scalar(select(Request)).country_code == "KEN"


def test_formula_cells_are_neutralised_and_read_back(make) -> None:
    row = request_row("f-1", title="=HYPERLINK(1)", target_audience="@analysts")
    for fmt in ("csv", "xlsx"):
        data = write([row], "requests", fmt)
        if fmt == "csv":
            assert "'=HYPERLINK" in data.decode("utf-8-sig")
        _, rows = parse(data if fmt == "xlsx" else data.decode("utf-8-sig"), fmt)
        assert rows[0][1]["title"] == "=HYPERLINK(1)"
        assert rows[0][1]["target_audience"] == "@analysts"


def test_cli_import_with_summary(make, runner, tmp_path: Path) -> None:
    make.country("KEN")
    path = tmp_path / "requests.csv"
    path.write_bytes(write([request_row("c-1")], "requests", "csv"))
    result = runner.invoke(args=["kb", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output and count(Request) == 0
    assert "Writing requests (dry run: rolled back)" in result.output
    result = runner.invoke(args=["kb", "import", str(path), "--kind", "requests"])
    assert result.exit_code == 0 and count(Request) == 1
    assert "Writing requests" in result.output and "rolled back" not in result.output
    path.write_bytes(write([request_row("c-2", country="ZZZ")], "requests", "csv"))
    result = runner.invoke(args=["kb", "import", str(path)])
    assert result.exit_code == 1 and "row 2, country" in result.output


def test_cli_import_of_several_files_catches_up_once(make, runner, tmp_path, monkeypatch) -> None:
    """Each file is committed in turn; the index and match updates run once, after the last
    file, for what all of them changed (one fit of the matcher, not one per file)."""
    import kb.jobs
    from kb.models import MatchSuggestion

    make.country("KEN")
    programme = make.programme(
        title="Incident response training for national CERT analysts",
        description=DESCRIPTION,
        themes=["incident_response"],
        support_types=["training"],
    )
    db.session.commit()
    sent: list[str] = []
    real = kb.jobs.enqueue

    def counting(name: str, **kwargs: object) -> None:
        sent.append(name)
        real(name, **kwargs)

    monkeypatch.setattr(kb.jobs, "enqueue", counting)
    first, second, bad = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    first.write_bytes(write([request_row("m-1")], "requests", "csv"))
    second.write_bytes(write([request_row("m-2")], "requests", "csv"))
    result = runner.invoke(args=["kb", "import", str(first), str(second), "--kind", "requests"])
    assert result.exit_code == 0, result.output
    assert "a.csv: requests: 1 row" in result.output and "b.csv: requests" in result.output
    assert sent.count("match.refresh") == 1 and sent.count("search.drain") == 1
    listed = set(
        db.session.scalars(
            select(MatchSuggestion.request_id).where(
                MatchSuggestion.side == "request", MatchSuggestion.programme_id == programme.id
            )
        )
    )
    ids = set(db.session.scalars(select(Request.id).where(Request.external_key.like("m-%"))))
    assert len(ids) == 2 and listed == ids

    # A bad file stops the command; the files written before it are still caught up.
    sent.clear()
    first.write_bytes(write([request_row("m-3")], "requests", "csv"))
    bad.write_bytes(write([request_row("m-4", country="ZZZ")], "requests", "csv"))
    result = runner.invoke(args=["kb", "import", str(first), str(bad), str(second)])
    assert result.exit_code == 1 and "row 2, country" in result.output
    assert sent.count("match.refresh") == 1
    new = db.session.scalar(select(Request).where(Request.external_key == "m-3"))
    assert new is not None and count(Request) == 3
    assert db.session.scalar(
        select(func.count()).where(
            MatchSuggestion.side == "request", MatchSuggestion.request_id == new.id
        )
    )


def follow_import(client, response, timeout: float = 60) -> str:
    """Follow a web import from the upload's redirect to its finished page, as the page's
    script does: poll the JSON status until the job has finished; return the page."""
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(location + ".json").get_json()
        if status["finished"]:
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    page = client.get(location)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def upload(client, data: bytes, name: str = "requests.csv", **fields: str):
    return client.post(
        "/secretariat/import",
        data={"file": (io.BytesIO(data), name), "kind": "", **fields},
        content_type="multipart/form-data",
    )


def test_upload_page_for_the_secretariat_only(make, client, auth) -> None:
    make.country("KEN")
    focal = make.user("focal_point")
    admin = make.user("secretariat")
    auth.login(focal.email)
    assert client.get("/secretariat/import").status_code == 403
    auth.logout()
    auth.login(admin.email)
    assert client.get("/secretariat/import").status_code == 200
    data = write([request_row("w-1"), request_row("w-2", themes=["nope"])], "requests", "csv")
    page = follow_import(client, upload(client, data, dry_run=""))
    assert "Nothing was imported" in page
    assert "Unknown code nope." in page and count(Request) == 0
    data = write([request_row("w-1")], "requests", "csv")
    page = follow_import(client, upload(client, data, kind="requests"))
    assert "Imported" in page and count(Request) == 1
    revision = db.session.scalar(select(Revision))
    assert revision.action == "imported" and revision.user_id == admin.id
    assert revision.comment == "Imported from requests.csv"
    response = upload(client, b"\x00\x01binary", "x.csv", kind="requests")
    assert response.status_code == 200
    assert "Upload a CSV, XLSX or JSON file." in response.get_data(as_text=True)
    assert count(ImportUpload) == 0  # the uploads of finished imports are gone


def test_a_web_import_runs_as_a_job_with_progress_then_its_report(make, client, auth) -> None:
    """The upload answers at once with the job's page; the page (or its JSON twin, which the
    page's script polls) shows the step and a progress bar, then the report; the import is
    all-or-nothing and the imported records are searchable afterwards."""
    make.country("KEN")
    admin = make.user("secretariat")
    auth.login(admin.email)
    rows = [request_row(f"big-{i}", title=f"Cyber incident drill {i}") for i in range(300)]
    response = upload(client, write(rows, "requests", "csv"), dry_run="")
    location = response.headers["Location"]
    running = client.get(location)
    assert running.status_code == 200 and "Import" in running.get_data(as_text=True)
    page = follow_import(client, response)
    assert "300 rows imported." in page and "<dt>Created</dt><dd>300</dd>" in page
    assert count(Request) == 300
    status = client.get(location + ".json").get_json()
    assert status["finished"] and status["percent"] == 100 and status["status"] == "done"
    found = client.get("/search.json?q=drill").get_json()
    assert found["total"] == 300
    job = db.session.get(JobRecord, int(location.rsplit("/", 1)[1]))
    assert job.progress == job.total == 600  # every row checked, then written

    # one bad row in a large file: nothing written, every bad row listed
    rows = [request_row(f"more-{i}") for i in range(200)] + [request_row("bad", country="ZZZ")]
    page = follow_import(client, upload(client, write(rows, "requests", "csv"), dry_run=""))
    assert "Nothing was imported" in page and "Unknown country code ZZZ." in page
    assert count(Request) == 300


def test_the_progress_page_works_without_javascript_and_is_the_secretariats(
    app, make, client, auth
) -> None:
    """While an import runs its page refreshes itself (no script needed) and shows a
    progress bar; other roles get 403, an unknown job 404."""
    from kb.jobs.records import create_tracked

    admin = make.user("secretariat")
    focal = make.user("focal_point")
    job = create_tracked("transfer.import", {"upload_id": 0, "kind": "requests"}, admin.id)
    auth.login(admin.email)
    page = client.get(f"/secretariat/import/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page and "<progress" in page
    assert "Waiting for a worker" in page
    assert client.get("/secretariat/import/999999").status_code == 404
    auth.logout()
    auth.login(focal.email)
    assert client.get(f"/secretariat/import/{job.id}").status_code == 403
    assert client.get(f"/secretariat/import/{job.id}.json").status_code == 403


def test_a_failed_import_job_is_shown_and_listed_for_the_secretariat(make, client, auth) -> None:
    """A job that fails (here: its upload is gone) says so on its page, writes nothing and is
    listed on the failed jobs page."""
    from kb.jobs import enqueue_tracked

    admin = make.user("secretariat")
    auth.login(admin.email)
    job_id = enqueue_tracked(
        "transfer.import", user_id=admin.id, upload_id=424242, kind="requests", dry_run=False
    )
    deadline = time.monotonic() + 30
    while not client.get(f"/secretariat/import/{job_id}.json").get_json()["finished"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    page = client.get(f"/secretariat/import/{job_id}").get_data(as_text=True)
    assert "The import failed: nothing was written" in page
    assert "the uploaded file of import job" in page
    assert "transfer.import" in client.get("/secretariat/jobs").get_data(as_text=True)


def org_row(**kw: object) -> dict[str, object]:
    return {"key": "org-a", "name": "Alpha Institute", "type": "academia", "country": "KEN", **kw}


def org_rows(**kw: object) -> list[tuple[int, dict]]:
    return csv_rows([org_row(**kw)], "organisations")


def test_imported_organisations_get_revisions_naming_the_actor(make) -> None:
    make.country("KEN")
    admin = make.user("secretariat")
    assert run_import(org_rows(), "organisations", admin).created == 1
    org = db.session.scalar(select(Organisation).where(Organisation.external_key == "org-a"))
    report = run_import(org_rows(name="Alpha Institute of Technology"), "organisations", admin)
    assert (report.updated, report.unchanged) == (1, 0)
    assert run_import(org_rows(name="Alpha Institute of Technology"), "organisations").unchanged
    revisions = db.session.scalars(
        select(Revision).where(Revision.record_kind == "organisation").order_by(Revision.id)
    ).all()
    assert [(r.action, r.record_id, r.user_id) for r in revisions] == [
        ("created", org.id, admin.id),
        ("edited", org.id, admin.id),
    ]
    assert revisions[0].changes["name"] == [None, "Alpha Institute"]
    assert revisions[1].changes == {"name": ["Alpha Institute", "Alpha Institute of Technology"]}


def test_renaming_an_organisation_by_import_reindexes_its_programmes(make) -> None:
    from kb.searching.service import search_service
    from search import SearchQuery

    org = make.organisation(external_key="org-z", name="Old Name Institute", type="academia")
    make.programme(org, title="Forensics bootcamp")
    search_service().reindex()
    rows = csv_rows(
        [{"key": "org-z", "name": "Zebrafinch Institute", "type": "academia"}], "organisations"
    )
    assert run_import(rows, "organisations").updated == 1
    found = search_service().search(
        SearchQuery(text="zebrafinch", viewer_tokens=frozenset({"public"}))
    )
    assert [h.title for h in found.hits] == ["Forensics bootcamp"]


def test_organisation_names_are_unique_regardless_of_case(make) -> None:
    make.organisation(name="Alpha Institute")
    report = run_import(org_rows(name="ALPHA institute", country=""), "organisations")
    assert [(i.row, i.field) for i in report.errors] == [(2, "name")]
    assert count(Organisation) == 1 and count(Revision) == 0


def revisions_of(kind: str) -> list[Revision]:
    query = select(Revision).where(Revision.record_kind == kind).order_by(Revision.id)
    return list(db.session.scalars(query))


def test_cli_import_as_a_secretariat_account_names_it_in_history(make, runner, tmp_path) -> None:
    make.country("KEN")
    admin = make.user("secretariat", email="Admin@Example.org")
    path = tmp_path / "requests.csv"
    path.write_bytes(write([request_row("a-1")], "requests", "csv"))
    result = runner.invoke(args=["kb", "import", str(path), "--as", "admin@example.org"])
    assert result.exit_code == 0, result.output
    path.write_bytes(write([request_row("a-1", urgency="high")], "requests", "csv"))
    result = runner.invoke(args=["kb", "import", str(path), "--as", "admin@example.org"])
    assert result.exit_code == 0 and "1 updated" in result.output
    organisations = tmp_path / "organisations.csv"
    organisations.write_bytes(write([org_row()], "organisations", "csv"))
    result = runner.invoke(args=["kb", "import", str(organisations), "--as", admin.email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    found = [(r.action, r.user_id, r.comment) for r in revisions_of("request")]
    source = "Imported from the command line (requests.csv)"
    assert found == [("imported", admin.id, source), ("edited", admin.id, source)]
    created = db.session.scalar(select(Request))
    assert created.created_by_id == admin.id
    [org_revision] = revisions_of("organisation")
    assert (org_revision.action, org_revision.user_id) == ("created", admin.id)
    assert org_revision.comment == "Imported from the command line (organisations.csv)"


def test_cli_import_without_an_account_says_where_it_came_from(make, runner, tmp_path) -> None:
    make.country("KEN")
    path = tmp_path / "batch-7.csv"
    path.write_bytes(write([request_row("b-1")], "requests", "csv"))
    assert runner.invoke(args=["kb", "import", str(path)]).exit_code == 0
    [revision] = revisions_of("request")
    assert (revision.action, revision.user_id) == ("imported", None)
    assert revision.comment == "Imported from the command line (batch-7.csv)"


def test_cli_import_as_refuses_other_accounts(make, runner, tmp_path) -> None:
    make.country("KEN")
    make.user("secretariat", email="gone@example.org", status="disabled")
    make.user("focal_point", email="focal@example.org")
    path = tmp_path / "requests.csv"
    path.write_bytes(write([request_row("x-1")], "requests", "csv"))
    for email, message in (
        ("nobody@example.org", "no account has the email nobody@example.org"),
        ("gone@example.org", "the account gone@example.org is not active (disabled)"),
        ("focal@example.org", "the account focal@example.org is not a Secretariat account"),
    ):
        result = runner.invoke(args=["kb", "import", str(path), "--as", email])
        assert result.exit_code == 1 and message in result.output, result.output
    assert count(Request) == 0


def existing_request(make, key: str, status: str = "open") -> Request:
    """A request as ``request_row(key)`` describes it, so that only the status differs."""
    title = request_row(key)["title"]
    return make.request("KEN", external_key=key, title=title, languages=["en", "fr"], status=status)


def test_status_changes_follow_the_lifecycle_and_keep_history(make) -> None:
    admin = make.user("secretariat")
    open_one = existing_request(make, "s-1", "open")
    waiting = existing_request(make, "s-2", "submitted")
    rows = [request_row("s-1", status="closed"), request_row("s-2", status="open")]
    report = run_import(csv_rows(rows), "requests", admin, comment="Spring batch")
    assert report.ok and (report.updated, report.unchanged) == (2, 0)
    db.session.expire_all()
    assert (open_one.status, waiting.status) == ("closed", "open")
    assert waiting.published_at is not None
    found = [(r.record_id, r.action, r.changes, r.user_id) for r in revisions_of("request")]
    assert found == [
        (open_one.id, "close", {"status": ["open", "closed"]}, admin.id),
        (waiting.id, "publish", {"status": ["submitted", "open"]}, admin.id),
    ]
    assert {r.comment for r in revisions_of("request")} == {"Spring batch"}


def test_withdrawn_then_reinstated_by_import(make) -> None:
    record = existing_request(make, "w-1", "matched")
    assert run_import(csv_rows([request_row("w-1", status="withdrawn")]), "requests").updated
    report = run_import(csv_rows([request_row("w-1", status="open")]), "requests")
    assert [str(i) for i in report.errors] == [
        "row 2, status: The status cannot go from withdrawn to open in one step; allowed: matched."
    ]
    assert run_import(csv_rows([request_row("w-1", status="matched")]), "requests").updated
    db.session.expire_all()
    assert record.status == "matched"
    assert [r.action for r in revisions_of("request")] == ["withdraw", "reinstate"]


def test_a_status_change_that_is_not_allowed_is_an_error_and_nothing_is_written(make) -> None:
    existing_request(make, "d-1", "draft")
    existing_request(make, "o-1", "open")
    rows = [
        request_row("new-1", title="Cyber diplomacy course"),
        request_row("d-1", status="open"),
        request_row("o-1", status="draft", urgency="high"),
        request_row("bad-1", themes=["nope"]),
    ]
    report = run_import(csv_rows(rows), "requests")
    assert [str(i) for i in report.errors] == [
        "row 3, status: The status cannot go from draft to open in one step; "
        "allowed: submitted, withdrawn.",
        "row 4, status: “Return to owner” needs a comment for the owner: use that action on the "
        "record's page.",
        "row 5, themes: Unknown code nope.",
    ]
    assert count(Request) == 2 and count(Revision) == 0
    rows = db.session.execute(select(Request.status, Request.urgency).order_by(Request.id)).all()
    assert [tuple(r) for r in rows] == [("draft", "medium"), ("open", "medium")]


def test_an_empty_status_leaves_an_existing_record_as_it_is(make) -> None:
    record = existing_request(make, "e-1", "in_progress")
    report = run_import(csv_rows([request_row("e-1", status="")]), "requests")
    assert report.ok and report.unchanged == 1 and record.status == "in_progress"
    assert run_import(csv_rows([request_row("e-2", status="")]), "requests").created == 1
    created = db.session.scalar(select(Request).where(Request.external_key == "e-2"))
    assert created.status == "draft"


def test_status_changes_get_the_actors_rights_check(make) -> None:
    focal = make.user("focal_point", country="KEN")
    existing_request(make, "f-1", "draft")
    report = run_import(csv_rows([request_row("f-1", status="submitted")]), "requests", focal)
    assert report.updated == 1
    report = run_import(csv_rows([request_row("f-1", status="open")]), "requests", focal)
    assert [i.message for i in report.errors] == [
        "The status cannot go from submitted to open in one step; allowed: withdrawn."
    ]


def test_one_upload_limit_with_the_apps_own_message(app, client, auth, make):
    """KB_MAX_UPLOAD_MB is the only limit: the import page refuses a larger file in its words."""
    app.config.update(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=1024 * 1024 + 64 * 1024)
    admin = make.user("secretariat")
    auth.login(admin.email)
    import io

    big = b"key,title\n" + b"x" * (2 * 1024 * 1024)
    body = (  # built by hand: the test client would spool a large form to an unclosed file
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + big + b"\r\n--b--\r\n"
    )
    response = client.post(
        "/secretariat/import",
        data=io.BytesIO(body),
        content_type="multipart/form-data; boundary=b",
        content_length=len(body),
    )
    assert response.status_code == 413
    assert "The file is too large: the limit is 1 MB." in response.get_data(as_text=True)


def test_an_import_report_speaks_the_language_of_the_one_who_imported(make, client, auth) -> None:
    """The background job words its row messages in the uploader's language (profile)."""
    make.country("KEN")
    admin = make.user("secretariat")
    admin.locale = "fr"
    db.session.commit()
    auth.login(admin.email)
    rows = [request_row("ok-1"), request_row("bad", country="ZZZ"), request_row("")]
    page = follow_import(client, upload(client, write(rows, "requests", "csv"), dry_run=""))
    assert "Rien n’a été importé" in page
    assert "Code de pays inconnu : ZZZ." in page
    assert "Une clé est requise (elle identifie la fiche)." in page
    assert 'lang="fr"' in page and "3 lignes lues ; rien n’a été écrit." in page


def test_pages_keep_reading_while_a_large_import_writes(app, make, client) -> None:
    """A large write (an import's transaction, a match refresh) does not make pages fail with
    "database is locked": SQLite runs in write-ahead-log mode (PostgreSQL always reads)."""
    from sqlalchemy import insert

    make.country("KEN")
    with db.engine.connect() as writer, writer.begin():
        if db.engine.dialect.name == "sqlite":
            writer.exec_driver_sql("PRAGMA cache_size = 1")  # spill to the file at once
        rows = [
            {"record_kind": "request", "record_id": i, "action": "imported", "changes": {}}
            for i in range(3000)
        ]
        writer.execute(insert(Revision), rows)
        started = time.monotonic()
        assert client.get("/countries/KEN").status_code == 200
        assert time.monotonic() - started < 10


def test_a_web_import_runs_in_a_child_process_with_the_embedded_queue(
    app, make, client, auth, monkeypatch, database_url, tmp_path
) -> None:
    """With the embedded queue in its ``background`` mode (servers), a web import runs in a
    child process (``flask kb jobs perform``), so the web process does not keep the memory a
    large import and its follow-up used; the page follows it as usual."""
    import kb.jobs.queue as queue_module

    for name, value in {
        "KB_DATABASE_URL": database_url,
        "KB_SECRET_KEY": "test-secret",
        "KB_SEARCH_BACKEND": "memory",
        "KB_SEARCH_DIR": str(tmp_path / "index"),
    }.items():  # the child is configured from the environment, as a server is
        monkeypatch.setenv(name, value)
    app.config["EMBEDDED_JOBS"] = "background"
    app.extensions.pop("kb_jobs", None)

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the import ran in the web process")

    monkeypatch.setattr(queue_module, "run_with_retries", not_here)
    make.country("KEN")
    admin = make.user("secretariat")
    auth.login(admin.email)
    rows = [request_row(f"child-{i}", title=f"Cyber incident drill {i}") for i in range(30)]
    page = follow_import(client, upload(client, write(rows, "requests", "csv"), dry_run=""), 180)
    assert "30 rows imported." in page
    db.session.expire_all()
    assert count(Request) == 30
    app.extensions.pop("kb_jobs", None)


def test_the_report_is_worded_in_the_importer_s_language(make) -> None:
    """Duplicate warnings, the headline and status refusals in the language of the one who
    imports (the job runs under ``in_language_of``; here ``force_locale``)."""
    from flask_babel import force_locale

    make.request("KEN", title="National CERT training for analysts")
    existing_request(make, "w-9", "withdrawn")
    rows = [
        request_row("n-1", title="National CERT training for analysts."),
        request_row("n-2", title="Critical infrastructure protection plan"),
        request_row("n-3", title="Critical infrastructure protection plans"),
    ]
    with force_locale("fr"):
        report = run_import(csv_rows(rows), "requests", dry_run=True)
        headline = report.duplicate_headline
        refused = run_import(csv_rows([request_row("w-9", status="open")]), "requests")
    assert report.duplicates[0].message.startswith("Comme demande ")
    assert report.duplicates[1].message.startswith("Sur 2 lignes (3, 4) : ")
    assert headline.startswith("2 titres figurent plusieurs fois")
    assert refused.errors[0].message.startswith("Le statut ne peut pas passer de withdrawn à open")


def test_cli_import_history_comment_in_the_language_of_the_account(make, runner, tmp_path) -> None:
    """The command line speaks English; the history comment that people read on the pages is
    worded in the language of the Secretariat member named by --as."""
    make.country("KEN")
    admin = make.user("secretariat", email="sg@example.org")
    admin.locale = "fr"
    db.session.commit()
    path = tmp_path / "demandes.csv"
    path.write_bytes(write([request_row("fr-1")], "requests", "csv"))
    result = runner.invoke(args=["kb", "import", str(path), "--as", admin.email])
    assert result.exit_code == 0, result.output
    assert "created" in result.output  # the report itself stays English
    [revision] = revisions_of("request")
    assert revision.comment == "Importé en ligne de commande (demandes.csv)"
