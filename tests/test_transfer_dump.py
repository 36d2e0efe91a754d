"""Round trips: export-all → import-all and backup → restore give identical databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from kb.catalogue import operations
from kb.extensions import db
from kb.history import record_revision
from kb.models import Match, Request
from kb.transfer.dump import CATALOGUE_TABLES, backup_document, catalogue_document
from kb.uow import unit_of_work
from tests.factories import Factory

KEEP_USERS = ("users", "countries")


def wipe(keep: tuple[str, ...] = ()) -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in keep]
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql" and not keep:
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
        else:
            for table in tables:
                conn.execute(table.delete())


def build_catalogue(make: Factory) -> None:
    make.country("KEN")
    admin = make.user("secretariat", email="admin@example.org")
    focal = make.user("focal_point", country="KEN", email="focal@example.org")
    org = make.organisation(external_key="org-1", name="Org One")
    data = {
        "title": "Malware triage training",
        "description": "Our national CERT needs training for analysts in malware triage.",
        "themes": ["incident_response"],
        "support_types": ["training"],
        "languages": ["en", "fr"],
    }
    with unit_of_work():
        request = operations.create_request(focal, {**data, "country_code": "KEN"})
        request.external_key = "req-1"
        operations.change_status(focal, request, "submit")
        operations.change_status(admin, request, "publish")
        programme = operations.create_programme(
            admin,
            {**data, "organisation_id": org.id, "title": "CSIRT course", "end_date": "2027-01-02"},
        )
        operations.change_status(admin, programme, "submit")
        operations.change_status(admin, programme, "publish")
        match = Match(
            request_id=request.id,
            programme_id=programme.id,
            status="proposed",
            proposed_by_side="requester",
            proposed_by_id=focal.id,
            message="Could this fit?",
            score=0.42,
        )
        db.session.add(match)
        db.session.flush()
        record_revision(match, focal, "proposed", {"status": [None, "proposed"]})


def test_export_all_then_import_all_is_identical(make, runner, tmp_path: Path) -> None:
    build_catalogue(make)
    before = catalogue_document()["tables"]
    assert set(before) == set(CATALOGUE_TABLES) and len(before["revisions"]) >= 7
    path = tmp_path / "catalogue.json"
    assert runner.invoke(args=["kb", "export-all", str(path)]).exit_code == 0

    refused = runner.invoke(args=["kb", "import-all", str(path)])
    assert refused.exit_code == 1 and "not empty" in refused.output

    wipe(keep=KEEP_USERS)
    result = runner.invoke(args=["kb", "import-all", str(path)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert catalogue_document()["tables"] == before
    assert before["revisions"][0]["user_id"] == "focal@example.org"

    # Ids continue after the loaded ones (PostgreSQL sequences were moved).
    with unit_of_work():
        added = operations.create_request(
            None,
            {
                "title": "Another request",
                "description": "A second request, to check that ids continue.",
                "themes": ["awareness"],
                "support_types": ["training"],
                "languages": ["en"],
                "country_code": "KEN",
            },
        )
    assert added.id > max(r["id"] for r in before["requests"])


def test_backup_then_restore_is_identical(make, runner, tmp_path: Path) -> None:
    build_catalogue(make)
    before = backup_document()["tables"]
    assert before["users"][0]["password_hash"]
    path = tmp_path / "backup.json"
    assert runner.invoke(args=["kb", "backup", str(path)]).exit_code == 0

    refused = runner.invoke(args=["kb", "restore", str(path)])
    assert refused.exit_code == 1 and "--force" in refused.output

    wipe()
    result = runner.invoke(args=["kb", "restore", str(path)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert backup_document()["tables"] == before
    assert db.session.get(Request, before["requests"][0]["id"]).languages == ["en", "fr"]

    forced = runner.invoke(args=["kb", "restore", str(path), "--force"])
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert backup_document()["tables"] == before


def test_restore_refuses_other_files(runner, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": "something-else"}')
    result = runner.invoke(args=["kb", "restore", str(path)])
    assert result.exit_code == 1 and "Not a capacity-exchange/backup file" in result.output
