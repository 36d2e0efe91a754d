"""Needs in prose: a request with a title, a description, its country and languages only
(web form, Word, bulk import, API) gets suggested themes and support types, shown as
"suggested" and accepted (or changed) in one step by the owner or the Secretariat."""

from __future__ import annotations

from sqlalchemy import select

from kb.catalogue import operations
from kb.errors import Forbidden
from kb.extensions import db
from kb.history import revisions_for
from kb.models import Request
from kb.transfer.formats import write
from kb.transfer.importer import run_import
from kb.transfer.reading import read_file
from kb.uow import unit_of_work
from tests.test_api import bearer
from tests.test_word_pages import form_values, free_form, upload

PROSE = {
    "country_code": "MLI",
    "title": "Équipements et formation pour l'office de lutte contre la cybercriminalité",
    "description": (
        "L'office central de lutte contre la cybercriminalité manque de matériel d'extraction "
        "de données de téléphones, et ses enquêteurs n'ont reçu qu'une formation de base. Nous "
        "cherchons un appui en équipements et une formation pratique à l'investigation numérique."
    ),
    "text_language": "fr",
    "languages": ["fr"],
}


def _prose_request(make) -> tuple[Request, object]:
    make.country("MLI")
    focal = make.user("focal_point", country="MLI")
    with unit_of_work():
        record = operations.create_request(focal, PROSE)
    return record, focal


def test_operation_stores_suggestions_and_acceptance_is_a_revision(make) -> None:
    record, focal = _prose_request(make)
    assert record.themes == [] and record.support_types == []
    assert record.suggested_themes[0] == "cybercrime"
    assert {"equipment", "training"} <= set(record.suggested_support_types)
    created = revisions_for(record)[-1]
    assert created.changes["suggested_themes"][1] == record.suggested_themes

    suggested = (list(record.suggested_themes), list(record.suggested_support_types))
    with unit_of_work():
        changes = operations.accept_suggestions(focal, record)
    assert (record.themes, record.support_types) == suggested
    assert record.suggested_themes == [] and record.suggested_support_types == []
    assert changes["themes"] == [[], suggested[0]]
    assert revisions_for(record)[0].action == "accepted_suggestions"


def test_owner_choosing_codes_clears_that_list_of_suggestions(make) -> None:
    record, focal = _prose_request(make)
    with unit_of_work():
        operations.update_record(focal, record, {**PROSE, "themes": ["technical_skills"]})
    assert record.themes == ["technical_skills"] and record.suggested_themes == []
    assert record.suggested_support_types  # still suggested: the owner left it empty


def test_only_owner_or_secretariat_may_accept(make) -> None:
    record, _ = _prose_request(make)
    make.country("SEN")
    other = make.user("focal_point", country="SEN")
    try:
        with unit_of_work():
            operations.accept_suggestions(other, record)
    except Forbidden:
        pass
    else:  # pragma: no cover - the assertion below explains
        raise AssertionError("another state's focal point accepted the suggestions")
    db.session.refresh(record)
    assert record.themes == [] and record.suggested_themes
    with unit_of_work():
        operations.accept_suggestions(make.user("secretariat"), record)
    assert record.themes and not record.suggested_themes


def test_web_form_page_and_one_click_acceptance(client, auth, make) -> None:
    make.country("MLI")
    focal = make.user("focal_point", country="MLI")
    auth.login(focal.email)
    form = {**PROSE, "urgency": "medium", "target_audience": "", "timeframe": ""}
    saved = client.post("/requests/new", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    record = db.session.scalars(select(Request)).one()
    page = client.get(f"/requests/{record.id}").get_data(as_text=True)
    assert "(suggested)" in page and "Accept the suggested codes" in page
    edit = client.get(f"/requests/{record.id}/edit").get_data(as_text=True)
    assert "cybercrime" in form_values(edit)["themes"]  # ticked, marked suggested
    assert 'id="themes-suggested"' in edit

    accepted = client.post(f"/requests/{record.id}/suggestions/accept")
    assert accepted.status_code == 302
    db.session.refresh(record)
    assert record.themes[0] == "cybercrime" and not record.suggested_themes
    assert "(suggested)" not in client.get(f"/requests/{record.id}").get_data(as_text=True)


def test_a_need_without_any_support_type_shows_no_empty_row(client, auth, make) -> None:
    """Seen on the demo data: a prose need whose text suggested themes but no support type
    showed "Support wanted" with nothing after it, before and after accepting."""
    record, focal = _prose_request(make)
    with unit_of_work():
        operations.update_record(
            focal, record, {**PROSE, "themes": ["cybercrime"], "support_types": ["training"]}
        )
        record.support_types, record.suggested_support_types = [], []
    auth.login(focal.email)
    page = client.get(f"/requests/{record.id}").get_data(as_text=True)
    assert "<dt>Themes</dt>" in page and "Cybercrime" in page
    assert "<dt>Support wanted</dt>" not in page
    with unit_of_work():
        record.support_types = ["training"]
    page = client.get(f"/requests/{record.id}").get_data(as_text=True)
    assert "<dt>Support wanted</dt>" in page and "Training" in page


def test_other_states_cannot_accept_through_the_page(client, auth, make) -> None:
    record, _ = _prose_request(make)
    make.country("SEN")
    auth.login(make.user("focal_point", country="SEN").email)
    assert client.post(f"/requests/{record.id}/suggestions/accept").status_code in (403, 404)
    db.session.refresh(record)
    assert record.themes == []


def test_api_posts_prose_and_accepts(client, make) -> None:
    make.country("MLI")
    focal = make.user("focal_point", country="MLI")
    headers = bearer(focal)
    created = client.post("/api/v1/requests", json=PROSE, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["themes"] == [] and body["suggested_themes"][0] == "cybercrime"
    accepted = client.post(
        f"/api/v1/requests/{body['id']}/suggestions/accept", headers=headers
    ).get_json()
    assert accepted["themes"] == body["suggested_themes"] and accepted["suggested_themes"] == []


def test_bulk_import_accepts_requests_without_codes(make) -> None:
    make.country("MLI")
    row = {
        "key": "prose-1",
        "country": "MLI",
        "title": PROSE["title"],
        "description": PROSE["description"],
        "text_language": "fr",
        "languages": ["fr"],
        "visibility": "public",
        "status": "open",
    }
    report = run_import(read_file(write([row], "requests", "csv"), "requests")[1], "requests")
    assert report.ok, report
    record = db.session.scalar(select(Request).where(Request.external_key == "prose-1"))
    assert record.themes == [] and record.suggested_themes[0] == "cybercrime"


def test_word_document_in_prose_is_saved_with_suggestions(client, auth, make) -> None:
    make.country("MLI")
    auth.login(make.user("focal_point", country="MLI").email)
    data = free_form(PROSE["description"], heading=PROSE["title"])
    values = form_values(upload(client, data, "request").get_data(as_text=True))
    assert "cybercrime" in values.get("themes", [])
    values.pop("csrf_token", None)
    values.pop("themes", None)  # the owner unticks the suggestions: prose only
    values.pop("support_types", None)
    assert client.post("/requests/new", data=values).status_code == 302
    record = db.session.scalars(select(Request)).one()
    assert record.themes == [] and "cybercrime" in record.suggested_themes


def test_a_need_with_no_theme_found_says_so_and_offers_to_choose(client, auth, make) -> None:
    make.country("MLI")
    focal = make.user("focal_point", country="MLI")
    vague = {
        **PROSE,
        "title": "Appui pour notre ministère",
        "description": "Nous souhaitons un appui pour notre ministère dans les mois à venir.",
    }
    with unit_of_work():
        record = operations.create_request(focal, vague)
    assert record.themes == [] and record.suggested_themes == []
    auth.login(focal.email)
    page = client.get(f"/requests/{record.id}").get_data(as_text=True)
    assert 'id="no-theme"' in page and "no theme could be suggested" in page
    assert "Choose its themes" in page
    with unit_of_work():
        operations.update_record(focal, record, {"themes": ["national_strategy"]}, True)
    assert 'id="no-theme"' not in client.get(f"/requests/{record.id}").get_data(as_text=True)
