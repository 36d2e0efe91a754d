"""Write the blank Word forms (.docx) for a request and for a programme."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt

from kb.wordio.fields import MARKER, TITLES, UNCHECKED, field_specs, list_specs

INSTRUCTIONS = (
    "Fill in the second column of table 1. Keep the labels in the first column as they are.",
    "In the tables that follow, mark each box that applies: replace ☐ by X (or ☒).",
    "Save the file as a Word document (.docx, without macros) and upload it on the "
    "Capacity Exchange page “Submit a Word document”. Nothing is published before you "
    "review it, save it as a draft and submit it.",
)


def build_template(kind: str) -> bytes:
    """The blank form for ``kind`` ("request" or "programme") as .docx bytes."""
    if kind not in TITLES:
        raise ValueError(f"unknown kind {kind!r}")
    doc = Document()
    props = doc.core_properties
    props.title = f"Capacity Exchange: {TITLES[kind].lower()}"
    props.keywords = f"{MARKER}:{kind}:1"
    props.author = "Capacity Exchange"
    doc.add_heading(f"Capacity Exchange: {TITLES[kind].lower()}", level=0)
    for line in INSTRUCTIONS:
        doc.add_paragraph(line, style="List Bullet")

    doc.add_heading("Table 1. The " + kind, level=1)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for spec in field_specs(kind):
        label_cell, value_cell = table.add_row().cells
        label_cell.text = spec.label
        if spec.hint:
            hint = label_cell.add_paragraph().add_run(spec.hint)
            hint.italic = True
            hint.font.size = Pt(8)
        value_cell.text = ""

    for number, spec in enumerate(list_specs(kind), start=2):
        need = "mark at least one" if spec.required else "optional"
        doc.add_heading(f"Table {number}. {spec.title} ({need})", level=1)
        codes_table = doc.add_table(rows=1, cols=3)
        codes_table.style = "Table Grid"
        header = codes_table.rows[0].cells
        header[0].text, header[1].text, header[2].text = "Mark", spec.title, "Code"
        for code, label in spec.choices.items():
            box, label_cell, code_cell = codes_table.add_row().cells
            box.text, label_cell.text, code_cell.text = UNCHECKED, label, code
    # Word ends a document with a paragraph; without one, the Word 97 (.doc) export of the
    # last table by LibreOffice flattens it into a line of text
    doc.add_paragraph("End of the form.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
