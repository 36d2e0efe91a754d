"""A record's text language: declared by its author, else detected from its text (forms,
API and bulk import alike); a partial edit that leaves it out keeps the stored one."""

from __future__ import annotations

from sqlalchemy import select

from kb.catalogue import operations
from kb.extensions import db
from kb.models import Programme, Request
from kb.transfer.importer import run_import
from kb.uow import unit_of_work
from search.text.detect import record_language
from tests.test_api import bearer
from tests.test_transfer_import import csv_rows, request_row
from tests.test_word_pages import form_values

FRENCH = {
    "title": "Former nos diplomates aux négociations sur la cybersécurité",
    "description": (
        "Le ministère des affaires étrangères souhaite préparer une dizaine de diplomates aux "
        "sessions du groupe de travail : droit international applicable, normes de "
        "comportement responsable des États, mesures de confiance."
    ),
}
SPANISH = {
    "title": "Capacitación de fiscales en evidencia electrónica",
    "description": (
        "La fiscalía necesita formar a sus fiscales en la obtención y el manejo de la "
        "evidencia electrónica en casos de ciberdelito, con ejercicios prácticos."
    ),
}


def test_record_language_keeps_the_declared_one_else_reads_the_text() -> None:
    assert record_language(None, **FRENCH) == "fr"
    assert record_language("", **SPANISH) == "es"
    assert record_language("en", **FRENCH) == "en"  # the author's word stands
    assert record_language(None, "CSIRT", "") == "en"  # too short to tell: English


def test_api_request_without_a_language_is_read_in_its_own(client, make) -> None:
    make.country("SEN")
    focal = make.user("focal_point", country="SEN")
    body = {**FRENCH, "country_code": "SEN", "languages": ["fr"]}
    created = client.post("/api/v1/requests", json=body, headers=bearer(focal))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["text_language"] == "fr"
    record = db.session.get(Request, created.get_json()["id"])
    assert record.text_language == "fr"
    assert "diplomacy" in record.suggested_themes

    declared = {**SPANISH, "country_code": "SEN", "languages": ["es"], "text_language": "pt"}
    kept = client.post("/api/v1/requests", json=declared, headers=bearer(focal))
    assert kept.status_code == 201 and kept.get_json()["text_language"] == "pt"
    blank = {**SPANISH, "country_code": "SEN", "languages": ["es"], "text_language": ""}
    detected = client.post("/api/v1/requests", json=blank, headers=bearer(focal))
    assert detected.status_code == 201 and detected.get_json()["text_language"] == "es"
    bad = {**SPANISH, "country_code": "SEN", "languages": ["es"], "text_language": "spanish"}
    refused = client.post("/api/v1/requests", json=bad, headers=bearer(focal))
    assert refused.status_code == 422 and "text_language" in refused.get_json()["errors"]


def test_partial_edit_keeps_the_stored_language(make) -> None:
    make.country("SEN")
    focal = make.user("focal_point", country="SEN")
    data = {**FRENCH, "country_code": "SEN", "languages": ["fr"], "text_language": "fr"}
    with unit_of_work():
        record = operations.create_request(focal, data)
    with unit_of_work():
        operations.update_record(focal, record, {"description": SPANISH["description"]}, True)
    assert record.text_language == "fr"  # declared once: an edit of the text keeps it


def test_form_offers_detection_by_default(client, auth, make) -> None:
    make.country("SEN")
    focal = make.user("focal_point", country="SEN")
    auth.login(focal.email)
    page = client.get("/requests/new").get_data(as_text=True)
    assert "Detect from the text" in page
    assert form_values(page)["text_language"] == [""]  # the option chosen by default
    form = {**FRENCH, "country_code": "SEN", "languages": ["fr"], "text_language": ""}
    form |= {"urgency": "medium", "target_audience": "", "timeframe": ""}
    assert client.post("/requests/new", data=form).status_code == 302
    record = db.session.scalars(select(Request)).one()
    assert record.text_language == "fr"
    edit = client.get(f"/requests/{record.id}/edit").get_data(as_text=True)
    assert form_values(edit)["text_language"] == ["fr"]  # an edit shows what is stored


def test_import_row_with_an_empty_language_cell_is_detected(make) -> None:
    make.country("KEN")
    rows = [
        request_row("r-es", **SPANISH, text_language=""),
        request_row("r-en", text_language="en"),
    ]
    report = run_import(csv_rows(rows), "requests")
    assert report.ok, report
    found = dict(db.session.execute(select(Request.external_key, Request.text_language)).all())
    assert found == {"r-es": "es", "r-en": "en"}
    again = run_import(csv_rows(rows), "requests")
    assert again.unchanged == 2  # detection is stable: a re-import changes nothing


def test_programme_written_in_french_is_matched_as_french(make) -> None:
    org = make.organisation()
    provider = make.user("provider", organisation=org)
    data = {
        "title": "Formation des magistrats à la preuve électronique",
        "description": "Sessions de formation pour les juges et les procureurs sur la "
        "cybercriminalité, la preuve électronique et la coopération judiciaire.",
        "themes": ["cybercrime"],
        "support_types": ["training"],
        "languages": ["fr"],
        "organisation_id": org.id,
    }
    with unit_of_work():
        record = operations.create_programme(provider, data)
    assert db.session.get(Programme, record.id).text_language == "fr"


def test_initiative_input_detects_its_language_too(app) -> None:
    from kb.initiatives.schemas import InitiativeInputSchema

    with app.test_request_context():
        loaded = InitiativeInputSchema().load({**SPANISH, "text_language": "", "funders": [1]})
    assert loaded["text_language"] == "es"


def test_check_languages_lists_then_fixes_records_stored_in_the_wrong_language(
    app, make, client, auth
) -> None:
    make.country("SEN")
    focal = make.user("focal_point", country="SEN")
    data = {**FRENCH, "country_code": "SEN", "languages": ["fr"], "text_language": "en"}
    with unit_of_work():
        wrong = operations.create_request(focal, data)
        right = operations.create_request(focal, {**data, "text_language": "fr"})
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["kb", "check-languages", "--kind", "request"])
    assert listed.exit_code == 0, listed.output
    assert f"request {wrong.id}: stored en, written in fr" in listed.output
    assert f"request {right.id}:" not in listed.output
    assert "1 record(s) to check" in listed.output
    db.session.expire_all()
    assert db.session.get(Request, wrong.id).text_language == "en"  # listing changes nothing

    fixed = runner.invoke(args=["kb", "check-languages", "--fix"])
    assert fixed.exit_code == 0 and "1 record(s) corrected" in fixed.output
    db.session.expire_all()
    assert db.session.get(Request, wrong.id).text_language == "fr"
    again = runner.invoke(args=["kb", "check-languages"])
    assert "Every record's language agrees with its text." in again.output
    auth.login(focal.email)
    page = client.get(f"/requests/{wrong.id}?lang=fr").get_data(as_text=True)
    assert "La langue du texte a été détectée d&#39;après le texte lui-même." in page
