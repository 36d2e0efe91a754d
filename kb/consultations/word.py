"""A call's own Word template (its guiding questions in a table), and reading a filled one
back into the questions for review. Uploads pass the same safety checks as other Word files."""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from flask_babel import gettext as _

from kb.errors import Invalid
from kb.models import Call
from kb.uploads.safety import check_office_zip, check_size

MARKER = "capacity-exchange-call"
_YES = {"yes", "y", "x", "☒", "oui", "sí", "si", "да", "是", "نعم", "true", "1"}
_NO = {"no", "n", "non", "нет", "否", "لا", "false", "0"}


def build_answer_template(call: Call) -> bytes:
    """The .docx a focal point fills in: instructions, the mandate and one row per question."""
    doc = Document()
    doc.core_properties.title = f"{call.reference}: {call.title}"[:250]
    doc.core_properties.keywords = f"{MARKER}:{call.id}:1"
    doc.core_properties.author = "Capacity Exchange"
    doc.add_heading(f"{call.reference}: {call.title}", level=0)
    doc.add_paragraph(_("Deadline: %(deadline)s", deadline=_deadline(call)))
    if call.mandate:
        doc.add_heading(_("Mandate"), level=1)
        for paragraph in call.mandate.split("\n\n"):
            doc.add_paragraph(paragraph.strip())
    doc.add_heading(_("How to answer"), level=1)
    for line in (
        _("Write your answer to each guiding question in the second column of the table below."),
        _("Keep the questions in the first column as they are; leave a row empty to skip it."),
        _(
            "Save the file as a Word document (.docx) and upload it on the call's page. Nothing "
            "is submitted before you review it."
        ),
    ):
        doc.add_paragraph(line, style="List Bullet")
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for number, question in enumerate(call.questions, start=1):
        label, value = table.add_row().cells
        label.text = f"{number}. {question}"
        value.text = ""
    label, value = table.add_row().cells
    label.text = _("May this answer be published? (Yes/No)")
    value.text = _("Yes") if call.publish_by_default else _("No")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _deadline(call: Call) -> str:
    from kb.consultations.operations import deadline_text

    return deadline_text(call)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def read_answer_upload(data: bytes, call: Call) -> dict[str, Any]:
    """The answers (``answer_1`` …) and ``publishable`` read from a filled template, as the
    answer form's data. :raise UnsafeFile: refused file. :raise Invalid: not this call's form,
    or nothing could be read."""
    check_size(data)
    check_office_zip(data, "docx")
    try:
        doc = Document(io.BytesIO(data))
        keywords = doc.core_properties.keywords or ""
        rows = [
            ["\n".join(p.text for p in cell.paragraphs).strip() for cell in row.cells]
            for table in doc.tables
            for row in table.rows
        ]
        paragraphs = [p.text for p in doc.paragraphs]
    except Exception as exc:  # python-docx / lxml raise many kinds on malformed parts
        message = _("The Word document could not be read.")
        raise Invalid(message, {"file": [message]}) from exc
    found = re.search(rf"{MARKER}:(\d+)", keywords)
    if found and int(found.group(1)) != call.id:
        message = _("This form belongs to another call; download this call's template.")
        raise Invalid(message, {"file": [message]})
    result: dict[str, Any] = {}
    wanted = {_norm(q): i for i, q in enumerate(call.questions, start=1)}
    for row in rows:
        if len(row) < 2:
            continue
        label, value = row[0], row[-1]
        number = _question_number(label, wanted, len(call.questions))
        if number:
            result[f"answer_{number}"] = value
        elif "(yes/no)" in _norm(label) or "publi" in _norm(label):
            choice = _norm(value)
            if choice in _YES or choice in _NO:
                result["publishable"] = choice in _YES
    if not any(k.startswith("answer_") for k in result):
        if len(call.questions) == 1 and any(p.strip() for p in paragraphs):
            result["answer_1"] = "\n".join(p for p in paragraphs if p.strip())
        else:
            message = _(
                "No answers were found: use this call's template and write in its second column."
            )
            raise Invalid(message, {"file": [message]})
    return result


def _question_number(label: str, wanted: dict[str, int], count: int) -> int | None:
    text = _norm(label)
    if text in wanted:
        return wanted[text]
    numbered = re.match(r"^(\d{1,2})[.)]\s*(.*)$", text)
    if numbered and 1 <= int(numbered.group(1)) <= count:
        rest = numbered.group(2)
        if not rest or rest in wanted or any(rest[:40] == q[:40] for q in wanted):
            return int(numbered.group(1))
    return None
