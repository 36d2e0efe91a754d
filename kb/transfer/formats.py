"""The import/export file format: one row per record, canonical codes, one column per field.

CSV and XLSX hold list fields as ``;``-separated codes; JSON holds them as arrays. Exports
write exactly the columns imports read, so an export can be imported again.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from kb.errors import Invalid
from kb.models import Organisation, Programme, Request
from kb.models.initiative import Initiative
from kb.transfer.headings import code_of, header

FORMATS = ("csv", "xlsx", "json")
KINDS = ("requests", "programmes", "organisations", "initiatives")
LIST_FIELDS = frozenset(
    {
        "themes",
        "support_types",
        "languages",
        "eligible_regions",
        "eligible_countries",
        "interpretation_languages",
        "funders",
        "implementers",
        "partners",
        "beneficiary_countries",
    }
)
_RECORD = ("title", "description", "text_language", "themes", "support_types", "languages")
COLUMNS: dict[str, tuple[str, ...]] = {
    "requests": (
        "key",
        "country",
        *_RECORD,
        "visibility",
        "status",
        "urgency",
        "target_audience",
        "timeframe",
    ),
    "programmes": (
        "key",
        "organisation",
        *_RECORD,
        "visibility",
        "status",
        "eligible_regions",
        "eligible_countries",
        "delivery_mode",
        "cost_model",
        "start_date",
        "end_date",
        "application_deadline",
        "url",
        "contact_email",
        "interpretation_languages",
        "general_offer",
    ),
    "organisations": ("key", "name", "acronym", "type", "country", "website", "description"),
    #: Organisations by key, name or acronym; states by ISO 3166-1 alpha-3 code.
    "initiatives": (
        "key",
        "title",
        "description",
        "text_language",
        "funders",
        "implementers",
        "partners",
        "beneficiary_countries",
        "beneficiary_regions",
        "work_status",
        "start_date",
        "end_date",
        "themes",
        "support_types",
        "budget_amount",
        "budget_currency",
        "budget_visibility",
        "outputs",
        "visibility",
        "status",
    ),
}
#: Characters that make a spreadsheet treat a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_GENERATED_KEY = re.compile(r"^kb-(request|programme|organisation|initiative)-(\d+)$")

Row = dict[str, Any]


def record_key(record: Request | Programme | Organisation | Initiative) -> str:
    """The record's external key, or a generated ``kb-<kind>-<id>`` one."""
    kind = "organisation" if isinstance(record, Organisation) else record.kind
    return record.external_key or f"kb-{kind}-{record.id}"


def generated_id(key: str, kind: str) -> int | None:
    """The id inside a generated key of this kind (``kb-request-12`` → 12), else None."""
    found = _GENERATED_KEY.match(key)
    return int(found.group(2)) if found and found.group(1) == kind else None


def to_row(record: Request | Programme | Organisation | Initiative) -> Row:
    """One record as an import row (lists as lists, dates as ISO text). An initiative's budget
    is written only by :func:`initiative_row`, which knows who reads it."""
    if isinstance(record, Initiative):
        return initiative_row(record, budget=False)
    if isinstance(record, Organisation):
        row: Row = {c: getattr(record, c, None) for c in COLUMNS["organisations"][1:]}
        row["country"] = record.country_code
    else:
        columns = COLUMNS[f"{record.kind}s"][2:]
        row = {c: getattr(record, c) for c in columns}
        if isinstance(record, Request):
            row["country"] = record.country_code
        else:
            row["organisation"] = record_key(record.organisation)
    row["key"] = record_key(record)
    return {c: _plain(row.get(c)) for c in COLUMNS[_kind_of(record)]}


def initiative_row(record: Initiative, budget: bool) -> Row:
    """An initiative as a template row: its partners by organisation key, its budget only
    when ``budget`` (the reader may see it)."""
    row: Row = {c: getattr(record, c, None) for c in COLUMNS["initiatives"]}
    for role, column in (
        ("funder", "funders"),
        ("implementer", "implementers"),
        ("partner", "partners"),
    ):
        row[column] = [record_key(o) for o in record.organisations(role)]
    row["key"] = record_key(record)
    if record.budget_amount is not None:
        row["budget_amount"] = f"{record.budget_amount:f}"
    if not budget:
        row["budget_amount"] = row["budget_currency"] = None
    return {c: _plain(row.get(c)) for c in COLUMNS["initiatives"]}


def _kind_of(record: Request | Programme | Organisation) -> str:
    return "organisations" if isinstance(record, Organisation) else f"{record.kind}s"


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return list(value) if isinstance(value, list | tuple) else value


def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with ``'`` (CSV/XLSX only)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # read back by the yes/no fields (``schemas.YesNo``)
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return neutralise(str(value))


def write(
    rows: list[Row],
    kind: str,
    fmt: str,
    extra: tuple[str, ...] = (),
    legend: tuple[str, dict[str, str]] | None = None,
    headings: str = "codes",
) -> bytes:
    """Serialise rows in ``fmt`` (``csv``, ``xlsx`` or ``json``): the import columns of
    ``kind``, then ``extra`` ones (read by people, ignored by import). The header row holds
    the columns' codes, or with ``headings="names"`` their names in the reader's language
    (an import reads both: :func:`kb.transfer.headings.code_of`); JSON keys are always codes.
    ``legend`` — a sheet title and each column's name in the reader's language — adds a second
    XLSX sheet that pairs each code with its name."""
    columns = (*COLUMNS[kind], *extra)
    if fmt == "json":
        document = {"kind": kind, "records": rows}
        return json.dumps(document, ensure_ascii=False, indent=1).encode()
    table = [[_flat(row.get(c)) for c in columns] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header(columns, headings))
        writer.writerows(table)
        return out.getvalue().encode("utf-8-sig")
    book = Workbook(write_only=True)
    add_sheet(book, kind, header(columns, headings), table)
    if legend is not None:
        title, names = legend
        names_sheet = book.create_sheet(title[:31])
        names_sheet.column_dimensions["A"].width = 28
        names_sheet.column_dimensions["B"].width = 48
        for column in columns:
            names_sheet.append([column, names.get(column, column)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def add_sheet(book: Workbook, title: str, header: list[str], table: list[list[str]]) -> None:
    """Append a sheet to a write-only workbook: the header row frozen in view and column widths
    that fit the header and the first 200 rows (at most 60 characters)."""
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(header, start=1):
        widest = max([len(column), *(len(line[index - 1]) for line in table[:200])])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
    sheet.append(header)
    for line in table:
        sheet.append(line)


# --- reading ----------------------------------------------------------------------------


def parse(data: bytes | str, fmt: str) -> tuple[str | None, list[tuple[int, Row]]]:
    """Read a file into ``(kind or None, [(row number, row)])``.

    Row numbers are spreadsheet lines (header = 1) for CSV/XLSX, 1-based positions for JSON.

    :raise Invalid: the file cannot be read as ``fmt``.
    """
    try:
        if fmt == "json":
            return _parse_json(data)
        if fmt == "csv":
            text = data if isinstance(data, str) else data.decode("utf-8-sig")
            lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        else:
            assert isinstance(data, bytes)
            lines = _xlsx_lines(data)
    except RecursionError as err:  # e.g. JSON nested thousands of levels deep
        message = _l(
            "The file could not be read as %(format)s: nested too deeply.", format=fmt.upper()
        )
        raise Invalid(message) from err
    except (ValueError, KeyError, csv.Error, OSError) as err:
        message = _l(
            "The file could not be read as %(format)s: %(error)s", format=fmt.upper(), error=err
        )
        raise Invalid(message) from err
    if not lines:
        raise Invalid(_l("The file is empty."))
    columns = [code_of(str(h or "")) for h in lines[0]]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        values = [_cell(v) for v in line]
        if not any(values):
            continue
        rows.append(
            (number, {h: _unflat(h, v) for h, v in zip(columns, values, strict=False) if h})
        )
    return guess_kind(columns), rows


def _parse_json(data: bytes | str) -> tuple[str | None, list[tuple[int, Row]]]:
    document = json.loads(data)
    kind = None
    if isinstance(document, dict):
        kind = document.get("kind")
        document = document.get("records")
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise Invalid(_l('Expected a list of objects, or {"kind": …, "records": [ … ]}.'))
    rows = [
        (n, {str(k).lower(): _unflat_json(k, v) for k, v in r.items()})
        for n, r in enumerate(document, start=1)
    ]
    if kind not in KINDS:
        kind = guess_kind(list(rows[0][1])) if rows else None
    return kind, rows


def _xlsx_lines(data: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [list(line) for line in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # Undo our own formula neutralisation so that an export imports unchanged.
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA_START else text


def _unflat(name: str, value: str) -> Any:
    if name in LIST_FIELDS:
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _unflat_json(name: str, value: Any) -> Any:
    if str(name).lower() in LIST_FIELDS and isinstance(value, str):
        return _unflat(name, value)
    return value


def guess_kind(header: list[str]) -> str | None:
    """Which kind a header row describes (requests name a country, programmes an organisation)."""
    names = set(header)
    if "funders" in names or "implementers" in names:
        return "initiatives"
    if "organisation" in names:
        return "programmes"
    if "title" in names and "country" in names:
        return "requests"
    if "name" in names and "type" in names:
        return "organisations"
    return None
