"""Standing general offers on every path, as a new user meets them: editing a programme
keeps the order of its codes (its first theme is its main theme: ticking the box changes
only the flag), the API's pairs say general_offer as the Matches page's badge does, a Word
form's yes/no row reads answers typed without accents and names the answers in words."""

from __future__ import annotations

from kb.extensions import db
from kb.models import Programme, Revision


def _edit_form(record: Programme, **changes):
    """The programme's edit form as a browser posts it: ticked boxes in the page's order."""
    from kb import codes

    def in_page_order(values, table):
        return [code for code in table if code in values]

    data = {
        "organisation_id": record.organisation_id,
        "title": record.title,
        "description": record.description,
        "text_language": record.text_language or "en",
        "themes": in_page_order(record.themes, codes.THEMES),
        "support_types": in_page_order(record.support_types, codes.SUPPORT_TYPES),
        "languages": in_page_order(record.languages, codes.LANGUAGES),
        "visibility": record.visibility,
        "delivery_mode": record.delivery_mode or "online",
        "cost_model": record.cost_model or "free",
    }
    data.update(changes)
    return data


def _edits(record: Programme) -> list[dict]:
    return [
        r.changes
        for r in db.session.scalars(
            db.select(Revision)
            .where(Revision.record_kind == "programme", Revision.record_id == record.id)
            .where(Revision.action == "edited")
            .order_by(Revision.id)
        )
    ]


def test_ticking_the_box_changes_only_the_flag_not_the_order_of_the_codes(client, make, auth):
    org = make.organisation()
    record = make.programme(
        org,
        themes=["incident_response", "national_strategy"],  # main theme: incident response
        languages=["en", "fr", "ar"],
        delivery_mode="online",
        cost_model="free",
    )
    auth.login(make.user("provider", organisation=org).email)
    posted = client.post(
        f"/programmes/{record.id}/edit", data=_edit_form(record, general_offer="y")
    )
    assert posted.status_code == 302, posted.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Programme, record.id)
    assert saved.general_offer is True
    assert saved.themes == ["incident_response", "national_strategy"]
    assert saved.languages == ["en", "fr", "ar"]
    assert _edits(saved) == [{"general_offer": [False, True]}]

    # a newly ticked code comes after the stored ones; an unticked one leaves, the rest stay
    client.post(
        f"/programmes/{record.id}/edit",
        data=_edit_form(
            saved,
            general_offer="y",
            themes=["national_strategy", "cybercrime", "incident_response"],
        ),
    )
    db.session.expire_all()
    assert db.session.get(Programme, record.id).themes == [
        "incident_response",
        "national_strategy",
        "cybercrime",
    ]
    client.post(
        f"/programmes/{record.id}/edit",
        data=_edit_form(saved, general_offer="y", themes=["national_strategy", "cybercrime"]),
    )
    db.session.expire_all()
    assert db.session.get(Programme, record.id).themes == ["national_strategy", "cybercrime"]


def test_the_api_pairs_say_general_offer_as_the_matches_page_badge_does(client, make):
    from kb.matching.service import match_service
    from kb.uow import unit_of_work

    make.country("KEN")
    make.request(
        "KEN",
        title="Training for our national CERT analysts",
        description="Our national CERT needs hands-on training for analysts in incident "
        "response, malware triage and log analysis.",
        themes=["incident_response"],
        support_types=["training"],
    )
    plain = make.programme(
        title="Incident response training for national CERT analysts",
        description="Hands-on training for national CERT analysts in incident response, "
        "malware triage and log analysis.",
    )
    desk = make.programme(
        title="Incident response help desk for national CERTs",
        description="A help desk that answers national CERT analysts on incident response, "
        "malware triage and log analysis, and points to training.",
        general_offer=True,
    )
    with unit_of_work():
        match_service().refresh()
    body = client.get("/api/v1/matches").get_json()
    flags = {item["programme"]["id"]: item["general_offer"] for item in body["items"]}
    assert flags == {plain.id: False, desk.id: True}
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["schemas"]["Pair"]["properties"]["general_offer"]["type"] == (
        "boolean"
    )
    page = client.get("/matches").get_data(as_text=True)
    assert page.count('class="badge general-offer"') == 1


def test_a_word_form_reads_yes_or_no_with_or_without_accents_and_names_them_in_words(app):
    from flask_babel import force_locale

    from kb.wordio.reader import read_docx
    from tests.test_general_offer import _word

    assert read_docx(_word("es", "Sí")).values["general_offer"] is True
    assert read_docx(_word("es", "si")).values["general_offer"] is True  # typed without accent
    assert read_docx(_word("es", " SI ")).values["general_offer"] is True
    assert read_docx(_word("ru", "Нет")).values["general_offer"] is False
    assert read_docx(_word("ar", "نعم")).values["general_offer"] is True
    assert read_docx(_word("zh", "否")).values["general_offer"] is False
    with app.test_request_context(), force_locale("fr"):
        unclear = read_docx(_word("fr", "peut-être"))
        problems = [str(m) for key, m in unclear.problems if key == "general_offer"]
    assert problems == [
        "Offre générale permanente : « peut-être » n’est pas l’un de Oui, Non (tableau 1, ligne 14)"
    ]


def test_a_word_form_reads_a_single_choice_typed_without_its_accent(app):
    import io

    import docx

    from kb.wordio.fields import translator
    from kb.wordio.reader import read_docx

    doc = docx.Document(io.BytesIO(_word_bytes("es")))
    label = translator("es")("Visibility")
    row = next(r for r in doc.tables[0].rows if r.cells[0].paragraphs[0].text == label)
    row.cells[1].text = "publico"
    out = io.BytesIO()
    doc.save(out)
    assert read_docx(out.getvalue()).values["visibility"] == "public"


def _word_bytes(lang: str) -> bytes:
    from tests.test_general_offer import _word

    return _word(lang, None)


def test_the_history_names_codes_states_and_places_in_the_reader_language(client, make, auth):
    from kb.history import record_revision
    from kb.uow import unit_of_work

    org = make.organisation()
    make.country("SEN")
    record = make.programme(org, themes=["incident_response"], visibility="public")
    with unit_of_work(index=False):
        record_revision(
            db.session.get(Programme, record.id),
            None,
            "edited",
            {
                "themes": [["incident_response"], ["incident_response", "cybercrime"]],
                "visibility": ["public", "secretariat"],
                "eligible_countries": [[], ["SEN"]],
                "eligible_regions": [["Africa"], ["global"]],
                "general_offer": [False, True],
                "url": [None, "https://example.org/desk"],
            },
        )
        changes = {"status": ["submitted", "open"]}
        record_revision(db.session.get(Programme, record.id), None, "publish", changes)
    auth.login(make.user("provider", organisation=org).email)
    page = client.get(f"/programmes/{record.id}?lang=fr").get_data(as_text=True)
    history = page.partition('class="changes"')[2]
    changes = history.rpartition("</ul>")[0]
    for line in (
        "Thèmes</span>: <del>Réponse aux incidents (CERT/CSIRT)</del> → "
        "<ins>Réponse aux incidents (CERT/CSIRT), Cybercriminalité</ins>",
        "<del>Public : tout le monde</del> → "
        "<ins>Confidentiel : titulaire et Secrétariat seulement</ins>",
        "<del>—</del> → <ins>Sénégal</ins>",
        "<del>Afrique</del> → <ins>Mondial (partout)</ins>",
        "<del>Non</del> → <ins>Oui</ins>",
        "<del>—</del> → <ins>https://example.org/desk</ins>",
    ):
        assert line in changes, changes
    assert "incident_response" not in changes and "[" not in changes
    assert "Statut</span>: <del>Soumis</del> → <ins>Ouvert</ins>" in changes


def test_the_history_separates_listed_codes_as_the_reader_language_does(client, make, auth):
    from kb.history import record_revision
    from kb.uow import unit_of_work

    org = make.organisation()
    record = make.programme(org)
    with unit_of_work(index=False):
        changes = {"languages": [["en"], ["en", "fr"]]}
        record_revision(db.session.get(Programme, record.id), None, "edited", changes)
    auth.login(make.user("provider", organisation=org).email)
    arabic = client.get(f"/programmes/{record.id}?lang=ar").get_data(as_text=True)
    assert "<ins>الإنكليزية، الفرنسية</ins>" in arabic
    chinese = client.get(f"/programmes/{record.id}?lang=zh").get_data(as_text=True)
    assert "<ins>英文、法文</ins>" in chinese
