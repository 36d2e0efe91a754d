"""Read a Word document: a filled Capacity Exchange form, or free text.

Framework-free: :func:`read_docx` returns a :class:`Reading` of raw values keyed by form field
name, where each value was found, and precise problems. Names of states and organisations are
left as text for :mod:`kb.wordio.service` to resolve against the database.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docx import Document

from kb.dates import parse_day
from kb.errors import Invalid
from kb.uploads.safety import check_office_zip
from kb.wordio.fields import CHECK_MARKS, MARKER, UNCHECKED, FieldSpec, field_specs, list_specs

MAX_TITLE, MAX_DESCRIPTION = 200, 20000


@dataclass
class Reading:
    """What was read: ``values`` by form field, ``sources`` by field, problems as pairs."""

    kind: str | None
    template: bool
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    suggested: set[str] = field(default_factory=set)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field key or "", message)
    text: str = ""
    converted_from: str | None = None  # the detected format when LibreOffice converted the file

    def problem(self, key: str, message: str) -> None:
        self.problems.append((key, message))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip().casefold()


def _cell_text(cell: Any) -> str:
    return "\n".join(p.text for p in cell.paragraphs).strip()


def read_docx(data: bytes) -> Reading:
    """Check ``data`` is a safe .docx and read it.

    :raise UnsafeFile: unsafe or not a .docx. :raise Invalid: python-docx cannot read it.
    """
    check_office_zip(data, "docx")
    try:
        doc = Document(io.BytesIO(data))
        keywords = doc.core_properties.keywords or ""
        tables = [[[_cell_text(c) for c in row.cells] for row in t.rows] for t in doc.tables]
        paragraphs = [(p.style.name if p.style is not None else "", p.text) for p in doc.paragraphs]
    except Exception as exc:  # python-docx / lxml raise many kinds on malformed parts
        raise Invalid("The Word document could not be read.", {"file": ["Unreadable."]}) from exc
    kind = _template_kind(keywords, tables)
    if kind:
        return _read_template(kind, tables)
    return _read_free(paragraphs, tables)


def _template_kind(keywords: str, tables: list[list[list[str]]]) -> str | None:
    match = re.search(rf"{MARKER}:(request|programme)", keywords)
    if match:
        return match.group(1)
    for table in tables[:1]:
        labels = {_norm(row[0].split("\n")[0]) for row in table if row}
        for kind in ("request", "programme"):
            first = _norm(field_specs(kind)[0].label)
            if first in labels and {"title", "description"} <= labels:
                return kind
    return None


def _fields_table(kind: str, tables: list[list[list[str]]]) -> int | None:
    wanted = {_norm(s.label) for s in field_specs(kind)}
    for index, table in enumerate(tables):
        labels = {_norm(row[0].split("\n")[0]) for row in table if row}
        if len(labels & wanted) >= 2:
            return index
    return None


def _read_template(kind: str, tables: list[list[list[str]]]) -> Reading:
    reading = Reading(kind, True)
    specs = {_norm(s.label): s for s in field_specs(kind)}
    index = _fields_table(kind, tables)
    if index is None:
        reading.problem("", "Table 1 with the fields of the form is missing.")
    else:
        seen = set()
        for row_no, row in enumerate(tables[index], start=1):
            spec = specs.get(_norm(row[0].split("\n")[0])) if len(row) >= 2 else None
            if spec is None or spec.key in seen:
                continue
            seen.add(spec.key)
            where = f"table {index + 1}, row {row_no}"
            _read_value(reading, spec, row[1], where)
        for spec in specs.values():
            if spec.key not in seen:
                reading.problem(spec.key, f"{spec.label}: the row is missing (table {index + 1})")
    _read_lists(reading, kind, tables)
    return reading


def _read_value(reading: Reading, spec: FieldSpec, raw: str, where: str) -> None:
    raw = raw.strip()
    if not raw:
        return
    value: Any = raw if spec.type == "long" else re.sub(r"\s+", " ", raw)
    if spec.type == "code" and spec.choices is not None:
        value = _code_for(value, spec.choices)
        if value is None:
            allowed = ", ".join(spec.choices)
            reading.problem(spec.key, f"{spec.label}: '{raw}' is not one of {allowed} ({where})")
            return
    elif spec.type == "date":
        value = _date(value)
        if value is None:
            reading.problem(spec.key, f"{spec.label}: '{raw}' is not a date ({where})")
            return
    elif spec.type == "refs":
        value = [part.strip() for part in re.split(r"[,;\n]", raw) if part.strip()]
    reading.values[spec.key] = value
    reading.sources[spec.key] = where


def _code_for(text: str, choices: dict[str, str]) -> str | None:
    wanted = _norm(text)
    for code, label in choices.items():
        options = {
            _norm(code),
            _norm(label),
            _norm(label.split(":")[0]),
            _norm(label.split("(")[0]),
        }
        if wanted in options or _norm(wanted.split("(")[0]) in options:
            return code
    return None


def _date(text: str) -> date | None:
    return parse_day(text)


def _read_lists(reading: Reading, kind: str, tables: list[list[list[str]]]) -> None:
    for spec in list_specs(kind):
        found = None
        for index, table in enumerate(tables):
            header = table[0] if table else []
            if len(header) >= 2 and _norm(header[1]) == _norm(spec.title):
                found = index
                break
        if found is None:
            if spec.required:
                reading.problem(spec.key, f"{spec.title}: the table is missing")
            continue
        where = f"table {found + 1}"
        checked: list[str] = []
        for row_no, row in enumerate(tables[found][1:], start=2):
            if len(row) < 2:
                continue
            mark = row[0].replace(UNCHECKED, "").strip()
            code_text = row[2] if len(row) >= 3 else row[1]
            code = _code_for(code_text, spec.choices) or _code_for(row[1], spec.choices)
            if not mark or code is None:
                continue
            if mark.casefold() in CHECK_MARKS:
                if code not in checked:
                    checked.append(code)
            else:
                reading.problem(
                    spec.key, f"{spec.title}: unclear mark '{mark}' ({where}, row {row_no})"
                )
        reading.sources[spec.key] = where
        if checked:
            reading.values[spec.key] = checked
        elif spec.required:
            reading.problem(spec.key, f"{spec.title}: no box is checked ({where})")


def _read_free(paragraphs: list[tuple[str, str]], tables: list[list[list[str]]]) -> Reading:
    reading = Reading(None, False)
    lines = [(style, text.strip()) for style, text in paragraphs if text.strip()]
    for table in tables:
        for row in table:
            cells = list(dict.fromkeys(c for c in row if c.strip()))
            if cells:
                lines.append(("", " | ".join(cells)))
    if not lines:
        raise Invalid("The Word document has no text.", {"file": ["The document is empty."]})
    heading = next(
        (i for i, (style, _) in enumerate(lines) if style.startswith(("Heading", "Title"))), None
    )
    title_at = heading if heading is not None else 0
    title = re.sub(r"\s+", " ", lines[title_at][1])
    rest = [text for i, (_, text) in enumerate(lines) if i != title_at]
    reading.values["title"] = title[:MAX_TITLE]
    reading.sources["title"] = "the first heading" if heading is not None else "the first line"
    if rest:
        reading.values["description"] = "\n\n".join(rest)[:MAX_DESCRIPTION]
        reading.sources["description"] = "the rest of the text"
    reading.text = "\n".join(text for _, text in lines)
    return reading
