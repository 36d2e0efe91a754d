"""The Word forms in the six languages: each downloads in its language, and a form filled in any
of them is read back field for field (labels, list titles and code labels matched in that
language), then reviewed in the reader's own interface language."""

from __future__ import annotations

import io

import docx
import pytest

from kb.i18n import LANGUAGES
from kb.wordio.fields import translator
from tests.test_word_pages import form_values, upload

LANGS = list(LANGUAGES)


def _fill(blank: bytes, lang: str, fields: dict[str, str], checks: dict[str, list[str]]) -> bytes:
    """Fill a form as a reader of ``lang`` would: find each row by its label in ``lang``, write
    code fields as their labels in ``lang``, put X in the boxes; the file keeps no marker."""
    tr = translator(lang)
    doc = docx.Document(io.BytesIO(blank))
    doc.core_properties.keywords = ""  # recognised by its labels alone
    by_label = {tr(label): value for label, value in fields.items()}
    for row in doc.tables[0].rows:
        label = row.cells[0].paragraphs[0].text
        if label in by_label:
            row.cells[1].text = by_label[label]
    wanted = {tr(title): codes for title, codes in checks.items()}
    for table in doc.tables[1:]:
        for row in table.rows[1:]:
            if row.cells[2].text in wanted.get(table.rows[0].cells[1].text, []):
                row.cells[0].text = "X"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize("lang", LANGS)
def test_a_request_form_in_each_language_is_read_field_for_field(client, auth, make, lang):
    tr = translator(lang)
    make.country("KEN")
    auth.login(make.user("secretariat").email)
    response = client.get(f"/word/templates/{lang}/request.docx")
    assert response.status_code == 200
    assert f"-{lang}.docx" in response.headers["Content-Disposition"]
    blank = response.data
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(blank)).paragraphs)
    assert tr("Capacity-building request") in text
    if lang != "en":
        assert "Capacity-building request" not in text and "Fill in the second column" not in text
    filled = _fill(
        blank,
        lang,
        {
            "Requesting state": "KEN",
            "Title": "Forensics training for the national CSIRT",
            "Description": "Our CSIRT needs hands-on digital forensics training for analysts.",
            "Text language": tr("English"),
            "Urgency": tr("High"),
            "Target audience": "CSIRT analysts",
            "Timeframe": "2027",
            "Visibility": tr("Verified: approved users only").split(":")[0],
        },
        {
            "Themes": ["incident_response"],
            "Support types": ["training"],
            "Working languages": ["fr"],
        },
    )
    review = upload(client, filled, "programme")  # the form says itself what it is
    html = review.get_data(as_text=True)
    assert review.status_code == 200, html
    values = form_values(html)
    assert values["country_code"] == ["KEN"]
    assert values["title"] == ["Forensics training for the national CSIRT"]
    assert values["description"][0].startswith("Our CSIRT needs")
    assert values["text_language"] == ["en"]
    assert values["urgency"] == ["high"] and values["visibility"] == ["verified"]
    assert values["target_audience"] == ["CSIRT analysts"] and values["timeframe"] == ["2027"]
    assert values["themes"] == ["incident_response"] and values["support_types"] == ["training"]
    assert values["languages"] == ["fr"]
    assert "could not be read" not in html


@pytest.mark.parametrize("lang", LANGS)
def test_a_programme_form_in_each_language_is_read_field_for_field(client, auth, make, lang):
    tr = translator(lang)
    make.country("KEN")
    provider = make.user("provider")
    auth.login(provider.email)
    blank = client.get(f"/word/templates/{lang}/programme.docx").data
    filled = _fill(
        blank,
        lang,
        {
            "Title": "Cyber diplomacy course",
            "Description": "A six-week online course on cyber diplomacy and the UN framework.",
            "Text language": "en",
            "Start date": "01/03/2027",
            "End date": "2027-06-30",
            "Delivery mode": tr("Online"),
            "Cost model": tr("Free of charge"),
            "Eligible states": "Kenya",
            "Contact email": "courses@example.org",
        },
        {
            "Themes": ["diplomacy"],
            "Support types": ["training"],
            "Working languages": ["en", "ar"],
            "Open to regions": ["Africa"],
        },
    )
    html = upload(client, filled, "programme").get_data(as_text=True)
    values = form_values(html)
    assert "organisation_id" in values, html
    assert values["organisation_id"] == [str(provider.organisation_id)]
    assert values["start_date"] == ["2027-03-01"] and values["end_date"] == ["2027-06-30"]
    assert values["delivery_mode"] == ["online"] and values["cost_model"] == ["free"]
    assert values["eligible_countries"] == ["KEN"] and values["eligible_regions"] == ["Africa"]
    assert values["themes"] == ["diplomacy"] and sorted(values["languages"]) == ["ar", "en"]
    assert values["contact_email"] == ["courses@example.org"]
    assert "could not be read" not in html


def test_an_arabic_form_runs_right_to_left_and_problems_speak_the_readers_language(
    client, auth, make
):
    make.country("KEN")
    auth.login(make.user("focal_point", country="KEN").email)
    blank = client.get("/word/templates/ar/request.docx").data
    document = docx.Document(io.BytesIO(blank))
    assert document.tables[0]._tbl.tblPr.find(docx.oxml.ns.qn("w:bidiVisual")) is not None
    assert document.core_properties.language == "ar"
    filled = _fill(blank, "ar", {"Urgency": "عاجل جدا"}, {})
    # an Arabic form read by a French-speaking focal point: the problems are in French
    html = upload(client, filled).get_data(as_text=True).replace("&#34;", '"')
    client.get("/?lang=fr")
    html = upload(client, filled).get_data(as_text=True)
    assert "Urgence : « عاجل جدا » n’est pas l’un de low, medium, high" in html
    # themes may be left empty in a request (they are suggested from its text): no problem
    assert "Thèmes : aucune case n’est cochée" not in html and "Thèmes" in html


def test_the_upload_page_offers_each_form_in_the_six_languages(client, auth, make):
    auth.login(make.user("provider").email)
    html = client.get("/word/upload?lang=es").get_data(as_text=True)
    for code, name in LANGUAGES.items():
        assert f'href="/word/templates/{code}/programme.docx" lang="{code}"' in html
        assert f">{name}</a>" in html
    assert "/word/templates/es/programme.docx" in html and "Formularios en blanco" in html
