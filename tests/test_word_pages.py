"""Word in, end to end: download a form, fill it, upload, review, save a draft."""

from __future__ import annotations

import io
import re
from html import unescape

import docx
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kb.config import DEFAULT_UPLOAD_MB, upload_limit_bytes
from kb.extensions import db
from kb.history import revisions_for
from kb.models import Programme, Request, Revision

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def fill(template: bytes, fields: dict[str, str], checks: dict[str, list[str]]) -> bytes:
    """Fill a downloaded form like a person would: values in table 1, X in the boxes."""
    doc = docx.Document(io.BytesIO(template))
    tables = doc.tables
    for row in tables[0].rows:
        label = row.cells[0].paragraphs[0].text
        if label in fields:
            row.cells[1].text = fields[label]
    for table in tables[1:]:
        title = table.rows[0].cells[1].text
        for row in table.rows[1:]:
            if row.cells[2].text in checks.get(title, []):
                row.cells[0].text = "X"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def upload(client, data: bytes, kind: str = "request", name: str = "doc.docx"):
    """POST a file; the body is encoded in memory (the test client spools big ones to disk)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name), "kind": kind})
    return client.post(
        "/word/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def form_values(html: str) -> dict[str, list[str]]:
    """Name → values of the review form's inputs (checked boxes, selected options, text)."""
    values: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or (('type="checkbox"' in tag) and "checked" not in tag):
            continue
        values.setdefault(name.group(1), []).append(unescape(value.group(1)) if value else "")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        for option in re.findall(r"<option([^>]*)>", body):
            if "selected" in option:
                values.setdefault(name, []).append(re.search(r'value="([^"]*)"', option)[1])
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = [unescape(text.strip())]
    return values


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Request, Programme, Revision)
    )


def test_template_downloads_are_docx_for_logged_in_roles(client, auth, make):
    assert client.get("/word/templates/request.docx").status_code == 302  # login first
    auth.login(make.user("focal_point", country="KEN").email)
    for kind in ("request", "programme"):
        response = client.get(f"/word/templates/{kind}.docx")
        assert response.status_code == 200 and response.mimetype == DOCX
        doc = docx.Document(io.BytesIO(response.data))
        assert "Themes" in [t.rows[0].cells[1].text for t in doc.tables]
        assert any("incident_response" in c.text for t in doc.tables for c in t.columns[-1].cells)


def test_filled_request_form_round_trip_creates_a_draft(client, auth, make):
    focal = make.user("focal_point", country="KEN")
    auth.login(focal.email)
    blank = client.get("/word/templates/request.docx").data
    filled = fill(
        blank,
        {
            "Requesting state": "Kenya",
            "Title": "Forensics training for the national CSIRT",
            "Description": "Our CSIRT needs hands-on digital forensics training for ten analysts.",
            "Text language": "en",
            "Urgency": "High",
            "Target audience": "CSIRT analysts",
            "Timeframe": "first half of 2027",
            "Visibility": "verified",
        },
        {
            "Themes": ["incident_response", "technical_skills"],
            "Support types": ["training"],
            "Working languages": ["en", "fr"],
        },
    )
    before = counts()
    review = upload(client, filled)
    html = review.get_data(as_text=True)
    assert review.status_code == 200, html
    assert counts() == before  # nothing saved by reading
    values = form_values(html)
    assert values["title"] == ["Forensics training for the national CSIRT"]
    assert values["themes"] == ["incident_response", "technical_skills"]
    assert values["support_types"] == ["training"] and values["languages"] == ["en", "fr"]
    assert values["urgency"] == ["high"] and values["visibility"] == ["verified"]
    assert values["country_code"] == ["KEN"]
    assert "table 1, row 2" in html and 'action="/requests/new"' in html

    values.pop("csrf_token", None)
    saved = client.post("/requests/new", data=values)
    assert saved.status_code == 302
    record = db.session.get(Request, int(saved.location.rsplit("/", 1)[1]))
    assert record.status == "draft" and record.urgency == "high"
    assert record.themes == ["incident_response", "technical_skills"]
    assert record.target_audience == "CSIRT analysts" and record.timeframe == "first half of 2027"
    assert [r.action for r in revisions_for(record)] == ["created"]


def test_request_form_in_prose_only_leaves_codes_to_suggestions(client, auth, make):
    """A need in prose: the request form says its themes and support types may be left
    empty, the reader reports no problem for them, and the saved draft holds codes
    suggested from its text (issue 11, point 5)."""
    auth.login(make.user("focal_point", country="KEN").email)
    blank = client.get("/word/templates/request.docx").data
    headings = [p.text for p in docx.Document(io.BytesIO(blank)).paragraphs]
    optional = "optional: left empty, they are suggested from your text"
    assert f"Table 2. Themes ({optional})" in headings
    assert f"Table 3. Support types ({optional})" in headings
    assert "Table 4. Working languages (mark at least one)" in headings
    filled = fill(
        blank,
        {
            "Requesting state": "Kenya",
            "Title": "Digital forensics training for the police cybercrime unit",
            "Description": "Our police cybercrime unit needs training of investigators in "
            "digital forensics and electronic evidence for cybercrime cases.",
        },
        {"Working languages": ["en"]},
    )
    html = upload(client, filled).get_data(as_text=True)
    assert "no box is checked" not in html and "could not be read" not in html
    values = form_values(html)
    assert "themes" not in values and values["languages"] == ["en"]
    values.pop("csrf_token", None)
    saved = client.post("/requests/new", data=values)
    assert saved.status_code == 302
    record = db.session.get(Request, int(saved.location.rsplit("/", 1)[1]))
    assert record.themes == [] and "cybercrime" in record.suggested_themes
    assert record.support_types == [] and "training" in record.suggested_support_types


def test_filled_programme_form_reports_precise_problems(client, auth, make):
    provider = make.user("provider")
    make.country("KEN")
    auth.login(provider.email)
    blank = client.get("/word/templates/programme.docx").data
    filled = fill(
        blank,
        {
            "Title": "Cyber diplomacy course",
            "Description": "A six-week online course on cyber diplomacy and the UN framework.",
            "Start date": "31/02/2027",
            "End date": "2027-06-30",
            "Delivery mode": "online",
            "Cost model": "Free of charge",
            "Eligible states": "Kenya, Atlantis",
        },
        {"Support types": ["training"], "Working languages": ["en"], "Open to regions": ["Africa"]},
    )
    html = upload(client, filled, "programme").get_data(as_text=True)
    assert "Themes: no box is checked (table 2)" in html
    assert re.search(r"Start date: “31/02/2027” is not a date \(table 1, row \d+\)", html)
    assert "Eligible states: “Atlantis” is not a known state" in html
    values = form_values(html)
    assert values["end_date"] == ["2027-06-30"] and values["eligible_regions"] == ["Africa"]
    assert values["eligible_countries"] == ["KEN"]
    assert values["organisation_id"] == [str(provider.organisation_id)]
    assert values["cost_model"] == ["free"]


def free_form(*paragraphs: str, heading: str = "Strengthening our CSIRT") -> bytes:
    doc = docx.Document()
    doc.add_heading(heading, level=1)
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_free_form_document_becomes_a_reviewed_draft_with_suggestions(client, auth, make):
    make.country("KEN")
    make.country("CIV")
    secretariat = make.user("secretariat")
    auth.login(secretariat.email)
    data = free_form(
        "Kenya would welcome training for the staff of its national CSIRT.",
        "The training should cover incident handling and malware analysis.",
    )
    html = upload(client, data, "request").get_data(as_text=True)
    values = form_values(html)
    assert values["country_code"] == ["KEN"]
    assert "incident_response" in values["themes"] and "training" in values["support_types"]
    assert values["title"] == ["Strengthening our CSIRT"]
    assert "Kenya would welcome training" in values["description"][0]
    assert 'id="themes-suggested"' in html and 'id="country_code-suggested"' in html
    assert "the first heading" in html

    values.pop("csrf_token", None)
    saved = client.post("/requests/new", data=values)
    assert saved.status_code == 302
    record = db.session.scalars(select(Request)).one()
    assert record.country_code == "KEN" and record.status == "draft"


def test_focal_points_own_country_wins_and_accents_are_folded(client, auth, make):
    make.country("CIV")
    auth.login(make.user("focal_point", country="SEN").email)
    html = upload(client, free_form("La Cote d'Ivoire et ses partenaires: formation CSIRT.")).data
    values = form_values(html.decode())
    assert values["country_code"] == ["SEN"]


def test_refusals_show_a_message_and_save_nothing(client, auth, make):
    auth.login(make.user("focal_point", country="KEN").email)
    before = counts()
    cases = [
        (b"not a word file", 415),
        (b"PK\x03\x04 broken", 400),
        (b"", 400),
        (b"x" * (upload_limit_bytes(DEFAULT_UPLOAD_MB) + 10), 413),
    ]
    for data, status in cases:
        response = upload(client, data)
        assert response.status_code == status, (data[:20], response.status_code)
        assert 'id="file-err"' in response.get_data(as_text=True)
    programme_form = client.get("/word/templates/programme.docx").data
    refused = upload(client, programme_form)
    assert refused.status_code == 400 and "may not create a programme" in refused.get_data(True)
    assert counts() == before


def test_upload_page_needs_a_role_that_creates(client, auth, make):
    assert client.get("/word/upload").status_code == 302
    auth.login(make.user(None).email)
    assert client.get("/word/upload").status_code == 403


def test_a_body_over_the_request_limit_gets_the_upload_page_with_413(client, auth, make):
    auth.login(make.user("provider").email)
    response = upload(
        client, b"x" * (upload_limit_bytes(DEFAULT_UPLOAD_MB) + 1024 * 1024), "programme"
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_upload_and_review_forms_are_csrf_protected(app, client, auth, make):
    auth.login(make.user("focal_point", country="KEN").email)
    app.config["WTF_CSRF_ENABLED"] = True
    data = free_form("Kenya asks for CSIRT training for twenty analysts next year.")
    assert upload(client, data).status_code == 400  # no token
    page = client.get("/word/upload").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), "a.docx"), "kind": "request", "csrf_token": token}
    )
    review = client.post(
        "/word/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert review.status_code == 200
    values = form_values(review.get_data(as_text=True))
    assert values["csrf_token"]
    assert client.post("/requests/new", data=values).status_code == 302


def test_the_language_of_a_free_form_text_is_suggested(client, auth, make):
    make.country("SEN")
    auth.login(make.user("secretariat").email)
    french = free_form(
        "Renforcer la réponse aux incidents au Sénégal",
        "Le ministère souhaite former les équipes de son CERT national aux techniques "
        "d'analyse des incidents et à la coordination avec les opérateurs.",
    )
    html = upload(client, french, "request").get_data(as_text=True)
    values = form_values(html)
    assert values["text_language"] == ["fr"] and values["languages"] == ["fr"]
    assert 'id="text_language-suggested"' in html

    unclear = free_form("CSIRT 2027", "CSIRT, SOC, PKI: 12 staff, 3 sites.")
    values = form_values(upload(client, unclear, "request").get_data(as_text=True))
    assert values["text_language"] == ["en"] and values["languages"] == ["en"]


def test_suggested_marks_survive_a_review_that_fails_validation(client, auth, make):
    make.country("KEN")
    auth.login(make.user("secretariat").email)
    data = free_form(
        "Strengthening our CSIRT",
        "Kenya would welcome training for the staff of its national CSIRT.",
    )
    values = form_values(upload(client, data, "request").get_data(as_text=True))
    assert "themes" in values["suggested"] and "country_code" in values["suggested"]
    values.pop("csrf_token", None)
    values["title"] = ["CSI"]  # too short: the create page comes back with the error
    again = client.post("/requests/new", data={**values, "suggested": [*values["suggested"], "x"]})
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and 'id="title-err"' in html
    assert 'id="themes-suggested"' in html and 'id="country_code-suggested"' in html
    assert 'value="x"' not in html  # only names of the form's fields are kept
    assert db.session.query(Request).count() == 0
