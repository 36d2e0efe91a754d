"""Write the blank Word forms (.docx) for a request and for a programme, in any of the six
languages (labels, hints, instructions and code labels; the codes stay as they are)."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt

from kb.codes import N_
from kb.i18n_docx import localise, right_to_left_table
from kb.wordio.fields import MARKER, TITLES, UNCHECKED, field_specs, hint_in, list_specs, translator

INSTRUCTIONS = (
    N_("Fill in the second column of table 1. Keep the labels in the first column as they are."),
    N_("In the tables that follow, mark each box that applies: replace ☐ by X (or ☒)."),
    N_(
        "Save the file as a Word document (.docx, without macros) and upload it on the "
        "Capacity Exchange page “Submit a Word document”. Nothing is published before you "
        "review it, save it as a draft and submit it."
    ),
)
FORM_TITLE = N_("Capacity Exchange: %(form)s")
FIELDS_HEADING = {"request": N_("Table 1. The request"), "programme": N_("Table 1. The programme")}
LIST_HEADING = N_("Table %(number)s. %(title)s (%(need)s)")
REQUIRED, OPTIONAL = N_("mark at least one"), N_("optional")
SUGGESTED = N_("optional: left empty, they are suggested from your text")
MARK, CODE = N_("Mark"), N_("Code")
END = N_("End of the form.")


def build_template(kind: str, lang: str = "en") -> bytes:
    """The blank form for ``kind`` ("request" or "programme") in ``lang``, as .docx bytes."""
    if kind not in TITLES:
        raise ValueError(f"unknown kind {kind!r}")
    tr = translator(lang)
    doc = Document()
    localise(doc, lang)
    title = tr(FORM_TITLE) % {"form": tr(TITLES[kind])}
    props = doc.core_properties
    props.title = title
    props.keywords = f"{MARKER}:{kind}:1:{lang}"
    props.author = tr("Capacity Exchange")
    props.language = lang
    doc.add_heading(title, level=0)
    for line in INSTRUCTIONS:
        doc.add_paragraph(tr(line), style="List Bullet")

    doc.add_heading(tr(FIELDS_HEADING[kind]), level=1)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    right_to_left_table(table, lang)
    for spec in field_specs(kind):
        label_cell, value_cell = table.add_row().cells
        label_cell.text = tr(spec.label)
        hint_text = hint_in(spec, lang)
        if hint_text:
            hint = label_cell.add_paragraph().add_run(hint_text)
            hint.italic = True
            hint.font.size = Pt(8)
        value_cell.text = ""

    for number, spec in enumerate(list_specs(kind), start=2):
        need = tr(REQUIRED) if spec.required else tr(SUGGESTED if spec.suggested else OPTIONAL)
        heading = tr(LIST_HEADING) % {"number": number, "title": tr(spec.title), "need": need}
        doc.add_heading(heading, level=1)
        codes_table = doc.add_table(rows=1, cols=3)
        codes_table.style = "Table Grid"
        right_to_left_table(codes_table, lang)
        header = codes_table.rows[0].cells
        header[0].text, header[1].text, header[2].text = tr(MARK), tr(spec.title), tr(CODE)
        for code, label in spec.choices.items():
            box, label_cell, code_cell = codes_table.add_row().cells
            box.text, label_cell.text, code_cell.text = UNCHECKED, tr(label), code
    # Word ends a document with a paragraph; without one, the Word 97 (.doc) export of the
    # last table by LibreOffice flattens it into a line of text
    doc.add_paragraph(tr(END))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
