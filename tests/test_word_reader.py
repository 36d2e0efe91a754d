"""kb.wordio.reader without the web: marks, dates, codes and free text."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest

from kb.errors import Invalid
from kb.wordio.reader import read_docx
from kb.wordio.template import build_template
from tests.test_word_pages import fill


@pytest.mark.parametrize("mark", ["X", "x", "☒", "✓", "✔", "☐ X"])
def test_every_accepted_mark_checks_a_box(mark):
    doc = docx.Document(io.BytesIO(build_template("request")))
    themes = next(t for t in doc.tables if t.rows[0].cells[1].text == "Themes")
    themes.rows[3].cells[0].text = mark
    out = io.BytesIO()
    doc.save(out)
    reading = read_docx(out.getvalue())
    assert reading.values["themes"] == [themes.rows[3].cells[2].text]
    assert reading.sources["themes"] == "table 2"


def test_unclear_marks_and_bad_codes_are_reported_with_their_place():
    doc = docx.Document(io.BytesIO(build_template("request")))
    doc.tables[1].rows[2].cells[0].text = "yes"
    doc.tables[0].rows[4].cells[1].text = "urgent"
    out = io.BytesIO()
    doc.save(out)
    problems = [str(m) for _, m in read_docx(out.getvalue()).problems]
    assert "Themes: unclear mark “yes” (table 2, row 3)" in problems
    assert "Urgency: “urgent” is not one of low, medium, high (table 1, row 5)" in problems


def test_dates_in_two_formats_and_labels_for_codes():
    data = fill(
        build_template("programme"),
        {"Start date": "01/03/2027", "End date": "2027-12-31", "Visibility": "Confidential"},
        {"Themes": ["diplomacy"]},
    )
    reading = read_docx(data)
    assert reading.values["start_date"] == date(2027, 3, 1)
    assert reading.values["end_date"] == date(2027, 12, 31)
    assert reading.values["visibility"] == "secretariat"
    assert reading.kind == "programme" and reading.template


def test_a_form_without_its_keywords_is_still_recognised():
    doc = docx.Document(io.BytesIO(build_template("programme")))
    doc.core_properties.keywords = ""
    out = io.BytesIO()
    doc.save(out)
    assert read_docx(out.getvalue()).kind == "programme"


def test_free_text_title_from_first_line_without_heading():
    doc = docx.Document()
    doc.add_paragraph("")
    doc.add_paragraph("Request for   support")
    doc.add_paragraph("Body text.")
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Need", "Training"
    out = io.BytesIO()
    doc.save(out)
    reading = read_docx(out.getvalue())
    assert not reading.template and reading.kind is None
    assert reading.values["title"] == "Request for support"
    assert reading.values["description"] == "Body text.\n\nNeed | Training"
    assert reading.sources["title"] == "the first line"


def test_an_empty_document_is_refused():
    out = io.BytesIO()
    docx.Document().save(out)
    with pytest.raises(Invalid, match="no text"):
        read_docx(out.getvalue())
