"""Read a Word document: a filled Capacity Exchange form, or free text.

:func:`read_docx` returns a :class:`Reading` of raw values keyed by form field name, where each
value was found, and precise problems. Names of states and organisations are left as text for
:mod:`kb.wordio.service` to resolve against the database. A form's labels, list titles and code
labels are matched in any of the six languages (:func:`kb.wordio.fields.variants`); the messages
(problems, where a value was read) are lazy, worded in the reader's interface language.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docx import Document
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from kb.dates import parse_day
from kb.errors import Invalid
from kb.uploads.safety import check_office_zip
from kb.wordio.fields import (
    CHECK_MARKS,
    MARKER,
    UNCHECKED,
    FieldSpec,
    ListSpec,
    field_specs,
    list_specs,
    variants,
)

MAX_TITLE, MAX_DESCRIPTION = 200, 20000


@dataclass
class Reading:
    """What was read: ``values`` by form field, ``sources`` by field, problems as pairs."""

    kind: str | None
    template: bool
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)  # lazy messages: str() words them
    suggested: set[str] = field(default_factory=set)
    problems: list[tuple[str, Any]] = field(default_factory=list)  # (field key or "", message)
    text: str = ""
    converted_from: str | None = None  # the detected format when LibreOffice converted the file

    def problem(self, key: str, message: Any) -> None:
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
        raise Invalid(
            _l("The Word document could not be read."), {"file": [_l("Unreadable.")]}
        ) from exc
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
            first, title, description = (_spec(kind, key) for key in _RECOGNISED)
            if all(variants(s.label) & labels for s in (first, title, description)):
                return kind
    return None


_RECOGNISED = ("first", "title", "description")


def _spec(kind: str, key: str) -> FieldSpec:
    specs = field_specs(kind)
    return specs[0] if key == "first" else next(s for s in specs if s.key == key)


def _labels(kind: str) -> dict[str, FieldSpec]:
    """Every accepted label (six languages, normalised) → its field."""
    return {label: spec for spec in field_specs(kind) for label in variants(spec.label)}


def _fields_table(kind: str, tables: list[list[list[str]]]) -> int | None:
    wanted = set(_labels(kind))
    for index, table in enumerate(tables):
        labels = {_norm(row[0].split("\n")[0]) for row in table if row}
        if len(labels & wanted) >= 2:
            return index
    return None


def _read_template(kind: str, tables: list[list[list[str]]]) -> Reading:
    reading = Reading(kind, True)
    specs = _labels(kind)
    index = _fields_table(kind, tables)
    if index is None:
        reading.problem("", _l("Table 1 with the fields of the form is missing."))
    else:
        seen = set()
        for row_no, row in enumerate(tables[index], start=1):
            spec = specs.get(_norm(row[0].split("\n")[0])) if len(row) >= 2 else None
            if spec is None or spec.key in seen:
                continue
            seen.add(spec.key)
            where = _l("table %(table)s, row %(row)s", table=index + 1, row=row_no)
            _read_value(reading, spec, row[1], where)
        for spec in field_specs(kind):
            if spec.key not in seen and not spec.optional_row:
                reading.problem(
                    spec.key,
                    _l(
                        "%(label)s: the row is missing (table %(table)s)",
                        label=_l(spec.label),
                        table=index + 1,
                    ),
                )
    _read_lists(reading, kind, tables)
    return reading


def _read_value(reading: Reading, spec: FieldSpec, raw: str, where: Any) -> None:
    raw = raw.strip()
    if not raw:
        return
    value: Any = raw if spec.type == "long" else re.sub(r"\s+", " ", raw)
    if spec.type in ("code", "yesno") and spec.choices is not None:
        value = _code_for(value, spec.choices)
        if value is None:
            reading.problem(
                spec.key,
                _l(
                    "%(label)s: “%(value)s” is not one of %(allowed)s (%(where)s)",
                    label=_l(spec.label),
                    value=raw,
                    allowed=_allowed(spec),
                    where=where,
                ),
            )
            return
        if spec.type == "yesno":
            value = value == "yes"
    elif spec.type == "date":
        value = _date(value)
        if value is None:
            reading.problem(
                spec.key,
                _l(
                    "%(label)s: “%(value)s” is not a date (%(where)s)",
                    label=_l(spec.label),
                    value=raw,
                    where=where,
                ),
            )
            return
    elif spec.type == "refs":
        # names separated as each language separates them: commas and semicolons, Chinese
        # (enumeration comma, full-width comma and semicolon) and Arabic ones too
        value = [part.strip() for part in re.split(r"[,;\n、，；،؛]", raw) if part.strip()]
    reading.values[spec.key] = value
    reading.sources[spec.key] = where


def _allowed(spec: FieldSpec) -> str:
    """What a single-choice row takes, for a problem: its codes, or for a yes/no row its two
    answers in the reader's language ("Oui, Non"), which is what the form asks for."""
    assert spec.choices is not None
    if spec.type == "yesno":
        return ", ".join(gettext(label) for label in spec.choices.values())
    return ", ".join(spec.choices)


def _fold(text: str) -> str:
    """Accents apart ("Si" is "Sí", "Publico" is "Público"): people type them or not."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def _code_for(text: str, choices: dict[str, str]) -> str | None:
    """The code whose code or label (in any of the six languages, or its part before a colon
    or a bracket; case and accents apart) is ``text``."""
    wanted = _fold(_norm(text))
    for code, label in choices.items():
        options = {_norm(code)}
        for name in variants(label):
            options.update({name, _norm(name.split(":")[0]), _norm(name.split("(")[0])})
        options = {_fold(option) for option in options}
        if wanted in options or _fold(_norm(wanted.split("(")[0])) in options:
            return code
    return None


def _date(text: str) -> date | None:
    return parse_day(text)


def _list_table(spec: ListSpec, tables: list[list[list[str]]]) -> int | None:
    titles = variants(spec.title)
    for index, table in enumerate(tables):
        header = table[0] if table else []
        if len(header) >= 2 and _norm(header[1]) in titles:
            return index
    return None


def _read_lists(reading: Reading, kind: str, tables: list[list[list[str]]]) -> None:
    for spec in list_specs(kind):
        found = _list_table(spec, tables)
        if found is None:
            if spec.required:
                reading.problem(
                    spec.key, _l("%(title)s: the table is missing", title=_l(spec.title))
                )
            continue
        where = _l("table %(table)s", table=found + 1)
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
                    spec.key,
                    _l(
                        "%(title)s: unclear mark “%(mark)s” (table %(table)s, row %(row)s)",
                        title=_l(spec.title),
                        mark=mark,
                        table=found + 1,
                        row=row_no,
                    ),
                )
        reading.sources[spec.key] = where
        if checked:
            reading.values[spec.key] = checked
        elif spec.required:
            reading.problem(
                spec.key,
                _l("%(title)s: no box is checked (%(where)s)", title=_l(spec.title), where=where),
            )


def _read_free(paragraphs: list[tuple[str, str]], tables: list[list[list[str]]]) -> Reading:
    reading = Reading(None, False)
    lines = [(style, text.strip()) for style, text in paragraphs if text.strip()]
    for table in tables:
        for row in table:
            cells = list(dict.fromkeys(c for c in row if c.strip()))
            if cells:
                lines.append(("", " | ".join(cells)))
    if not lines:
        raise Invalid(
            _l("The Word document has no text."), {"file": [_l("The document is empty.")]}
        )
    heading = next(
        (i for i, (style, _) in enumerate(lines) if style.startswith(("Heading", "Title"))), None
    )
    title_at = heading if heading is not None else 0
    title = re.sub(r"\s+", " ", lines[title_at][1])
    rest = [text for i, (_, text) in enumerate(lines) if i != title_at]
    reading.values["title"] = title[:MAX_TITLE]
    reading.sources["title"] = (
        _l("the first heading") if heading is not None else _l("the first line")
    )
    if rest:
        reading.values["description"] = "\n\n".join(rest)[:MAX_DESCRIPTION]
        reading.sources["description"] = _l("the rest of the text")
    reading.text = "\n".join(text for _, text in lines)
    return reading
