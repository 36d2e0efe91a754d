"""Exports people can use: names, record links and dates next to every code; XLSX with
column widths and a frozen header; and the import columns still first, so exports import back."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from kb.transfer.formats import COLUMNS, parse


def test_csv_export_has_names_links_and_dates(client, make) -> None:
    make.country("KEN")
    make.country("SEN")
    request = make.request(
        "KEN",
        title="CSIRT set-up",
        themes=["incident_response"],
        support_types=["training"],
        status="open",
    )
    org = make.organisation(name="Forensics Institute", acronym="FI")
    make.programme(org, title="Forensics", eligible_countries=["SEN"], status="open")
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/requests/export.csv?headings=codes").data.decode("utf-8-sig"))
        )
    )
    (row,) = rows
    assert row["country"] == "KEN" and row["country_name"] == "Kenya"
    assert (row["themes"] == "incident_response" and "CSIRT" in row["themes_names"]) or (
        "Incident" in row["themes_names"]
    )
    assert row["link"].endswith(f"/requests/{request.id}")
    assert len(row["updated_at"]) == 10  # a date
    (prow,) = csv.DictReader(
        io.StringIO(client.get("/programmes/export.csv?headings=codes").data.decode("utf-8-sig"))
    )
    assert prow["organisation_name"] == "Forensics Institute (FI)"
    assert prow["eligible_countries_names"] == "Senegal"


def test_xlsx_export_sets_widths_and_freezes_the_header(client, make) -> None:
    make.country("KEN")
    make.request(
        "KEN", title="A request with a fairly long title to widen the column", status="open"
    )
    book = load_workbook(io.BytesIO(client.get("/requests/export.xlsx?headings=codes").data))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    title_col = header.index("title") + 1
    from openpyxl.utils import get_column_letter

    assert sheet.column_dimensions[get_column_letter(title_col)].width > 20


def test_the_import_columns_come_first_and_parse_back(client, make) -> None:
    make.country("KEN")
    make.request("KEN", title="Round trip", status="open")
    data = client.get("/requests/export.csv?headings=codes").data
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(header[: len(COLUMNS["requests"])]) == COLUMNS["requests"]
    kind, rows = parse(data, "csv")
    assert kind == "requests" and rows[0][1]["title"] == "Round trip"


@pytest.mark.parametrize("lang", ["en", "fr", "ar", "zh"])
def test_csv_headings_are_in_the_reader_s_language_and_import_back(client, make, lang) -> None:
    """By default the header row names the columns in the reader's language; an import reads
    such a file (headings in any of the six languages) as it reads one with codes."""
    make.country("KEN")
    make.request("KEN", title="Round trip", status="open", themes=["incident_response"])
    data = client.get(f"/requests/export.csv?lang={lang}").data
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    expected = {
        "en": ("Key (keep it to update the record by a new import)", "Title"),
        "fr": (
            "Clé (conservez-la pour mettre la fiche à jour par une nouvelle importation)",
            "Titre",
        ),
        "ar": None,
        "zh": None,
    }[lang]
    if expected:
        assert header[0] == expected[0] and header[2] == expected[1]
    assert "title" not in header and "key" not in header
    kind, rows = parse(data, "csv")
    assert kind == "requests"
    assert rows[0][1]["title"] == "Round trip" and rows[0][1]["themes"] == ["incident_response"]
    assert rows[0][1]["country"] == "KEN"


def test_import_accepts_the_word_forms_date_formats_and_quotes_a_refused_value(make) -> None:
    from kb.extensions import db
    from kb.models import Programme
    from kb.transfer.formats import write
    from kb.transfer.importer import run_import
    from kb.transfer.reading import read_file

    make.country("KEN")
    org = make.organisation(name="Alpha Institute")
    base = {
        "organisation": f"kb-organisation-{org.id}",
        "description": "A programme that trains incident responders across regions.",
        "themes": ["incident_response"],
        "support_types": ["training"],
        "languages": ["en"],
        "status": "open",
    }
    good = {**base, "key": "p-1", "title": "Day-first dates", "start_date": "04/01/2027",
            "end_date": "30.06.2027"}  # fmt: skip
    kind, rows = read_file(write([good], "programmes", "csv"))
    assert run_import(rows, kind).ok
    programme = db.session.scalar(db.select(Programme))
    assert programme.start_date.isoformat() == "2027-01-04"
    assert programme.end_date.isoformat() == "2027-06-30"
    bad = {**base, "key": "p-2", "title": "Bad date", "end_date": "31/31/2027"}
    kind, rows = read_file(write([bad], "programmes", "csv"))
    report = run_import(rows, kind)
    (issue,) = [i for i in report.errors if i.field == "end_date"]
    assert "31/31/2027" in issue.message and "DD/MM/YYYY" in issue.message
