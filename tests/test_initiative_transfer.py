"""Initiatives from the CSV/XLSX template (all-or-nothing, organisations matched or proposed,
re-import by key, grouped duplicate warnings) and the exports of the initiative list."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Organisation
from kb.models.initiative import Initiative
from kb.transfer.formats import COLUMNS, parse
from kb.transfer.importer import run_import

HEADER = ",".join(COLUMNS["initiatives"])


def _csv(*lines: str) -> list:
    kind, rows = parse("\n".join([HEADER, *lines]) + "\n", "csv")
    assert kind == "initiatives"
    return rows


ROWS = (
    # key,title,description,text_language,funders,implementers,partners,beneficiary_countries,
    # beneficiary_regions,work_status,start_date,end_date,themes,support_types,budget_amount,
    # budget_currency,budget_visibility,outputs,visibility,status
    "GFCE-1,National CSIRT for Kenya,Set up the national CSIRT.,en,DONOR,Cyber Agency,"
    "New Partner Network,KEN,,ongoing,2025-01-01,2026-12-31,incident_response,training,"
    "500000,USD,secretariat,https://example.org/r.pdf,public,published",
    "GFCE-2,Cybercrime law for Senegal,Draft the cybercrime law.,en,donor agency,,,SEN,,"
    "completed,2023-01-01,2024-06-30,cybercrime,policy_advice,,,public,,public,published",
    "GFCE-3,National CSIRTs for Kenya,Another CSIRT project.,en,DONOR,,,KEN,,planned,,,,,,,"
    "public,,public,",
)


def _orgs(make):
    for iso3 in ("KEN", "SEN"):
        make.country(iso3)
    make.organisation(name="Donor Agency", acronym="DONOR")
    make.organisation(name="Cyber Agency", acronym="CA")


def test_dry_run_then_import_then_reimport(app, make):
    _orgs(make)
    dry = run_import(_csv(*ROWS), "initiatives", dry_run=True)
    assert dry.ok and dry.created == 3 and dry.proposed == ["New Partner Network"]
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2
    # "National CSIRT for Kenya" and "National CSIRTs for Kenya": one grouped warning
    assert len(dry.duplicates) == 1 and "On 2 rows (2, 4)" in dry.duplicates[0].message

    done = run_import(_csv(*ROWS), "initiatives")
    assert done.written and done.created == 3
    kenya = db.session.scalar(select(Initiative).where(Initiative.external_key == "GFCE-1"))
    assert [o.name for o in kenya.organisations("funder")] == ["Donor Agency"]
    assert [o.name for o in kenya.organisations("implementer")] == ["Cyber Agency"]
    assert [o.name for o in kenya.organisations("partner")] == ["New Partner Network"]
    assert kenya.status == "published" and kenya.budget_amount == 500000
    senegal = db.session.scalar(select(Initiative).where(Initiative.external_key == "GFCE-2"))
    assert senegal.organisations("funder")[0].name == "Donor Agency"  # by name, any case
    third = db.session.scalar(select(Initiative).where(Initiative.external_key == "GFCE-3"))
    assert third.status == "draft" and third.themes  # suggested from the text

    again = run_import(_csv(*ROWS), "initiatives")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.proposed == [] and not again.duplicates
    changed = ROWS[1].replace("completed", "ongoing")
    updated = run_import(_csv(ROWS[0], changed, ROWS[2]), "initiatives")
    assert (updated.created, updated.updated, updated.unchanged) == (0, 1, 2)
    db.session.refresh(senegal)
    assert senegal.work_status == "ongoing"
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 3


def test_a_bad_row_writes_nothing_and_names_each_column(app, make):
    _orgs(make)
    bad = ROWS[1].replace(",SEN,", ",XXX,").replace("2024-06-30", "2020-01-01")
    bad = bad.replace(",,,public,,public,published", ",12,dollars,public,ftp://x,public,live")
    report = run_import(_csv(ROWS[0], bad, "GFCE-1,Short,,en,,,,,,,,,,,,,,,,"), "initiatives")
    assert not report.ok and report.created == 0
    found = {(i.row, i.field) for i in report.errors}
    assert {(3, "status"), (4, "key")} <= found
    report = run_import(_csv(ROWS[0], bad.replace(",live", ",")), "initiatives")
    found = {(i.row, i.field) for i in report.errors}
    assert {(3, "beneficiary_countries"), (3, "end_date"), (3, "budget_currency")} <= found
    assert (3, "outputs") in found
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_cli_dry_run_lists_proposed_organisations(app, make, runner, tmp_path):
    _orgs(make)
    path = tmp_path / "initiatives.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["kb", "import", str(path), "--kind", "initiatives", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "New Partner Network" in result.output and "3 rows would be imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0
    result = runner.invoke(args=["kb", "import", str(path)])  # the kind from the columns
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 3


def test_export_keeps_filters_and_hidden_budgets_and_imports_back(client, app, make, auth):
    _orgs(make)
    run_import(_csv(*ROWS), "initiatives")
    kenya = db.session.scalar(select(Initiative).where(Initiative.external_key == "GFCE-1"))
    response = client.get("/initiatives/export.csv?beneficiary=KEN&headings=codes")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["key"] for r in rows] == ["GFCE-1"]  # GFCE-3 is a draft, GFCE-2 in Senegal
    assert rows[0]["budget_amount"] == "" and rows[0]["funders_names"] == "Donor Agency (DONOR)"
    make.user("secretariat", email="sec@example.org")
    auth.login("sec@example.org")
    data = client.get("/initiatives/export.xlsx").get_data()
    _, exported = parse(data, "xlsx")
    assert len(exported) == 3
    by_key = {row["key"]: row for _, row in exported}
    assert by_key["GFCE-1"]["budget_amount"] == "500000.00"
    again = run_import(exported, "initiatives")
    assert again.ok and again.unchanged == 3, again.errors
    db.session.refresh(kenya)
    assert kenya.budget_amount == 500000
    template = client.get("/initiatives/template.csv").get_data(as_text=True)
    assert template.lstrip("\ufeff").strip() == HEADER
